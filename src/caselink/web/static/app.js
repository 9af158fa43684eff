/* Small helpers for every page (no inline scripts: the Content-Security-Policy forbids them). */
(function () {
  "use strict";
  // Ask before acknowledging an alert with an empty-looking note.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var note = form.querySelector && form.querySelector("input[name=note]");
    if (note && note.value.trim().length < 3) {
      ev.preventDefault();
      note.setCustomValidity("Say briefly what was done (at least 3 characters).");
      note.reportValidity();
      note.addEventListener("input", function () { note.setCustomValidity(""); }, { once: true });
    }
  });
})();
