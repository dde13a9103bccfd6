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

  // --- Keyboard focus after htmx swaps a region -------------------------------------
  // A region is swapped whole (outerHTML), and the focused control goes with it: focus
  // would fall to <body>, and a keyboard user would start again from the top. Put it
  // back: on the same pager control (same part, same position: a control that is now
  // disabled or current gets tabindex=-1), on the active tab, else on the region. After
  // Retry, always on the refreshed region.
  let focusedBeforeSwap = null;
  document.addEventListener("htmx:beforeSwap", () => {
    focusedBeforeSwap = document.activeElement;
  });

  function focusWithin(element) {
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  function samePagerControl(region, before) {
    const part = before.closest("[data-pager-part]");
    const item = before.closest("[data-pager-item]");
    if (!part || !item) return null;
    const index = Array.from(part.querySelectorAll("[data-pager-item]")).indexOf(item);
    const again = region.querySelector(`[data-pager-part="${part.dataset.pagerPart}"]`);
    if (!again || index < 0) return null;
    const items = again.querySelectorAll("[data-pager-item]");
    return items[Math.min(index, items.length - 1)] || null;
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    const region = event.target; // the new element of an outerHTML swap
    if (!(region instanceof Element) || !region.matches("[data-region]")) return;
    const before = focusedBeforeSwap;
    focusedBeforeSwap = null;
    const trigger = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    if (trigger && trigger.closest && trigger.closest("[data-region-error]")) {
      focusWithin(region); // Retry: the region's new content is what to read next
      return;
    }
    const kept = document.activeElement && document.activeElement !== document.body;
    if (kept || !before || before === document.body || before.isConnected) return;
    const tab = before.closest('[role="tab"]') &&
      region.querySelector('[role="tab"][aria-selected="true"]');
    focusWithin(samePagerControl(region, before) || tab || region);
  });

  // "Go to page" asks for the region; the address bar gets the full page with that page.
  document.addEventListener("htmx:configRequest", (event) => {
    const form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-pager-jump")) return;
    const query = new URLSearchParams(new FormData(form)).toString();
    form.setAttribute("hx-push-url", `${form.getAttribute("action")}?${query}`);
  });

  // --- The user menu (a <details>): Escape, a click elsewhere or focus leaving close it;
  // the arrow keys move between its items. Caught on window in the capture phase, before
  // Bootstrap's document-wide dropdown keys (also capturing), which would look for a
  // Bootstrap dropdown toggle beside `.dropdown-menu` and fail.
  window.addEventListener("keydown", (event) => {
    const menu = event.target.closest && event.target.closest("[data-user-menu][open]");
    if (!menu || !["Escape", "ArrowDown", "ArrowUp"].includes(event.key)) return;
    event.stopPropagation();
    event.preventDefault();
    if (event.key === "Escape") {
      menu.open = false;
      menu.querySelector("summary").focus();
      return;
    }
    const items = Array.from(menu.querySelectorAll(".dropdown-item"));
    const down = event.key === "ArrowDown";
    const current = items.indexOf(document.activeElement); // -1: on the menu's button
    const next = current < 0 ? (down ? 0 : items.length - 1) : current + (down ? 1 : -1);
    items[(next + items.length) % items.length].focus();
  }, true);
  document.addEventListener("focusout", (event) => {
    const menu = event.target.closest && event.target.closest("[data-user-menu][open]");
    if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
  });
  document.addEventListener("click", (event) => {
    document.querySelectorAll("[data-user-menu][open]").forEach((menu) => {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // --- Copy buttons (client page): the value to the clipboard, "Copied" on the button
  // and, politely, for screen readers (#copy-status). No clipboard API (a plain-http
  // address): no buttons (dashboard.css), the text can still be selected.
  if (!navigator.clipboard || !window.isSecureContext) {
    document.documentElement.classList.add("no-clipboard");
  }
  function announce(text) {
    const status = document.getElementById("copy-status");
    if (!status) return;
    status.textContent = "";
    requestAnimationFrame(() => { status.textContent = text; }); // the same words again are news too
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    const label = button.dataset.copyLabel || "text";
    navigator.clipboard.writeText(button.dataset.copy).then(() => {
      button.setAttribute("data-copied", "");
      clearTimeout(button.copiedTimer);
      button.copiedTimer = setTimeout(() => button.removeAttribute("data-copied"), 2000);
      announce(`Copied the ${label}.`);
    }, () => {
      toast(`The ${label} could not be copied: select it and copy it instead.`);
    });
  });

  window.dashboard = { toast: toast };
})();
