// Progressive enhancement only: every page works without this file.
(() => {
  const boxes = () => document.querySelectorAll("input[name='ticket_ids']");

  function updateSelection() {
    const count = Array.from(boxes()).filter((box) => box.checked).length;
    document.querySelectorAll("[data-selected-count]").forEach((el) => {
      el.textContent = count ? `(${count})` : "";
    });
    const bulk = document.querySelector("[data-bulk]");
    if (bulk) {
      // A bar fixed at the bottom: it overlays, so ticking a box never moves the table. The
      // page gets room at its end to scroll the last rows out from under it. It appears
      // closed (one line); opening it shows the actions.
      bulk.classList.add("is-floating");
      bulk.hidden = !count && !bulk.querySelector(".form-errors");
      document.body.style.paddingBottom = bulk.hidden ? "" : `${bulk.offsetHeight}px`;
    }
    narrowBulkStatus();
  }

  // Offer only the statuses every selected ticket may move to (each row's data-targets,
  // from its kind and status); the server still checks each ticket.
  function narrowBulkStatus() {
    const select = document.getElementById("bulk_status");
    if (!select) return;
    const chosen = Array.from(boxes()).filter((box) => box.checked);
    let allowed = null;
    chosen.forEach((box) => {
      const targets = new Set((box.dataset.targets || "").split(" ").filter(Boolean));
      allowed = allowed === null ? targets : new Set([...allowed].filter((t) => targets.has(t)));
    });
    Array.from(select.options).forEach((option) => {
      const off = Boolean(option.value) && allowed !== null && !allowed.has(option.value);
      option.disabled = off;
      option.hidden = off;
    });
    if (select.selectedOptions[0] && select.selectedOptions[0].disabled) {
      select.value = "";
      updateBulkStatus();
    }
    const none = document.querySelector("[data-bulk-no-status]");
    if (none) none.hidden = allowed === null || allowed.size > 0;
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
    });
    // The button's words follow both choices (reply or note, then what): after any swap on
    // the page (a live refresh, a card loaded later) they must not fall back to "Send".
    updateComposer();
  }

  function init() {
    document.querySelectorAll("[data-select-all]").forEach((box) => { box.hidden = false; });
    updateSelection();
    updateBulkStatus();
    updateReplyForms();
  }

  // The bulk bar's height changes when it opens or closes: keep the room under the table.
  document.addEventListener("toggle", (event) => {
    if (event.target.matches && event.target.matches("[data-bulk]")) updateSelection();
  }, true);

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

// --- The live desk (docs/live-desk.md) -------------------------------------------------------
// An open ticket page asks its data-live URL every few seconds with the last ETag: a 304
// costs nothing; otherwise the answer says who else is here and what changed, and new
// timeline entries are appended. Forms are never replaced: the agent's draft stays.
(() => {
  const INTERVAL = 10000;

  function poller(url, interval, onChange, onAnswer) {
    let etag = "";
    let timer = null;
    async function tick() {
      timer = null;
      if (document.visibilityState === "visible") {
        try {
          const headers = etag ? { "If-None-Match": etag } : {};
          const response = await fetch(url(), { headers, cache: "no-store", credentials: "same-origin" });
          if (onAnswer) onAnswer(response);
          if (response.status === 200) {
            etag = response.headers.get("ETag") || "";
            await onChange(response);
          }
        } catch (error) { /* offline for a moment: ask again next time */ }
      }
      timer = window.setTimeout(tick, interval);
    }
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && timer) {
        window.clearTimeout(timer);
        tick();
      }
    });
    timer = window.setTimeout(tick, Math.min(interval, 1000));
  }

  function replying() {
    const body = document.querySelector("#reply textarea[name='body']");
    return Boolean(body && (body.value.trim() || document.activeElement === body));
  }

  function startTicket(bar) {
    const base = bar.dataset.live;
    const interval = Number(bar.dataset.liveInterval) || INTERVAL;
    // The poll token lets an idle poll skip the session (docs/live-desk.md); every signed-in
    // answer brings a fresh one.
    let token = bar.dataset.liveToken || "";
    const url = () => `${base}&t=${encodeURIComponent(token)}&mode=${replying() ? "replying" : "viewing"}`;
    const renewed = (response) => { token = response.headers.get("X-Live-Token") || token; };
    poller(url, interval, async (response) => {
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const presence = doc.querySelector("[data-live-presence]");
      const shown = document.getElementById("presence");
      if (presence && shown && shown.textContent !== presence.textContent) shown.textContent = presence.textContent;
      const changes = doc.querySelector("[data-live-changes]");
      const box = document.getElementById("live-changes");
      if (changes && box) {
        box.replaceChildren(...changes.childNodes);
        box.hidden = false;
        document.body.classList.add("ticket-stale");
      }
      const meta = doc.querySelector("[data-live-meta] #ticket-meta");
      const currentMeta = document.getElementById("ticket-meta");
      if (meta && currentMeta) currentMeta.replaceWith(meta);
      const timeline = document.querySelector(".ticket-main .timeline");
      doc.querySelectorAll("[data-live-events] .timeline > li").forEach((entry) => {
        if (timeline && entry.id && !document.getElementById(entry.id)) {
          entry.classList.add("live-new");
          timeline.appendChild(entry);
        }
      });
    }, renewed);
  }

  function startQueue(holder) {
    const interval = Number(holder.dataset.liveInterval) || INTERVAL;
    let first = true;
    poller(() => holder.dataset.liveQueue, interval, async () => {
      if (first) { first = false; return; } // the page was just rendered from this state
      const selected = document.querySelectorAll("input[name='ticket_ids']:checked").length;
      const notice = document.getElementById("queue-changed");
      if (selected) { // never undo the agent's selection: offer a refresh instead
        if (notice) notice.hidden = false;
        return;
      }
      const response = await fetch(window.location.href, { cache: "no-store", credentials: "same-origin" });
      if (!response.ok) return;
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      ["#queue-results tbody", "#queue-count"].forEach((selector) => {
        const fresh = doc.querySelector(selector);
        const current = document.querySelector(selector);
        if (fresh && current) current.replaceWith(fresh);
      });
      refreshViewCounts(doc);
    });
  }

  // The sidebar's view counts (predefined and saved views) come with the same re-read page:
  // each link's count is replaced in place (links and focus are kept, so htmx's boost and
  // the keyboard are undisturbed). No request of its own: it costs nothing when idle.
  function refreshViewCounts(doc) {
    document.querySelectorAll(".desk-sidebar .view-nav a[href]").forEach((link) => {
      const fresh = doc.querySelector(`.desk-sidebar .view-nav a[href="${CSS.escape(link.getAttribute("href"))}"]`);
      if (!fresh) return;
      const count = fresh.querySelector(".view-count");
      const current = link.querySelector(".view-count");
      if (count && current) {
        if (current.textContent !== count.textContent) current.replaceWith(count);
      } else if (count) {
        link.append(" ", count);
      } else if (current) {
        current.remove();
      }
    });
  }

  // The composer: "Send and set pending" — the button says what will happen.
  function updateComposer() {
    document.querySelectorAll("[data-reply-form]").forEach((form) => {
      const then = form.querySelector("select[name='then']");
      const button = form.querySelector("[data-composer-send]");
      if (!then || !button) return;
      form.querySelectorAll("[data-show-for-then]").forEach((el) => {
        el.hidden = el.dataset.showForThen !== then.value;
      });
      const internal = form.classList.contains("is-internal");
      const base = internal ? button.dataset.labelInternal : button.dataset.labelPublic;
      const option = then.selectedOptions[0];
      button.textContent = then.value && option ? `${base} · ${option.textContent}` : base;
    });
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches("select[name='then'], input[name='visibility']")) updateComposer();
  });

  document.addEventListener("DOMContentLoaded", () => {
    const bar = document.querySelector("[data-live]");
    if (bar) startTicket(bar);
    const queue = document.querySelector("[data-live-queue]");
    if (queue) startQueue(queue);
    updateComposer();
  });
})();

