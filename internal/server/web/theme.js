// Sets html[data-theme] before the first paint (a classic script in
// <head>, not a module): the theme chosen on this page, else the system's,
// followed as it changes. style.css keys its colours on it.
"use strict";
(() => {
  const system = matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    let chosen = null;
    try { chosen = localStorage.getItem("localgpt.theme"); } catch (_) { /* storage disabled */ }
    document.documentElement.dataset.theme = chosen === "light" || chosen === "dark" ? chosen : system.matches ? "dark" : "light";
  };
  apply();
  system.addEventListener("change", apply);
})();
