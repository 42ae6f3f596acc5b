// Page behaviour bound by data attributes, so that templates carry no inline script or event handler and the
// Content-Security-Policy can say script-src 'self' (README: security headers).
//   data-autosubmit            a select submits its form when changed (language switch)
//   data-confirm="question"    a submit button asks first; "Cancel" keeps the page as it was
//   data-print                 a button opens the browser's print dialog
//   data-fill="element-id"     a select copies its chosen option into that field (常用语 into the comment)
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLSelectElement)) {
      return;
    }
    if (target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
      return;
    }
    var fillId = target.getAttribute("data-fill");
    if (fillId && target.value) {
      var field = document.getElementById(fillId);
      if (field) {
        field.value = target.value;
      }
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-print], [data-confirm]") : null;
    if (!button) {
      return;
    }
    if (button.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
      return;
    }
    if (!window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