// --- Keyboard shortcuts (web/_shortcuts.html lists them; "?" opens the list) -----------------
// Single keys, ignored while typing in a field or with Ctrl/Alt/Meta held, so that they never
// steal a keystroke meant for a form. Each one moves focus to or submits an ordinary control.
(() => {
  const LIST_KEY = "atiende.queue"; // ticket URLs of the list last seen, for [ and ]

  function typing(target) {
    return target.closest && target.closest("input, textarea, select, [contenteditable='true']");
  }

  function openList() {
    const dialog = document.getElementById("shortcuts");
    if (!dialog || dialog.open) return;
    dialog.returnTo = document.activeElement;
    dialog.showModal(); // modal: focus stays inside; Escape closes it
    const close = dialog.querySelector("[data-shortcuts-close]");
    if (close) close.focus();
  }

  function queueLinks() {
    return Array.from(document.querySelectorAll(".queue-table td.num a"));
  }

  function moveInQueue(step) {
    const links = queueLinks();
    if (!links.length) return false;
    const row = document.activeElement && document.activeElement.closest("tr");
    const at = links.findIndex((link) => link.closest("tr") === row);
    const next = links[Math.max(0, Math.min(links.length - 1, at < 0 ? 0 : at + step))];
    next.focus();
    next.closest("tr").scrollIntoView({ block: "nearest" });
    return true;
  }

  function moveInTicket(step) {
    let list = [];
    try { list = JSON.parse(sessionStorage.getItem(LIST_KEY) || "[]"); } catch (e) { list = []; }
    const at = list.indexOf(window.location.pathname);
    if (at >= 0 && list[at + step]) window.location.assign(list[at + step]);
  }

  function compose(internal) {
    const form = document.querySelector("[data-reply-form]");
    if (!form) return;
    const radio = form.querySelector(`input[name='visibility'][value='${internal ? "internal" : "public"}']`);
    if (radio && !radio.checked) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
    const body = form.querySelector("textarea[name='body']");
    if (body) body.focus();
  }

  const ACTIONS = {
    "?": openList,
    "/": () => { const q = document.getElementById("topsearch-q"); if (q) q.focus(); },
    j: () => moveInQueue(1),
    k: () => moveInQueue(-1),
    "]": () => moveInTicket(1),
    "[": () => moveInTicket(-1),
    r: () => compose(false),
    n: () => compose(true),
    a: () => {
      const form = document.querySelector("form[action$='/assign-to-me/']");
      if (form) form.requestSubmit();
    },
    s: () => {
      const target = document.querySelector("#status .transition-buttons button, #status summary, #reply select[name='then']");
      if (target) { target.focus(); target.scrollIntoView({ block: "center" }); }
    },
    u: () => { const back = document.querySelector(".crumbs a"); if (back) window.location.assign(back.href); },
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    const dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) return; // the dialog handles its own keys (Escape, Tab, Enter)
    const action = ACTIONS[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest("[data-shortcuts-open]")) openList();
  });

  document.addEventListener("DOMContentLoaded", () => {
    const dialog = document.getElementById("shortcuts");
    if (dialog) {
      dialog.addEventListener("close", () => {
        if (dialog.returnTo && dialog.returnTo.focus) dialog.returnTo.focus();
      });
    }
    const links = queueLinks();
    if (links.length) sessionStorage.setItem(LIST_KEY, JSON.stringify(links.map((a) => a.pathname)));
  });
})();
