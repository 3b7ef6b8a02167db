// Progressive enhancement for printable pages: reveal the "Print" button and print when pressed.
// Without JavaScript the page still tells people to use the browser's print option.
for (const button of document.querySelectorAll("[data-app-print-button]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
