// The "Print" buttons of the reports: the browser's own print dialog (the page's print
// stylesheet lays the report out on A4 paper). Served as a file: no inline script.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
