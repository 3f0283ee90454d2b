// Small behaviours of the desk, here rather than inline in the templates: the
// Content-Security-Policy allows scripts from our origin only (docs/operations.md).
"use strict";
// <select data-autosubmit>: submit its form when the choice changes (the language menu).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el instanceof HTMLElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.submit();
  }
});
