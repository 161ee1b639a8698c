// The progress page of a report: poll its status and move the bar; show the report when done.
// Without JavaScript the page reloads itself instead (a meta refresh in <noscript>).

const POLL_MILLISECONDS = 1000;

const root = document.querySelector("[data-report-progress]");
const bar = root?.querySelector("[data-progress-bar]");
const text = root?.querySelector("[data-progress-text]");

async function poll() {
  let status;
  try {
    const response = await fetch(root.dataset.statusUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(String(response.status));
    status = await response.json();
  } catch {
    window.setTimeout(poll, POLL_MILLISECONDS * 3); // a hiccup: try again a little later
    return;
  }
  bar.value = status.progress;
  bar.textContent = `${status.progress} %`;
  text.textContent = `${status.label} · ${status.progress} %`;
  if (status.status === "done" || status.status === "failed") {
    window.location.assign(status.url);
    return;
  }
  window.setTimeout(poll, POLL_MILLISECONDS);
}

if (root && bar && text) {
  window.setTimeout(poll, POLL_MILLISECONDS);
}
