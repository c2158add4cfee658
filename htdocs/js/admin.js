// admin: the live figures of the セット商品 and 管理者メニュー screens. Every form also works
// without this file; it only adds the live available stock, the mall's credential fields and
// the token countdown.
"use strict";

function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// セット登録: asks the server what the entered parts give, as the user types.
function setupSetForm(form) {
  const tbody = form.querySelector("#parts tbody");
  const out = form.querySelector("#set-available");
  const check = form.querySelector("#set-check");
  const add = form.querySelector("#add-part");
  let seq = 0;

  const refresh = debounce(async () => {
    const q = new URLSearchParams();
    q.append("set_code", form.elements.set_code.value.trim());
    q.append("original", form.elements.original.value);
    const rows = Array.from(tbody.querySelectorAll("tr.part"));
    const used = [];
    for (const tr of rows) {
      const code = tr.querySelector('[name="part_code"]').value.trim();
      const qty = tr.querySelector('[name="part_qty"]').value.trim();
      if (!code && !qty) continue;
      q.append("part_code", code);
      q.append("part_qty", qty);
      used.push(tr);
    }
    const mine = ++seq;
    let data;
    try {
      const res = await fetch("/sets/preview?" + q.toString(), { credentials: "same-origin" });
      data = await res.json();
      if (!res.ok) throw new Error(data.error || String(res.status));
    } catch (e) {
      if (mine === seq) check.textContent = window.zaikoWord("setCheckFailed") + " " + e.message;
      return;
    }
    if (mine !== seq) return; // a newer answer is on its way
    (data.parts || []).forEach((p, i) => {
      const tr = used[i];
      if (!tr) return;
      tr.querySelector(".part-name").textContent = p.unknown ? window.zaikoWord("unregistered") : (p.name || "");
      tr.querySelector(".part-available").textContent = p.unknown ? "" : String(p.available);
      tr.classList.toggle("unknown", !!p.unknown);
    });
    out.textContent = data.available === null || data.available === undefined ? window.zaikoWord("none") : String(data.available);
    check.textContent = data.error || data.note || "";
    check.classList.toggle("error", !!data.error);
  }, 300);

  form.addEventListener("input", refresh);
  if (add) {
    add.hidden = false;
    add.addEventListener("click", () => {
      const last = tbody.querySelector("tr.part:last-child");
      const tr = last.cloneNode(true);
      tr.querySelectorAll("input").forEach((i) => { i.value = ""; });
      tr.querySelector(".part-name").textContent = "";
      tr.querySelector(".part-available").textContent = "";
      tbody.appendChild(tr);
      tr.querySelector("input").focus();
    });
  }
  refresh();
}

// 利用店舗設定: only the selected mall's credential fields are shown.
function setupShopForm(form) {
  const select = form.querySelector("#shop-mall");
  const show = () => {
    form.querySelectorAll(".mall-input").forEach((p) => {
      p.hidden = p.dataset.mall !== select.value;
    });
  };
  select.addEventListener("change", show);
  show();
}

// The token expiry countdown, from the seconds left when the page was made.
function setupCountdowns() {
  const els = Array.from(document.querySelectorAll(".countdown[data-seconds]"));
  if (!els.length) return;
  const start = Date.now();
  const pad = (n) => String(n).padStart(2, "0");
  const tick = () => {
    const gone = Math.floor((Date.now() - start) / 1000);
    els.forEach((el) => {
      const left = Number(el.dataset.seconds) - gone;
      let label = el.querySelector(".left");
      if (!label) {
        label = document.createElement("span");
        label.className = "left";
        el.appendChild(label);
      }
      if (!Number.isFinite(left)) return;
      if (left <= 0) {
        label.textContent = window.zaikoWord("expired");
        el.classList.add("expired");
        return;
      }
      const d = Math.floor(left / 86400), h = Math.floor((left % 86400) / 3600);
      const m = Math.floor((left % 3600) / 60), s = left % 60;
      label.textContent = window.zaikoWord("remaining", { d, hms: pad(h) + ":" + pad(m) + ":" + pad(s) });
      el.classList.toggle("soon", left < 7 * 86400);
    });
  };
  tick();
  setInterval(tick, 1000);
}

// 共通設定: the one threshold only matters for 一括.
function setupSettings(form) {
  const th = form.querySelector("#alert-threshold");
  const sync = () => {
    const mode = form.querySelector('[name="alert_mode"]:checked');
    th.disabled = !mode || mode.value !== "all";
  };
  form.addEventListener("change", sync);
  sync();
}

document.addEventListener("DOMContentLoaded", () => {
  const setForm = document.getElementById("set-form");
  if (setForm) setupSetForm(setForm);
  const shopForm = document.getElementById("shop-form");
  if (shopForm) setupShopForm(shopForm);
  const settings = document.getElementById("settings-form");
  if (settings) setupSettings(settings);
  setupCountdowns();
});
