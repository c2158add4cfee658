// zaiko: small progressive enhancements; every screen works without this file.
"use strict";
// The stylesheet opens the header's groups on focus without the script; with it they open on
// a click or tap (aria-expanded) instead.
document.documentElement.classList.add("js");
// The words a script shows, in the page's language: header.cs puts them on #js-words as
// data attributes from the language file (data-set-check-failed is word("setCheckFailed")).
// {name} in a word is replaced by vars.name.
window.zaikoWord = (name, vars) => {
  const el = document.getElementById("js-words");
  let w = (el && el.dataset[name]) || "";
  for (const [k, v] of Object.entries(vars || {})) w = w.split("{" + k + "}").join(String(v));
  return w;
};
document.addEventListener("DOMContentLoaded", () => {
  // Forms marked data-confirm ask before they are sent.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (ev) => {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  });

  // Header menus (セット商品, 管理者メニュー): a button per group that shows its links. A
  // click or tap elsewhere, Esc, or Tab past the last link closes it.
  const toggles = Array.from(document.querySelectorAll("nav.menu button.menu-toggle"));
  const setOpen = (button, open) => {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.closest("li.group").classList.toggle("open", open);
  };
  const closeAll = (except) => toggles.forEach((b) => b !== except && setOpen(b, false));
  toggles.forEach((button) => {
    const group = button.closest("li.group");
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      closeAll(button);
      setOpen(button, open);
    });
    group.addEventListener("focusout", (ev) => {
      if (!ev.relatedTarget || !group.contains(ev.relatedTarget)) setOpen(button, false);
    });
    group.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(button, false);
        button.focus();
      }
    });
  });
  document.addEventListener("click", (ev) => {
    if (!ev.target.closest || !ev.target.closest("nav.menu li.group")) closeAll(null);
  });
});
