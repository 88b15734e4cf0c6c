// Request forms: show a question only when the answer it depends on is one of its values
// (data-when = the controlling input's name, data-values = a JSON list of codes). Hidden
// questions are disabled, so they are not sent; the server checks the same rule anyway
// (catalogue/forms_engine.py).
(function () {
  "use strict";
  function answers(form, name) {
    var found = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if (input.disabled) { return; }
      if ((input.type === "checkbox" || input.type === "radio") && !input.checked) { return; }
      if (input.value !== "") { found.push(input.value); }
    });
    return found;
  }
  function refresh(form) {
    form.querySelectorAll("[data-when]").forEach(function (row) {
      var wanted = [];
      try { wanted = JSON.parse(row.getAttribute("data-values") || "[]"); } catch (e) { wanted = []; }
      var given = answers(form, row.getAttribute("data-when"));
      var show = given.some(function (v) { return wanted.indexOf(v) !== -1; });
      row.hidden = !show;
      row.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !show; });
    });
  }
  function start() {
    document.querySelectorAll("form.catalogue-form").forEach(function (form) {
      // In order: a question hidden by an earlier one hides those that depend on it.
      refresh(form);
      refresh(form);
      form.addEventListener("change", function () { refresh(form); refresh(form); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
