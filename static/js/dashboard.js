// The little JavaScript the dashboard needs beside htmx: error handling and keyboard help.
(function () {
  "use strict";

  function toast(text) {
    const template = document.getElementById("toast-template");
    const container = document.getElementById("toasts");
    if (!template || !container) return;
    const element = template.content.firstElementChild.cloneNode(true);
    element.querySelector(".toast-body").textContent = text;
    container.appendChild(element);
    if (window.bootstrap) {
      const instance = window.bootstrap.Toast.getOrCreateInstance(element, { delay: 8000 });
      element.addEventListener("hidden.bs.toast", () => element.remove());
      instance.show();
    } else {
      element.classList.add("show");
    }
  }

  // htmx 2 does not swap 4xx/5xx responses. Ours that are meant for the page
  // (a region's error, a form with errors) say so with a header; swap those.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("Dashboard-Fragment") === "1") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Anything else that failed must never fail silently.
  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 413) {
      // Too large (dashboard/body_limit.py, or the proxy in front): the form is untouched.
      const limit = event.detail.xhr.getResponseHeader("Dashboard-Body-Limit");
      const accepted = limit ? ` (at most ${limit} at once; a photo up to 1 MB)` : " (a photo up to 1 MB)";
      toast(`The upload is too large${accepted}. Nothing was saved and your input is kept: ` +
        "choose a smaller photo and save again.");
      return;
    }
    toast(`The request failed (${status || "no answer"}). Try again; if it keeps failing, reload the page.`);
  });
  document.addEventListener("htmx:sendError", () => {
    toast("The dashboard could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:timeout", () => {
    toast("The dashboard took too long to answer. Try again.");
  });

  // A photo that fails to load gives way to the initials placeholder.
  document.addEventListener("error", (event) => {
    const image = event.target;
    if (image instanceof HTMLImageElement && image.hasAttribute("data-avatar")) {
      image.hidden = true;
      const placeholder = image.parentElement.querySelector(".avatar-placeholder");
      if (placeholder) placeholder.hidden = false;
    }
  }, true);

  // <dialog> openers and closers (the delete confirmation).
  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.dialogOpen);
      if (dialog) dialog.showModal();
    }
    const closer = event.target.closest("[data-dialog-close]");
    if (closer) closer.closest("dialog").close();
  });

  // Tabs: arrow keys, Home and End move between tabs (WAI-ARIA tabs pattern).
  document.addEventListener("keydown", (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (!tab) return;
    const tabs = Array.from(tab.closest('[role="tablist"]').querySelectorAll('[role="tab"]'));
    const index = tabs.indexOf(tab);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = tabs[(next + tabs.length) % tabs.length];
    target.focus();
    target.click();
  });

  // "/" jumps to the search box, as in most back-office tools.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.closest("input, textarea, select, [contenteditable]");
    const box = document.querySelector("[data-search-box]");
    if (box && !typing) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  // A form that comes back with errors: focus its summary, so keyboard and screen
  // reader users land on what to fix.
  document.addEventListener("htmx:afterSwap", (event) => {
    const summary = event.detail.target && event.detail.target.querySelector
      ? document.getElementById("form-errors") : null;
    if (summary && event.detail.target.id === "client-form") summary.focus();
  });

  // After htmx swaps the tabs, keep keyboard focus on the active tab.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "client-tabs") {
      const active = document.querySelector('#client-tabs [role="tab"][aria-selected="true"]');
      if (active && event.detail.requestConfig && event.detail.requestConfig.elt &&
          event.detail.requestConfig.elt.getAttribute("role") === "tab") active.focus();
    }
  });

  window.dashboard = { toast: toast };
})();
