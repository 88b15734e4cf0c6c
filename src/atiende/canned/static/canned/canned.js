// Canned responses in the reply box (templates canned/_picker.html): the button, or "::"
// typed in the message, opens a listbox searched as one types; arrows move, Enter inserts
// the response (placeholders already filled in by the server), Escape closes. No inline
// script or handler: the Content-Security-Policy allows none.
(function () {
  "use strict";

  function setup(picker) {
    if (picker.dataset.cannedReady) return;
    picker.dataset.cannedReady = "1";
    const form = picker.closest("form");
    const text = form && form.querySelector("textarea[name='body']");
    const button = picker.querySelector("[data-canned-open]");
    const popup = picker.querySelector(".canned-popup");
    const search = popup.querySelector("input");
    const list = popup.querySelector("[role='listbox']");
    const empty = popup.querySelector("[data-canned-empty]");
    if (!text) return;
    let items = [];
    let active = -1;
    let timer = null;
    let asked = 0;

    function open() {
      popup.hidden = false;
      button.setAttribute("aria-expanded", "true");
      search.value = "";
      load();
      search.focus();
    }
    function close(refocus) {
      popup.hidden = true;
      button.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      if (refocus) text.focus();
    }
    function show() {
      list.replaceChildren();
      items.forEach((item, i) => {
        const li = document.createElement("li");
        li.id = "canned-option-" + item.id;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.dataset.index = String(i);
        li.textContent = item.title; // text only: never HTML from the server
        list.appendChild(li);
      });
      empty.hidden = items.length > 0;
      if (active >= 0 && items[active]) {
        search.setAttribute("aria-activedescendant", "canned-option-" + items[active].id);
      } else {
        search.removeAttribute("aria-activedescendant");
      }
    }
    function load() {
      const mine = ++asked;
      const url = new URL(picker.dataset.source, window.location.href);
      url.searchParams.set("q", search.value);
      url.searchParams.set("ticket", picker.dataset.ticket);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : []))
        .then((found) => {
          if (mine !== asked) return; // an older answer arriving late
          items = Array.isArray(found) ? found : [];
          active = items.length ? 0 : -1;
          show();
        })
        .catch(() => { items = []; active = -1; show(); });
    }
    function insert(item) {
      const start = text.selectionStart ?? text.value.length;
      const end = text.selectionEnd ?? start;
      text.value = text.value.slice(0, start) + item.body + text.value.slice(end);
      const caret = start + item.body.length;
      close(true);
      text.setSelectionRange(caret, caret);
      text.dispatchEvent(new Event("input", { bubbles: true }));
    }

    button.addEventListener("click", () => (popup.hidden ? open() : close(true)));
    text.addEventListener("input", (event) => {
      const at = text.selectionStart;
      if (event.inputType && event.inputType.startsWith("delete")) return;
      if (at >= 2 && text.value.slice(at - 2, at) === "::") {
        text.value = text.value.slice(0, at - 2) + text.value.slice(at);
        text.setSelectionRange(at - 2, at - 2);
        open();
      }
    });
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    });
    search.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!items.length) return;
        const step = event.key === "ArrowDown" ? 1 : -1;
        active = (active + step + items.length) % items.length;
        show();
      } else if (event.key === "Enter") {
        event.preventDefault(); // never submit the reply from here
        if (items[active]) insert(items[active]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close(true);
      }
    });
    list.addEventListener("mousedown", (event) => {
      const li = event.target.closest("[role='option']");
      if (!li) return;
      event.preventDefault();
      insert(items[Number(li.dataset.index)]);
    });
    popup.addEventListener("focusout", (event) => {
      if (!popup.contains(event.relatedTarget)) close(false);
    });
  }

  function init() {
    document.querySelectorAll("[data-canned-picker]").forEach(setup);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
