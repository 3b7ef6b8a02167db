// Starts GOV.UK Frontend's components (service navigation menu, error summary focus, buttons...).
import { initAll } from "/vendor/govuk-frontend.min.js";

initAll();
