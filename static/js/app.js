// Starts GOV.UK Frontend's components (service navigation menu, error summary focus, buttons...).
import { initAll } from "/vendor/govuk-frontend.min.js";

initAll();

// A table wider than the screen scrolls sideways inside its .app-table-wrapper. A keyboard can only
// scroll it once it can take the focus (WCAG 2.1.1), so a wrapper that does scroll becomes a focusable,
// named region, and stops being one when the window is wide enough again. Wrappers the template already
// made focusable are left as they are.
function labelFor(wrapper) {
  const caption = wrapper.querySelector("caption");
  const text = caption ? caption.textContent.replace(/\s+/g, " ").trim() : "Table";
  return `${text} (scrolls sideways)`;
}

function updateScrollingTables() {
  for (const wrapper of document.querySelectorAll(".app-table-wrapper:not([data-app-static-region])")) {
    if (wrapper.hasAttribute("tabindex") && !wrapper.hasAttribute("data-app-scrolls")) {
      wrapper.setAttribute("data-app-static-region", "");
      continue;
    }
    const scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
    if (scrolls && !wrapper.hasAttribute("data-app-scrolls")) {
      wrapper.setAttribute("data-app-scrolls", "");
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", labelFor(wrapper));
    } else if (!scrolls && wrapper.hasAttribute("data-app-scrolls")) {
      for (const name of ["data-app-scrolls", "tabindex", "role", "aria-label"]) wrapper.removeAttribute(name);
    }
  }
}

let pending = null;
updateScrollingTables();
document.fonts.ready.then(updateScrollingTables);
window.addEventListener("resize", () => {
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(updateScrollingTables);
});
