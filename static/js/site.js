// Progressive enhancements shared by every page.

// The language switch submits on change; its button stays for visitors without JavaScript.
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.submit());
  const button = select.form.querySelector("button");
  if (button) button.hidden = true;
}

// On narrow screens the navigation folds behind a menu button, so the header keeps one line.
const menuButton = document.querySelector("[data-menu-button]");
if (menuButton) {
  const header = menuButton.closest(".site-header");
  const setOpen = (open) => {
    header.classList.toggle("menu-open", open);
    menuButton.setAttribute("aria-expanded", String(open));
  };
  header.classList.add("menu-ready");
  menuButton.hidden = false;
  menuButton.addEventListener("click", () => setOpen(!header.classList.contains("menu-open")));
  header.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.classList.contains("menu-open")) {
      setOpen(false);
      menuButton.focus();
    }
  });
}
