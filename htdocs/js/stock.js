// stock.js: the 在庫連携 screen's in-place edits (総在庫数, 最小・最大, 連携), row selection and
// the CSV apply progress bar. Data comes from data- attributes; no inline script (CSP).
"use strict";
(() => {
  const csrf = () => {
    const el = document.querySelector('input[name="csrf"]');
    return el ? el.value : "";
  };

  const alertBox = () => document.getElementById("stock-alert");

  // The screen's words come from the page (templates/lang), never from this file.
  const wordsEl = () => document.getElementById("stock-words");
  function word(name, vars) {
    const el = wordsEl();
    let text = (el && el.dataset[name]) || "";
    Object.entries(vars || {}).forEach(([k, v]) => {
      text = text.split("{" + k + "}").join(String(v));
    });
    return text;
  }

  function say(message, ok) {
    const box = alertBox();
    if (!box) return;
    box.textContent = message;
    box.className = "flash " + (ok ? "ok" : "error");
    box.setAttribute("role", ok ? "status" : "alert");
    box.hidden = !message;
  }

  // An answer that is not JSON (a proxy's error page, a lost connection) is an error
  // object with the status, so callers handle one shape.
  async function post(path, fields) {
    const body = new URLSearchParams(fields);
    body.set("csrf", csrf());
    let res;
    try {
      res = await fetch(path, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
    } catch (e) {
      return { status: 0, data: { error: word("network", { status: "-" }) } };
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!data || typeof data !== "object") data = { error: word("network", { status: res.status }) };
    return { status: res.status, data };
  }

  // The input rules of the edit boxes, one place: full-width digits and signs (what a
  // Japanese IME types) count as their ASCII forms.
  const SIGNS = { "＋": "+", "－": "-", "−": "-", "‐": "-", "‑": "-", "–": "-", "—": "-", "―": "-", "ー": "-", "ｰ": "-" };
  function normalize(text) {
    return String(text)
      .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .replace(/[＋－−‐‑–—―ーｰ]/g, (c) => SIGNS[c])
      .replace(/[\s\u3000]+/g, "");
  }

  // 総在庫数 text → { total } to set, or null when it is not one of: digits (set the total),
  // +N / -N (add to / take from the total the user saw), as the CSV's 差分 reads them.
  function parseTotal(text, seen) {
    const t = normalize(text);
    const m = /^([+-]?)(\d{1,9})$/.exec(t);
    if (!m) return null;
    const n = Number(m[2]);
    if (m[1] === "+") return { total: seen + n };
    if (m[1] === "-") return { total: seen - n };
    return { total: n };
  }

  function parseLimit(text) {
    const t = normalize(text);
    if (t === "") return "";
    return /^\d{1,9}$/.test(t) ? String(Number(t)) : null;
  }

  // The value attribute (defaultValue) is what the server last showed: the "seen" value.
  const dirty = (input) => normalize(input.value) !== input.defaultValue;
  function mark(input) {
    input.classList.toggle("unsaved", dirty(input));
  }

  // Redraws the listings the server returned: shop stock, drift (pink), 反映待ち, flags. An
  // input the user is in, or has changed without saving, keeps what they typed.
  function redraw(listings) {
    (listings || []).forEach((l) => {
      document.querySelectorAll('div.stock[data-listing="' + l.id + '"]').forEach((cell) => {
        cell.classList.toggle("drift", !!l.drift);
        const v = cell.querySelector(".v");
        const text = l.stock === null || l.stock === undefined ? "" : String(l.stock);
        if (v && v.textContent !== text) v.textContent = text;
        let p = cell.querySelector(".pending");
        if (!p && l.pending) {
          p = document.createElement("span");
          p.className = "pending";
          p.textContent = word("pending");
          cell.append(p);
        }
        if (p) p.hidden = !l.pending;
        if (l.drift && l.wanted !== undefined) cell.title = word("wanted") + " " + l.wanted;
        else cell.removeAttribute("title");
      });
      document.querySelectorAll('input.sync-edit[data-listing="' + l.id + '"]').forEach((c) => {
        if (c !== document.activeElement && !c.dataset.busy) c.checked = !!l.sync;
      });
      ["min", "max"].forEach((f) => {
        if (l[f] === undefined) return;
        document
          .querySelectorAll('input.limit-edit[data-listing="' + l.id + '"][data-field="' + f + '"]')
          .forEach((i) => {
            if (i === document.activeElement || dirty(i) || i.dataset.busy) return;
            i.defaultValue = l[f];
            i.value = l[f];
          });
      });
    });
  }

  // One save at a time per box: Enter and the change on leaving may both ask, and the second
  // must see the first one's answer (else it sends a stale "seen").
  const queue = new WeakMap();
  function serial(input, save) {
    const prev = queue.get(input) || Promise.resolve();
    const next = prev.then(() => save(input)).catch(() => {});
    queue.set(input, next);
    return next;
  }

  // 総在庫数: saved on Enter and when the box is left (Tab, a click elsewhere) with the value
  // the user saw; Esc puts the seen value back.
  // 確保在庫数 and 有効在庫 (total − reserve, not below 0) of a row; 有効 shows only with a reserve.
  function showReserve(row, reserve, avail) {
    const cell = row.querySelector("td.reserve");
    if (!cell || reserve === undefined) return;
    const rv = cell.querySelector(".rv"), av = cell.querySelector(".av"), line = cell.querySelector(".avail");
    if (rv && rv.textContent !== String(reserve)) rv.textContent = String(reserve);
    if (av && av.textContent !== String(avail)) av.textContent = String(avail);
    if (line) line.hidden = !(reserve > 0);
  }

  async function saveTotal(input) {
    if (!dirty(input)) {
      input.classList.remove("invalid", "unsaved");
      return;
    }
    const seen = Number(input.defaultValue);
    const want = parseTotal(input.value, seen);
    if (!want) {
      input.classList.add("invalid");
      say(word("badTotal"), false);
      return;
    }
    input.dataset.busy = "1";
    input.setAttribute("aria-busy", "true");
    const typed = input.value;
    const { status, data } = await post("/stock/total", {
      sku: input.dataset.sku,
      total: String(want.total),
      seen: input.defaultValue,
    });
    delete input.dataset.busy;
    input.removeAttribute("aria-busy");
    // Typed again while the answer was on its way: keep the newer text for the next save.
    const typedSince = input.value !== typed;
    if (status === 200 && data.total !== undefined) {
      input.defaultValue = String(data.total);
      if (!typedSince) input.value = String(data.total);
      // Still in the box (saved by Enter): the saved number is selected, as on arriving by
      // Tab, so the next "+1" or number typed replaces it instead of being appended.
      if (!typedSince && document.activeElement === input) input.select();
      input.classList.remove("invalid");
      redraw(data.listings);
      const row = input.closest("tr");
      const rv = row && row.querySelector("td.reserve .rv");
      if (rv) {
        const reserve = Number(rv.textContent);
        showReserve(row, reserve, Math.max(data.total - reserve, 0));
      }
      say(word("savedTotal", { n: data.total }), true);
    } else if (status === 409 && data.total !== undefined) {
      // Someone else (an order) changed it: show the new value, let the user decide.
      input.defaultValue = String(data.total);
      input.value = String(data.total);
      if (document.activeElement === input) input.select();
      input.classList.add("invalid");
      say(data.error || word("failed"), false);
    } else {
      input.classList.add("invalid");
      say(data.error || word("failed"), false);
    }
    mark(input);
  }

  async function saveLimits(input) {
    const id = input.dataset.listing;
    const get = (f) =>
      document.querySelector('input.limit-edit[data-listing="' + id + '"][data-field="' + f + '"]');
    const min = get("min");
    const max = get("max");
    if (!dirty(min) && !dirty(max)) {
      input.classList.remove("invalid", "unsaved");
      return;
    }
    const minV = parseLimit(min.value);
    const maxV = parseLimit(max.value);
    if (minV === null || maxV === null) {
      (minV === null ? min : max).classList.add("invalid");
      say(word("badLimit"), false);
      return;
    }
    min.dataset.busy = max.dataset.busy = "1";
    const { status, data } = await post("/stock/limits", { listing: id, min: minV, max: maxV });
    delete min.dataset.busy;
    delete max.dataset.busy;
    if (status === 200) {
      // Both boxes were sent: each now holds what the server stored, unless typed into since.
      const mine = (data.listings || []).find((l) => String(l.id) === String(id));
      [[min, minV, "min"], [max, maxV, "max"]].forEach(([box, sent, f]) => {
        box.classList.remove("invalid");
        if (!mine || mine[f] === undefined) return;
        const untouched = (parseLimit(box.value) ?? box.value) === sent;
        box.defaultValue = mine[f];
        if (untouched) box.value = mine[f];
      });
      redraw(data.listings);
      say(word("savedLimits"), true);
    } else {
      input.classList.add("invalid");
      say(data.error || word("failed"), false);
    }
    mark(min);
    mark(max);
  }

  function editable(selector, save) {
    document.querySelectorAll(selector).forEach((input) => {
      // Without this script the boxes are read-only (and the page says so).
      input.readOnly = false;
      input.addEventListener("keydown", (ev) => {
        if (ev.isComposing) return;
        if (ev.key === "Enter") {
          ev.preventDefault();
          serial(input, save);
        } else if (ev.key === "Escape") {
          ev.preventDefault();
          input.value = input.defaultValue;
          input.classList.remove("invalid", "unsaved");
          say("", true);
        }
      });
      input.addEventListener("input", () => mark(input));
      // "change" fires when the box is left with a changed value (Tab, a click elsewhere).
      input.addEventListener("change", () => serial(input, save));
    });
  }

  // Leaving the page with a value typed but not saved (the save on leaving the box failed)
  // asks first.
  function setupLeaveWarning() {
    window.addEventListener("beforeunload", (ev) => {
      const unsaved = document.querySelector("input.total-edit.unsaved, input.limit-edit.unsaved");
      if (unsaved) {
        ev.preventDefault();
        ev.returnValue = "";
      }
    });
  }

  function setupList() {
    editable("input.total-edit", saveTotal);
    editable("input.limit-edit", saveLimits);
    document.querySelectorAll("input.sync-edit").forEach((box) => {
      box.disabled = false;
      box.addEventListener("change", async () => {
        const want = box.checked;
        box.dataset.busy = "1";
        const { status, data } = await post("/stock/sync", {
          listing: box.dataset.listing,
          on: want ? "1" : "0",
        });
        delete box.dataset.busy;
        if (status === 200) {
          redraw(data.listings);
          say(word(want ? "syncOn" : "syncOff"), true);
        } else {
          box.checked = !want;
          say(data.error || word("failed"), false);
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

  // The list follows the malls: the rows on screen are asked for every few seconds (one
  // small JSON answer) and redrawn in place — 反映待ち going away, the mall's stock, a set's
  // total, a shop stopping or resuming — without touching focus or what is being typed.
  function setupPoll() {
    const table = document.getElementById("stock-table");
    const el = wordsEl();
    if (!table || !el || !window.fetch) return;
    const every = Number(el.dataset.pollMs) || 5000;
    const visible = new Set();
    const rows = Array.from(table.querySelectorAll("tbody tr"));
    if ("IntersectionObserver" in window) {
      const io = new IntersectionObserver((entries) => {
        entries.forEach((e) => (e.isIntersecting ? visible.add(e.target) : visible.delete(e.target)));
      });
      rows.forEach((r) => io.observe(r));
    } else {
      rows.forEach((r) => visible.add(r));
    }
    let running = false;
    async function tick() {
      // With no row in view it still asks, for the stopped shops' banners.
      if (running || document.hidden) return;
      running = true;
      const q = new URLSearchParams();
      visible.forEach((r) => {
        if (r.dataset.sku) q.append("sku", r.dataset.sku);
        else {
          const c = r.querySelector("input.row-check[name=listing]");
          if (c) q.append("listing", c.value);
        }
      });
      try {
        const res = await fetch("/stock/rows?" + q.toString(), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (res.ok) {
          const data = await res.json();
          redraw(data.listings);
          (data.skus || []).forEach((s) => {
            const row = table.querySelector('tr[data-sku="' + s.id + '"]');
            if (!row) return;
            const input = row.querySelector("input.total-edit");
            if (input) {
              if (input !== document.activeElement && !dirty(input) && !input.dataset.busy) {
                input.defaultValue = String(s.total);
                input.value = String(s.total);
              }
            } else {
              const span = row.querySelector(".set-total");
              if (span && span.textContent !== String(s.total)) span.textContent = String(s.total);
            }
            showReserve(row, s.reserve, s.avail);
          });
          const stopped = new Set((data.stopped || []).map(String));
          const banner = document.getElementById("stopped-banner");
          if (banner) {
            let any = false;
            banner.querySelectorAll("li[data-shop]").forEach((li) => {
              li.hidden = !stopped.has(li.dataset.shop);
              any = any || !li.hidden;
            });
            banner.hidden = !any;
            const more = document.getElementById("stopped-more");
            if (more) more.hidden = !more.querySelector("li[data-shop]:not([hidden])");
          }
        }
      } catch (e) {
        /* the next tick tries again */
      }
      running = false;
    }
    setInterval(tick, every);
  }

  // A POST that runs long (a CSV apply, 一括切替) while its job row tells the progress: the
  // button is disabled, GET /stock/csv/job is polled every half second and shown by show(j),
  // and the answer's page follows (a redirect), or its message is shown where the progress was.
  function postWithProgress(form, ids, show) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const button = document.getElementById(ids.button);
      const box = document.getElementById(ids.box);
      const bar = document.getElementById(ids.bar);
      const text = document.getElementById(ids.text);
      button.disabled = true;
      box.hidden = false;
      let finished = false;
      const poll = async () => {
        if (finished) return;
        try {
          const res = await fetch("/stock/csv/job?job=" + encodeURIComponent(form.dataset.job), {
            credentials: "same-origin",
          });
          if (res.ok && !finished) show(await res.json(), bar, text);
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
      text.textContent = msg ? msg.textContent : window.zaikoWord(ids.failed);
      text.classList.add("error");
      text.setAttribute("role", "alert");
    });
  }

  // CSV apply: the POST runs the whole transaction; meanwhile the job row tells its rows.
  function setupApply() {
    const form = document.getElementById("csv-apply");
    if (!form) return;
    const ids = { button: "csv-apply-button", box: "csv-progress", bar: "csv-progress-bar",
                  text: "csv-progress-text", failed: "applyFailed" };
    postWithProgress(form, ids, (j, bar, text) => {
      bar.max = j.total || 1;
      bar.value = j.done;
      text.textContent = j.done + " / " + j.total;
    });
  }

  // 一括切替: the listings are switched a chunk of ids at a time, then the stock to push is
  // worked out; the job row tells how far the ids have got.
  function setupSyncAll() {
    const form = document.getElementById("sync-all-form");
    if (!form) return;
    const ids = { button: "confirm-yes", box: "sync-progress", bar: "sync-progress-bar",
                  text: "sync-progress-text", failed: "syncFailed" };
    postWithProgress(form, ids, (j, bar, text) => {
      bar.max = 100;
      if (!j.total) {
        text.textContent = "0%";
        return;
      }
      const pct = Math.min(100, Math.floor((100 * j.done) / j.total));
      bar.value = pct;
      text.textContent = j.done >= j.total && j.state === "running"
        ? window.zaikoWord("syncFinishing") : pct + "%";
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

  // Fixed to the viewport, so the table's scrolling box does not clip it; placed under its
  // button again whenever the page or the table scrolls.
  function placeMenu() {
    if (!openMenu) return;
    const { button, list } = openMenu;
    const at = button.getBoundingClientRect();
    const width = list.offsetWidth;
    list.style.left = Math.max(4, Math.min(at.left, window.innerWidth - width - 4)) + "px";
    list.style.top = at.bottom + 2 + "px";
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
    button.setAttribute("aria-expanded", "true");
    openMenu = { button, list };
    placeMenu();
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
    // The menu stays with its button when the page or the table moves (a tablet's keyboard
    // resizes the window; a long code scrolls the SKU box sideways inside the menu, which
    // must not close it and lose the code).
    window.addEventListener("resize", () => placeMenu());
    document.addEventListener(
      "scroll",
      (ev) => {
        if (openMenu && ev.target instanceof Node && openMenu.list.contains(ev.target)) return;
        placeMenu();
      },
      true
    );
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
    setupLeaveWarning();
    setupMenus();
    setupApply();
    setupSyncAll();
    setupPoll();
    // What page_bench.sh reads as "usable": the boxes are editable from here on.
    if (window.performance && performance.mark) performance.mark("zaiko-usable");
  });
})();
