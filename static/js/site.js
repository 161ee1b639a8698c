// Progressive enhancements shared by every page.

// The language switch submits on change; its button stays for visitors without JavaScript.
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.submit());
  const button = select.form.querySelector("button");
  if (button) button.hidden = true;
}
