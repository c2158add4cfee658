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
        const p = cell.querySelector(".pending");
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
            i.value = l[f];
            i.dataset.seen = l[f];
          });
      });
    });
  }

  // 総在庫数: Enter saves (with the value the user saw), Esc puts the seen value back.
  async function saveTotal(input) {
    if (input.value.trim() === input.dataset.seen) return;
    input.setAttribute("aria-busy", "true");
    const { status, data } = await post("/stock/total", {
      sku: input.dataset.sku,
      total: input.value.trim(),
      seen: input.dataset.seen,
    });
    input.removeAttribute("aria-busy");
    if (status === 200) {
      input.value = String(data.total);
      input.dataset.seen = String(data.total);
      input.classList.remove("invalid");
      redraw(data.listings);
      say("総在庫数を " + data.total + " に更新しました。", true);
    } else if (status === 409) {
      // Someone else (an order) changed it: show the new value, let the user decide.
      input.value = String(data.total);
      input.dataset.seen = String(data.total);
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
    if (min.value.trim() === min.dataset.seen && max.value.trim() === max.dataset.seen) return;
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
          input.value = input.dataset.seen;
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

  document.addEventListener("DOMContentLoaded", () => {
    setupList();
    setupApply();
  });
})();
