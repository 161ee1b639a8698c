// Signup and self-service forms: pre-select the Bundesland from a German postal code.
// The server does the same when the form is sent, so this is a convenience only; it asks our
// own server (the offline gazetteer), never a third party, and never overrides a choice.

for (const select of document.querySelectorAll("select[data-state-from-postal-code]")) {
  const form = select.form;
  const postalCode = form?.elements.postal_code;
  const country = form?.elements.country;
  if (!postalCode) continue;
  let chosenByHand = select.value !== "";
  select.addEventListener("change", () => {
    chosenByHand = select.value !== "";
  });
  postalCode.addEventListener("change", async () => {
    const code = postalCode.value.trim();
    if (chosenByHand || !/^\d{5}$/.test(code) || (country && country.value !== "DE")) return;
    const url = new URL(select.dataset.stateFromPostalCode, window.location.href);
    url.searchParams.set("postal_code", code);
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const { state } = await response.json();
      if (state && !chosenByHand) select.value = state;
    } catch {
      // Offline or server away: the server fills the state in when the form is sent.
    }
  });
}
