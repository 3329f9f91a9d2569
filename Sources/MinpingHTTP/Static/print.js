// A 打印 button on a printable page (a script of our own: the pages' CSP allows no inline
// handlers).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
