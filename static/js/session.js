// The session's end, seen coming: a notice two minutes before the idle limit with a
// "Stay signed in" button (dashboard/access/middleware.py sends the seconds left on every
// page and htmx answer), and a warning before leaving a form with unsaved changes.
// Without JavaScript neither shows; a Save after the session ended still loses nothing
// (the typed values are kept on the server until the next sign-in: access/drafts.py).
(function () {
  "use strict";

  const WARN_SECONDS = 120;
  const HEADER = "Dashboard-Session-Remaining";
  const body = document.body;
  const renewUrl = body.dataset.sessionRenewUrl;

  // --- the session's end --------------------------------------------------------------
  let endsAt = 0; // performance.now() milliseconds
  let absoluteAt = 0;
  let warnTimer = null;
  let endTimer = null;
  let notice = null;

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function parse(header) {
    // "1740, absolute=41000"
    const match = /^\s*(\d+)\s*,\s*absolute=(\d+)\s*$/.exec(header || "");
    return match ? { seconds: Number(match[1]), absolute: Number(match[2]) } : null;
  }

  // Other tabs of this browser learn of each request's renewal, so an idle tab does not
  // warn (or say "ended") while the session is kept alive elsewhere. Nothing is stored.
  const tabs = "BroadcastChannel" in window ? new BroadcastChannel("dashboard-session") : null;

  function renewed(left) {
    schedule(left);
    if (tabs && left) tabs.postMessage({ ...left, sentAt: Date.now() });
  }

  function schedule(left) {
    if (!left) return;
    const now = performance.now();
    endsAt = now + left.seconds * 1000;
    absoluteAt = now + left.absolute * 1000;
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    hideNotice();
    warnTimer = setTimeout(warn, Math.max(0, (left.seconds - WARN_SECONDS) * 1000));
    endTimer = setTimeout(ended, left.seconds * 1000 + 1000);
  }

  function minutesText(milliseconds) {
    const seconds = Math.max(0, Math.round(milliseconds / 1000));
    if (seconds >= 90) return `${Math.round(seconds / 60)} minutes`;
    return seconds === 1 ? "1 second" : `${seconds} seconds`;
  }

  function showNotice(text, withButton) {
    if (!notice) {
      notice = document.createElement("div");
      notice.className = "session-notice alert alert-warning shadow d-flex flex-wrap align-items-center gap-2 m-0";
      notice.setAttribute("role", "status");
      notice.setAttribute("data-session-notice", "");
      const message = document.createElement("span");
      message.className = "me-auto";
      notice.appendChild(message);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-primary";
      button.textContent = "Stay signed in";
      button.addEventListener("click", stay);
      notice.appendChild(button);
      const link = document.createElement("a");
      link.className = "btn btn-sm btn-primary";
      link.textContent = "Sign in again";
      notice.appendChild(link);
      document.body.appendChild(notice);
    }
    notice.querySelector("span").textContent = text;
    notice.querySelector("button").hidden = !withButton;
    const link = notice.querySelector("a");
    link.hidden = withButton !== null;
    link.href = location.href; // the page again: the sign-in page, then back here
    notice.hidden = false;
  }

  function hideNotice() {
    if (notice) notice.hidden = true;
  }

  function warn() {
    const left = endsAt - performance.now();
    if (absoluteAt - endsAt < 1000) {
      // The absolute limit: no activity extends it.
      showNotice(
        `Your session reaches its time limit in ${minutesText(left)}: save your work, ` +
          "then sign in again.",
        false,
      );
    } else {
      showNotice(`Your session ends in ${minutesText(left)} without activity.`, true);
    }
  }

  function ended() {
    showNotice(
      "Your session has ended. Anything you save now is kept until you sign in again, " +
        "then brought back to its form.",
      null,
    );
  }

  async function stay() {
    const button = notice.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch(renewUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
        redirect: "manual",
      });
      const left = parse(response.headers.get(HEADER));
      if (response.status === 204 && left) {
        renewed(left);
        return;
      }
      ended();
    } catch (error) {
      showNotice("The dashboard could not be reached to keep you signed in: try again.", true);
    } finally {
      button.disabled = false;
    }
  }

  if (renewUrl) {
    // A page load is a request too: the other tabs hear of it.
    renewed({
      seconds: Number(body.dataset.sessionRemaining),
      absolute: Number(body.dataset.sessionAbsolute),
    });
    // Every htmx answer says how long the session now lasts (a request renews it).
    document.addEventListener("htmx:afterRequest", (event) => {
      const xhr = event.detail.xhr;
      if (xhr) renewed(parse(xhr.getResponseHeader(HEADER)));
    });
    if (tabs) {
      tabs.addEventListener("message", (event) => {
        const { seconds, absolute, sentAt } = event.data || {};
        const late = Math.max(0, (Date.now() - sentAt) / 1000) || 0;
        if (Number.isFinite(seconds)) schedule({ seconds: seconds - late, absolute: absolute - late });
      });
    }

  }

  // --- unsaved changes ----------------------------------------------------------------
  // Forms marked data-unsaved-warning; a form the server shows again after a Save that
  // did not go through (errors, a conflict) is marked data-unsaved="true": still unsaved.
  const dirty = new Set();

  function track(root) {
    root.querySelectorAll("form[data-unsaved-warning]").forEach((form) => {
      if (form.dataset.unsaved === "true") dirty.add(form.id || form);
    });
  }

  document.addEventListener("input", (event) => {
    const form = event.target.closest && event.target.closest("form[data-unsaved-warning]");
    if (form) dirty.add(form.id || form);
  });
  document.addEventListener("change", (event) => {
    const form = event.target.closest && event.target.closest("form[data-unsaved-warning]");
    if (form) dirty.add(form.id || form);
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches && form.matches("form[data-unsaved-warning]")) dirty.delete(form.id || form);
  });
  document.addEventListener("htmx:afterSwap", () => {
    for (const key of dirty) {
      if (typeof key === "string" ? !document.getElementById(key) : !key.isConnected) dirty.delete(key);
    }
    track(document);
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty.size === 0) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers need it set to show their prompt
  });
  track(document);
})();
