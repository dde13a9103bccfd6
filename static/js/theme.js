// Follow the system's light/dark preference before the page paints (no flash).
document.documentElement.classList.add("js"); // lets CSS show controls that need JavaScript
(function () {
  const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => document.documentElement.setAttribute("data-bs-theme", dark && dark.matches ? "dark" : "light");
  apply();
  if (dark && dark.addEventListener) dark.addEventListener("change", apply);
})();
