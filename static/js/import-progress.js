// Progress of an import: poll the job's status and redraw the bar; reload once it is finished.
// Without JavaScript the page offers a reload button.

const region = document.querySelector("[data-import-status-url]");

if (region) {
  const url = region.dataset.importStatusUrl;
  const bar = region.querySelector("progress");
  const text = region.querySelector("[data-progress-text]");
  const heading = region.querySelector("h2");

  const poll = async () => {
    let status;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      status = await response.json();
    } catch {
      window.setTimeout(poll, 5000); // a hiccup of the server: try again a little later
      return;
    }
    if (!status.active) {
      window.location.reload();
      return;
    }
    bar.value = status.progress;
    bar.textContent = `${status.progress} %`;
    heading.textContent = status.status_label;
    const [done, total] =
      status.status === "geocoding"
        ? [status.geocode_done, status.geocode_total]
        : [status.rows_done, status.rows_total];
    text.textContent = `${done} / ${total}`;
    window.setTimeout(poll, 1500);
  };

  window.setTimeout(poll, 1500);
}
