// Small behaviours for CDM pages. No inline scripts anywhere: the CSP forbids them.
"use strict";

// --- Search results: ↓ and ↑ move through the result links, Enter opens one ------------------------
// The results (#customer-results, swapped by htmx as the agent types) carry the query they answer
// (data-query). While they answer an older query than the one in the box, ↓ and Enter do not act on
// them: the search runs at once and the keys are replayed on the new results. A swap keeps the focus
// on the same row, so the keys keep working.

const results = () => document.getElementById("customer-results");
const resultLinks = () => Array.from(document.querySelectorAll("#customer-results [data-result-link]"));
let pending = null;  // keys waiting for the results of the query in the box: {query, open}

function resultsAreStale(input) {
  const table = document.querySelector("#customer-results [data-query]");
  return Boolean(table) && table.dataset.query !== input.value.trim();
}

function searchNow(input) {
  if (window.htmx) window.htmx.trigger(input, "search");  // skips the typing delay; replaces any request in flight
}

document.addEventListener("keydown", (event) => {
  const input = document.getElementById("q");
  if (!input || !results() || event.altKey || event.ctrlKey || event.metaKey) return;
  const links = resultLinks();
  const index = links.indexOf(document.activeElement);
  const fromInput = event.target === input;
  if (!fromInput && index === -1) return;

  if (fromInput && (pending || resultsAreStale(input))) {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      pending = {query: input.value.trim(), open: false};
      searchNow(input);
    } else if (event.key === "Enter" && pending) {
      event.preventDefault();  // open the first result of the new query, not of the old one
      pending.open = true;
    }
    return;
  }
  if (!["ArrowDown", "ArrowUp"].includes(event.key) || !links.length) return;
  event.preventDefault();
  const next = event.key === "ArrowDown" ? index + 1 : index - 1;
  if (next < 0) { input.focus(); return; }
  links[Math.min(next, links.length - 1)].focus();
});

// Typing again drops keys queued for an older query.
document.addEventListener("input", (event) => {
  if (pending && event.target.id === "q" && event.target.value.trim() !== pending.query) pending = null;
});

let focusedRow = -1;  // the result link that had the focus before a swap

document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.target !== results()) return;
  focusedRow = resultLinks().indexOf(document.activeElement);
});

// On the swap itself, not after htmx's settle delay: a key pressed in between would find no focused row.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target !== results()) return;
  const input = document.getElementById("q");
  const links = resultLinks();
  if (pending && input && !resultsAreStale(input)) {
    const {open} = pending;
    pending = null;
    focusedRow = -1;
    if (links.length) {
      links[0].focus();
      if (open) links[0].click();
    }
    return;
  }
  if (focusedRow >= 0) {
    (links[Math.min(focusedRow, links.length - 1)] || input).focus();
    focusedRow = -1;
  }
});

// --- "/" focuses the search box (the list page's own, else the header's), unless typing in a field ----

function isTyping(element) {
  return element && (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
  const box = document.getElementById("q") || document.getElementById("site-search");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});

// --- Forms marked data-dirty-check: the live banner's "Reload" keeps typed input unless confirmed ------

function formState(form) {
  return JSON.stringify(Array.from(new FormData(form).entries()).filter(([name]) => name !== "csrfmiddlewaretoken"));
}

const cleanStates = new Map();
document.querySelectorAll("form[data-dirty-check]").forEach((form) => cleanStates.set(form, formState(form)));

function dirtyForm() {
  for (const [form, state] of cleanStates) if (form.isConnected && formState(form) !== state) return form;
  return null;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a[data-reload]");
  if (!link || !dirtyForm()) return;
  if (!window.confirm("You have unsaved changes in this form. Reload and lose them?")) {
    event.preventDefault();
    const note = link.parentElement.querySelector(".unsaved") || document.createElement("strong");
    note.className = "unsaved";
    note.textContent = " You have unsaved changes: they are kept. Save them, or reload to drop them.";
    link.after(note);
  }
});

// --- Keyboard for stewards working through a queue -------------------------------------------------
// A control with data-key="n" is pressed by the key n (never while typing in a field). In a list marked
// data-review-list, j and k move the focus through its data-review-link links; Enter opens one.
function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
  const control = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (control) {
    event.preventDefault();
    control.click();
    return;
  }
  if (event.key !== "j" && event.key !== "k") return;
  const links = Array.from(document.querySelectorAll("[data-review-list] [data-review-link]"));
  if (!links.length) return;
  event.preventDefault();
  const index = links.indexOf(document.activeElement);
  const next = event.key === "j" ? Math.min(index + 1, links.length - 1) : Math.max(index - 1, 0);
  links[index === -1 ? 0 : next].focus();
});
