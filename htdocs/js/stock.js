// stock.js: the 在庫連携 screen's in-place edits (総在庫数, 最小・最大, 連携), row selection and
// the CSV apply progress bar. Data comes from data- attributes; no inline script (CSP).
"use strict";
(() => {
  const csrf = () => {
    const el = document.querySelector('input[name="csrf"]');
    return el ? el.value : "";
  };

  const alertBox = () => document.getElementById("stock-alert");

  function say(message, ok) {
    const box = alertBox();
    if (!box) return;
    box.textContent = message;
    box.className = "flash " + (ok ? "ok" : "error");
    box.setAttribute("role", ok ? "status" : "alert");
    box.hidden = !message;
  }

  async function post(path, fields) {
    const body = new URLSearchParams(fields);
    body.set("csrf", csrf());
    const res = await fetch(path, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    let data = {};
    try {
      data = await res.json();
    } catch (e) {
      data = { error: "通信エラーが発生しました（" + res.status + "）。" };
    }
    return { status: res.status, data };
  }

  // Redraws the listings the server returned: shop stock, drift (pink), 反映待ち, flags.
  function redraw(listings) {
    (listings || []).forEach((l) => {
      document.querySelectorAll('div.stock[data-listing="' + l.id + '"]').forEach((cell) => {
        cell.classList.toggle("drift", !!l.drift);
        const v = cell.querySelector(".v");
        if (v) v.textContent = l.stock === null || l.stock === undefined ? "" : String(l.stock);
        let p = cell.querySelector(".pending");
        if (!p && l.pending) {
          p = document.createElement("span");
          p.className = "pending";
          p.textContent = "反映待ち";
          cell.append(p);
        }
        if (p) p.hidden = !l.pending;
        if (l.drift && l.wanted !== undefined) cell.title = "反映したい在庫数: " + l.wanted;
        else cell.removeAttribute("title");
      });
      document.querySelectorAll('input.sync-edit[data-listing="' + l.id + '"]').forEach((c) => {
        c.checked = !!l.sync;
      });
      ["min", "max"].forEach((f) => {
        document
          .querySelectorAll('input.limit-edit[data-listing="' + l.id + '"][data-field="' + f + '"]')
          .forEach((i) => {
            // The value attribute is what the server last said (the "seen" value).
            i.defaultValue = l[f];
            i.value = l[f];
          });
      });
    });
  }

  // 総在庫数: Enter saves (with the value the user saw), Esc puts the seen value back.
  async function saveTotal(input) {
    // The value attribute (defaultValue) is the total as the server last showed it.
    if (input.value.trim() === input.defaultValue) return;
    input.setAttribute("aria-busy", "true");
    const { status, data } = await post("/stock/total", {
      sku: input.dataset.sku,
      total: input.value.trim(),
      seen: input.defaultValue,
    });
    input.removeAttribute("aria-busy");
    if (status === 200) {
      input.defaultValue = String(data.total);
      input.value = String(data.total);
      input.classList.remove("invalid");
      redraw(data.listings);
      say("総在庫数を " + data.total + " に更新しました。", true);
    } else if (status === 409) {
      // Someone else (an order) changed it: show the new value, let the user decide.
      input.defaultValue = String(data.total);
      input.value = String(data.total);
      input.classList.add("invalid");
      say(data.error, false);
    } else {
      input.classList.add("invalid");
      say(data.error || "更新できませんでした。", false);
    }
  }

  async function saveLimits(input) {
    const id = input.dataset.listing;
    const get = (f) =>
      document.querySelector('input.limit-edit[data-listing="' + id + '"][data-field="' + f + '"]');
    const min = get("min");
    const max = get("max");
    if (min.value.trim() === min.defaultValue && max.value.trim() === max.defaultValue) return;
    const { status, data } = await post("/stock/limits", {
      listing: id,
      min: min.value.trim(),
      max: max.value.trim(),
    });
    if (status === 200) {
      input.classList.remove("invalid");
      redraw(data.listings);
      say("最小・最大在庫数を更新しました。", true);
    } else {
      input.classList.add("invalid");
      say(data.error || "更新できませんでした。", false);
    }
  }

  function editable(selector, save) {
    document.querySelectorAll(selector).forEach((input) => {
      input.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") {
          ev.preventDefault();
          save(input);
        } else if (ev.key === "Escape") {
          ev.preventDefault();
          input.value = input.defaultValue;
          input.classList.remove("invalid");
          say("", true);
        }
      });
    });
  }

  function setupList() {
    editable("input.total-edit", saveTotal);
    editable("input.limit-edit", saveLimits);
    document.querySelectorAll("input.sync-edit").forEach((box) => {
      box.addEventListener("change", async () => {
        const want = box.checked;
        const { status, data } = await post("/stock/sync", {
          listing: box.dataset.listing,
          on: want ? "1" : "0",
        });
        if (status === 200) {
          redraw(data.listings);
          say(want ? "連携をONにしました。" : "連携をOFFにしました。", true);
        } else {
          box.checked = !want;
          say(data.error || "更新できませんでした。", false);
        }
      });
    });
    const all = document.getElementById("check-all");
    if (all) {
      all.addEventListener("change", () => {
        document.querySelectorAll("input.row-check").forEach((c) => {
          c.checked = all.checked;
        });
      });
    }
  }

  // CSV apply: the POST runs the whole transaction; meanwhile the job row tells progress.
  function setupApply() {
    const form = document.getElementById("csv-apply");
    if (!form) return;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const button = document.getElementById("csv-apply-button");
      const box = document.getElementById("csv-progress");
      const bar = document.getElementById("csv-progress-bar");
      const text = document.getElementById("csv-progress-text");
      button.disabled = true;
      box.hidden = false;
      let finished = false;
      const poll = async () => {
        if (finished) return;
        try {
          const res = await fetch("/stock/csv/job?job=" + encodeURIComponent(form.dataset.job), {
            credentials: "same-origin",
          });
          const j = await res.json();
          bar.max = j.total || 1;
          bar.value = j.done;
          text.textContent = j.done + " / " + j.total;
        } catch (e) {
          /* the next poll tries again */
        }
        if (!finished) setTimeout(poll, 500);
      };
      setTimeout(poll, 300);
      const res = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
      });
      finished = true;
      if (res.ok && res.redirected) {
        bar.value = bar.max;
        window.location.assign(res.url);
        return;
      }
      const page = new DOMParser().parseFromString(await res.text(), "text/html");
      const msg = page.querySelector(".message p");
      text.textContent = msg ? msg.textContent : "反映できませんでした。";
      text.classList.add("error");
      text.setAttribute("role", "alert");
    });
  }

  // 店舗メニュー: one button per cell; its items are built when it opens, from the page's
  // <template id="shop-menu-items"> (labels and the CSRF token come from the server once) and
  // the cell's listings, so 400 cells do not each carry a hidden menu.
  let openMenu = null;

  function closeMenu(focusButton) {
    if (!openMenu) return;
    const { button, list } = openMenu;
    list.remove();
    button.setAttribute("aria-expanded", "false");
    openMenu = null;
    if (focusButton) button.focus();
  }

  function buildMenu(button) {
    const tmpl = document.getElementById("shop-menu-items");
    const row = button.closest("tr");
    const shop = button.dataset.shop;
    const itemCell = button.closest("td").nextElementSibling;
    const list = document.createElement("ul");
    // A disclosure (links, buttons and a small form), not an ARIA menu: Tab walks it, and
    // the arrow keys move between its controls as a shortcut.
    list.className = "shop-menu-list";
    const item = (name) => tmpl.content.querySelector('li[data-item="' + name + '"]').cloneNode(true);
    const search = item("search");
    search.querySelector("a").href = "/?shop=" + encodeURIComponent(shop);
    list.append(search);
    const imp = item("import");
    imp.querySelector("a").href = "/stock/csv/listings?shop=" + encodeURIComponent(shop);
    list.append(imp);
    const linked = row.dataset.sku !== undefined;
    if (linked) {
      const code = row.querySelector("td.code a").textContent;
      const history = item("history");
      history.querySelector("a").href = "/sku?code=" + encodeURIComponent(code);
      list.append(history);
    }
    itemCell.querySelectorAll("div.item[data-listing]").forEach((div) => {
      const ref = div.querySelector(".code").textContent;
      const li = item(linked ? "unlink" : "link");
      li.querySelector(".ref").textContent = ref;
      if (linked) {
        li.querySelector('button[name="unlink"]').value = div.dataset.listing;
      } else {
        li.querySelector('button[name="manual"]').value = div.dataset.listing;
        li.querySelector('button[name="bycode"]').value = div.dataset.listing;
      }
      list.append(li);
    });
    return list;
  }

  function menuItems(list) {
    return Array.from(list.querySelectorAll("a, button, input:not([type=hidden])"));
  }

  function toggleMenu(button) {
    const wasOpen = openMenu && openMenu.button === button;
    closeMenu(false);
    if (wasOpen) return;
    const list = buildMenu(button);
    button.after(list);
    // Fixed to the viewport, so the table's scrolling box does not clip it.
    const at = button.getBoundingClientRect();
    const width = list.offsetWidth;
    list.style.left = Math.max(4, Math.min(at.left, window.innerWidth - width - 4)) + "px";
    list.style.top = at.bottom + 2 + "px";
    button.setAttribute("aria-expanded", "true");
    openMenu = { button, list };
    // Tabbing out of the menu closes it (a click elsewhere is handled on the document).
    list.addEventListener("focusout", (ev) => {
      const to = ev.relatedTarget;
      if (to && to !== button && !list.contains(to)) closeMenu(false);
    });
    const first = menuItems(list)[0];
    if (first) first.focus({ preventScroll: true });
  }

  function setupMenus() {
    const table = document.getElementById("stock-table");
    if (!table) return;
    table.addEventListener("click", (ev) => {
      const button = ev.target.closest("button.shop-menu");
      if (button) toggleMenu(button);
    });
    document.addEventListener("click", (ev) => {
      if (openMenu && !ev.target.closest(".shop-menu-list, button.shop-menu")) closeMenu(false);
    });
    window.addEventListener("resize", () => closeMenu(false));
    document.addEventListener("scroll", () => closeMenu(false), true);
    document.addEventListener("keydown", (ev) => {
      if (!openMenu) return;
      if (ev.key === "Escape") {
        ev.preventDefault();
        closeMenu(true);
      } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        const items = menuItems(openMenu.list);
        const at = items.indexOf(document.activeElement);
        if (at < 0) return;
        ev.preventDefault();
        const next = (at + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items[next].focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupList();
    setupMenus();
    setupApply();
  });
})();
