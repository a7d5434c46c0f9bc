// Progressive enhancement only: the page works without this file.

// The print button is rendered hidden, as it does nothing without this script; the page tells
// those without JavaScript to use the browser's own Print instead.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
}

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
