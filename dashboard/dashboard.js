// Assay dashboard: the only script (the CSP allows no inline script). Pages work without it; it adds the
// live drift feed (server-sent events) and submits filter forms when a select changes.

document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("form.filters select")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  const feed = document.querySelector("[data-live-feed]");
  if (feed && "EventSource" in window) liveDrift(feed);
});

/** New drift events matching the page's filters are prepended to the table as they are recorded. */
function liveDrift(table) {
  const body = table.querySelector("tbody");
  const status = document.querySelector("[data-live-status]");
  const source = new EventSource(table.getAttribute("data-live-feed"));
  source.addEventListener("open", () => {
    if (status) status.textContent = "Live: new events appear at the top.";
  });
  source.addEventListener("error", () => {
    if (status) status.textContent = "Live updates paused; reconnecting…";
  });
  source.addEventListener("drift", (message) => {
    // The server renders the row (escaped) so the browser never builds HTML from event data.
    const template = document.createElement("template");
    template.innerHTML = JSON.parse(message.data).row;
    const row = template.content.firstElementChild;
    if (row && !body.querySelector(`tr[data-id="${row.getAttribute("data-id")}"]`)) {
      body.prepend(row);
      row.classList.add("new");
    }
  });
}
