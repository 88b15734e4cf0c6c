// Keyboard shortcuts of the change calendar: P previous, N next, T today (links carry
// data-cal-key). Ignored while typing in a field or with a modifier key held.
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target;
  if (target.closest && target.closest("input, select, textarea, [contenteditable]")) return;
  const link = document.querySelector(`a[data-cal-key="${event.key.toLowerCase()}"]`);
  if (link) {
    event.preventDefault();
    link.click();
  }
});
