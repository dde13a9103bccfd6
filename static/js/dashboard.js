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
    toast(`The request failed (${status || "no answer"}). Try again; if it keeps failing, reload the page.`);
  });
  document.addEventListener("htmx:sendError", () => {
    toast("The dashboard could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:timeout", () => {
    toast("The dashboard took too long to answer. Try again.");
  });

  window.dashboard = { toast: toast };
})();
