// Progressive enhancement only: every page works without this file.
document.addEventListener("change", (event) => {
  // "Select all" checkbox of bulk actions.
  if (event.target.matches("[data-select-all]")) {
    document.querySelectorAll("input[name='ticket_ids']").forEach((box) => { box.checked = event.target.checked; });
  }
});
