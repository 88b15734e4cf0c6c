// The desk ticket page's "Insert link": fetch the article's Markdown link (the server says
// 404 when the ticket's requester may not read it) and insert it into the reply at the cursor.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-kb-link]");
  if (!button) return;
  event.preventDefault();
  const response = await fetch(button.dataset.kbLink, { credentials: "same-origin" });
  if (!response.ok) return;
  const text = await response.text();
  const box = document.querySelector("#reply textarea[name=body]");
  if (!box) return;
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? start;
  box.value = box.value.slice(0, start) + text + box.value.slice(end);
  box.focus();
  box.selectionStart = box.selectionEnd = start + text.length;
  box.dispatchEvent(new Event("input", { bubbles: true }));
});
