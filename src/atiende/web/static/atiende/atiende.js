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

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
