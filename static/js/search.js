// The client search's browser history: one entry per search, not one per letter
// (the form in templates/clients/list.html, marked data-search-history).
//
// htmx replaces the address with each answer (the form's hx-replace-url). The first
// answer of a search is pushed instead, so that Back returns to what was there
// before it; the answers to the keystrokes that follow replace that entry. A search
// ends, and the next answer starts a new entry, when the user pauses for PAUSE_MS,
// presses Enter or submits, or types a term that does not carry on from the last
// (a new word typed over the old one). An answer for the address already shown
// never adds an entry.
(function () {
  "use strict";
  if (window.dashboardSearchHistory) return; // once per document: htmx's history restore keeps it
  window.dashboardSearchHistory = true;

  const PAUSE_MS = 1000; // long enough for a slow typist's next letter, short enough to feel done
  const FORM = "form[data-search-history]";
  const ENDING_TRIGGERS = ["submit", "search"]; // Enter in the box fires both

  let entryTerm = null; // the term of the history entry the current search owns; null: none
  let issued = 0; // search requests sent, numbered
  let answered = 0; // the number of the last one whose answer updated the history
  let endAfter = 0; // the search ends once the answer to this request is in
  let pause = 0;

  const normal = (term) => term.trim().replace(/\s+/g, " ").toLowerCase();
  // Typing on (okaf → okafor) or correcting (okafor → okaf) is the same search; an empty
  // box is a step of its own, and whatever is typed into it carries on from it.
  const carriesOn = (previous, term) =>
    term !== "" && (term.startsWith(previous) || previous.startsWith(term));
  const fromSearch = (detail) =>
    Boolean(detail.requestConfig && detail.requestConfig.elt &&
      detail.requestConfig.elt.matches && detail.requestConfig.elt.matches(FORM));

  document.addEventListener("input", (event) => {
    if (!event.target.closest(FORM)) return;
    endAfter = 0;
    clearTimeout(pause);
    pause = setTimeout(() => {
      if (answered >= issued) entryTerm = null; // nothing on its way: ended
      else endAfter = issued; // ends with the answer still to come
    }, PAUSE_MS);
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    if (!event.target.matches || !event.target.matches(FORM)) return;
    const box = event.target.querySelector("[data-search-box]");
    const xhr = event.detail.xhr;
    const trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    xhr.searchNumber = ++issued;
    xhr.searchTerm = normal(box ? box.value : "");
    xhr.searchEnds = Boolean(trigger && ENDING_TRIGGERS.includes(trigger.type));
  });

  // htmx decides push or replace here, after this event (its detail.history is the
  // update it is about to make).
  document.addEventListener("htmx:beforeHistoryUpdate", (event) => {
    const update = event.detail.history;
    if (!fromSearch(event.detail)) {
      entryTerm = null; // a pager link's entry: the next search starts its own
      return;
    }
    const xhr = event.detail.xhr;
    const here = location.pathname + location.search;
    const same = entryTerm !== null && carriesOn(entryTerm, xhr.searchTerm);
    update.type = same || update.path === here ? "replace" : "push";
    entryTerm = xhr.searchTerm;
    answered = Math.max(answered, xhr.searchNumber);
    if (xhr.searchEnds || (endAfter && answered >= endAfter)) {
      entryTerm = null;
      endAfter = 0;
    }
  });

  // Back or Forward lands on another entry: it belongs to no search in progress.
  window.addEventListener("popstate", () => {
    entryTerm = null;
  });
})();
