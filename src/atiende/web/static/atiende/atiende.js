// Progressive enhancement only: every page works without this file.
(() => {
  const boxes = () => document.querySelectorAll("input[name='ticket_ids']");

  function updateSelection() {
    const count = Array.from(boxes()).filter((box) => box.checked).length;
    document.querySelectorAll("[data-selected-count]").forEach((el) => {
      el.textContent = count ? `(${count})` : "";
    });
    const bulk = document.querySelector("[data-bulk]");
    if (bulk && count && !bulk.dataset.autoOpened) {
      bulk.open = true; // show the bulk actions once something is selected
      bulk.dataset.autoOpened = "1";
    }
  }

  function updateBulkStatus() {
    const select = document.getElementById("bulk_status");
    if (!select) return;
    document.querySelectorAll("[data-show-for-status]").forEach((el) => {
      el.hidden = el.dataset.showForStatus !== select.value;
    });
  }

  function updateReplyForms() {
    document.querySelectorAll("[data-reply-form]").forEach((form) => {
      const internal = form.querySelector("input[name='visibility'][value='internal']");
      const isInternal = Boolean(internal && internal.checked);
      form.classList.toggle("is-internal", isInternal);
      const button = form.querySelector("button[data-label-public]");
      if (button) button.textContent = isInternal ? button.dataset.labelInternal : button.dataset.labelPublic;
    });
  }

  function init() {
    document.querySelectorAll("[data-select-all]").forEach((box) => { box.hidden = false; });
    updateSelection();
    updateBulkStatus();
    updateReplyForms();
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("[data-select-all]")) {
      boxes().forEach((box) => { box.checked = target.checked; });
    }
    if (target.matches("[data-select-all], input[name='ticket_ids']")) updateSelection();
    if (target.id === "bulk_status") updateBulkStatus();
    if (target.matches("input[name='visibility']")) updateReplyForms();
  });

  // Behaviour declared in data- attributes (the Content-Security-Policy allows no inline
  // handlers): data-autosubmit, data-select-on-focus, data-print, data-copy, data-confirm.
  document.addEventListener("change", (event) => {
    const field = event.target.closest && event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  });

  ["focusin", "click"].forEach((type) => {
    document.addEventListener(type, (event) => {
      if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
    });
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-print], [data-copy]");
    if (!button) return;
    if (button.hasAttribute("data-print")) {
      window.print();
      return;
    }
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    field.select();
    const copied = navigator.clipboard ? navigator.clipboard.writeText(field.value) : Promise.reject();
    copied
      .then(() => { if (button.dataset.done) button.textContent = button.dataset.done; })
      .catch(() => document.execCommand("copy"));
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
