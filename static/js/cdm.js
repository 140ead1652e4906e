// Small behaviours for CDM pages. No inline scripts anywhere: the CSP forbids them.
"use strict";

// Search results: arrow keys move through the result links, Enter opens (native link behaviour).
document.addEventListener("keydown", (event) => {
  const input = document.getElementById("q");
  const links = Array.from(document.querySelectorAll("[data-result-link]"));
  if (!links.length || !["ArrowDown", "ArrowUp"].includes(event.key)) return;
  const index = links.indexOf(document.activeElement);
  if (event.target !== input && index === -1) return;
  event.preventDefault();
  let next = event.key === "ArrowDown" ? index + 1 : index - 1;
  if (next < 0) { input && input.focus(); return; }
  links[Math.min(next, links.length - 1)].focus();
});
