// People pickers (tickets/forms/desk.py): the page lists nobody up front; as the agent
// types, the browser's own suggestion list (<datalist>, keyboard included) fills from
// GET /api/v1/people (also the people of automation rules and macros). The assignee select
// follows the chosen team (data-follows-team).
(function () {
  "use strict";

  function setupPeople(input) {
    if (input.dataset.pickerReady) return;
    input.dataset.pickerReady = "1";
    const list = document.getElementById(input.dataset.peoplePicker);
    let timer = null;
    let asked = 0;
    // data-multiple: several people separated by commas (a rule's condition); the last one
    // is searched, and each suggestion carries the ones before it, so choosing one keeps them.
    const multiple = Boolean(input.dataset.multiple);
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const cut = multiple ? input.value.lastIndexOf(",") + 1 : 0;
      const before = multiple && cut ? input.value.slice(0, cut).trim() + " " : "";
      const q = input.value.slice(cut).trim();
      if (q.length < 2 || /^\d+$/.test(q)) return;
      timer = setTimeout(() => {
        const mine = ++asked;
        const url = new URL(input.dataset.source, window.location.href);
        url.searchParams.set("q", q);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then((r) => (r.ok ? r.json() : []))
          .then((people) => {
            if (mine !== asked || !list) return;
            list.replaceChildren();
            people.forEach((p) => {
              const option = document.createElement("option");
              option.value = before + (p.email || String(p.id));
              option.label = [p.name, p.organization].filter(Boolean).join(" · ");
              list.appendChild(option);
            });
          })
          .catch(() => {});
      }, 200);
    });
  }

  function followTeam(select) {
    const team = document.getElementById(select.dataset.followsTeam);
    if (!team) return;
    const chosen = team.value;
    select.querySelectorAll("option[data-teams]").forEach((option) => {
      // "*": an agent who sees every ticket may take any team's ticket.
      const teams = option.dataset.teams.split(" ");
      const member = !chosen || teams.includes(chosen) || teams.includes("*");
      option.hidden = !member;
      option.disabled = !member;
      if (!member && option.selected) select.value = "";
    });
  }

  function init() {
    document.querySelectorAll("input[data-people-picker]").forEach(setupPeople);
    document.querySelectorAll("select[data-follows-team]").forEach((select) => {
      followTeam(select);
      if (select.dataset.followReady) return;
      select.dataset.followReady = "1";
      const team = document.getElementById(select.dataset.followsTeam);
      if (team) team.addEventListener("change", () => followTeam(select));
    });
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
