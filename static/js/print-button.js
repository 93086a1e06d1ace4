// Print buttons: shown only when this script runs (the browser's own Print works without it).
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
