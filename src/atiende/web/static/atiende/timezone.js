// After a first sign-in: tell the server the browser's time zone, once. The server keeps it
// only if the person has not chosen one (accounts.views.browser_time_zone).
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script || !window.fetch || !window.Intl) return;
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!zone) return;
  const body = new URLSearchParams({ time_zone: zone });
  fetch(script.dataset.endpoint, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": script.dataset.csrf },
    body: body,
  }).catch(function () { /* not vital: the profile page sets it too */ });
})();
