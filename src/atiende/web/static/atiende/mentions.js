// @mention autocomplete on the internal note textarea (data-mentions). The list comes from
// the agents-only API (the followers card gives its URL in data-mention-url): agents who may
// see the ticket. No inline script (strict CSP): loaded by the followers card.
(() => {
  const source = document.querySelector("[data-mention-url]");
  const area = document.querySelector("textarea[data-mentions]");
  if (!source || !area) return;
  const url = source.dataset.mentionUrl;
  const list = document.createElement("ul");
  list.className = "mention-list";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  area.insertAdjacentElement("afterend", list);
  let timer = null;

  const internal = () => {
    const form = area.form;
    const chosen = form && form.querySelector("input[name='visibility']:checked");
    return !chosen || chosen.value !== "public";
  };
  const wordAtCaret = () => {
    const before = area.value.slice(0, area.selectionStart);
    const match = /(^|[\s(])@([\w.@+-]*)$/.exec(before);
    return match ? match[2] : null;
  };
  const choose = (username) => {
    const caret = area.selectionStart;
    const before = area.value.slice(0, caret).replace(/@[\w.@+-]*$/, "@" + username + " ");
    area.value = before + area.value.slice(caret);
    area.selectionStart = area.selectionEnd = before.length;
    list.hidden = true;
    area.focus();
  };
  const show = (people) => {
    list.replaceChildren();
    people.forEach((person) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.setAttribute("role", "option");
      button.textContent = person.display_name + " @" + person.username;
      button.addEventListener("click", () => choose(person.username));
      item.append(button);
      list.append(item);
    });
    list.hidden = people.length === 0;
  };
  area.addEventListener("input", () => {
    clearTimeout(timer);
    const prefix = wordAtCaret();
    if (prefix === null || !internal()) {
      list.hidden = true;
      return;
    }
    timer = setTimeout(() => {
      fetch(url + "?q=" + encodeURIComponent(prefix), { credentials: "same-origin" })
        .then((answer) => (answer.ok ? answer.json() : []))
        .then(show)
        .catch(() => { list.hidden = true; });
    }, 150);
  });
  area.addEventListener("keydown", (event) => {
    if (event.key === "Escape") list.hidden = true;
  });
})();
