// The client form's date of birth, read back in words as it is typed, day first (the
// server reads it the same way: dashboard/clients/forms.py, DAY_FIRST).
(function () {
  "use strict";

  const MONTHS = ["january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december"];

  function month(word) {
    const lower = word.toLowerCase();
    if (lower.length < 3) return 0;
    const index = MONTHS.findIndex((name) => name === lower || name.slice(0, 3) === lower);
    return index + 1;
  }

  function read(text) {
    const typed = text.trim().replace(/,/g, "");
    let day, monthNumber, year;
    let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(typed);
    if (match) {
      [year, monthNumber, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    } else if ((match = /^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$/.exec(typed))) {
      [day, monthNumber, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
    } else if ((match = /^(\d{1,2}) ([A-Za-z]+) (\d{4})$/.exec(typed))) {
      [day, monthNumber, year] = [Number(match[1]), month(match[2]), Number(match[3])];
    } else {
      return null;
    }
    const date = new Date(Date.UTC(year, monthNumber - 1, day));
    if (!monthNumber || date.getUTCMonth() !== monthNumber - 1 || date.getUTCDate() !== day) return null;
    const name = MONTHS[monthNumber - 1];
    return `${day} ${name[0].toUpperCase()}${name.slice(1)} ${year}`;
  }

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.name !== "dob") return;
    const shown = input.closest("div").parentElement.querySelector("[data-dob-in-words]");
    if (!shown) return;
    const words = read(input.value);
    shown.textContent = words ? `Read as ${words}.` : input.value.trim() ? "Not a date yet: type it day first." : "";
  });
})();
