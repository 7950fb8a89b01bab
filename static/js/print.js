// The print page's button: shown only when JavaScript runs (the page otherwise says to
// use the browser's print command).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
document.querySelectorAll("[data-print-hint]").forEach(function (hint) {
  hint.hidden = true;
});
