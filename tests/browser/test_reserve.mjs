// test_reserve.mjs: 確保在庫数 on the 在庫連携 list at 1400 px and on a 768 px tablet — the
// column right beside 総在庫数, 有効 (total − reserve) only where there is a reserve, both kept
// fresh when the total is edited in the box and when the reserve changes elsewhere (the poll),
// a shop's 割当率 in its header when below 100 %,
// readable without covering or being covered by the sticky columns. Screenshots:
// $ZAIKO_ARTIFACTS/reserve-list-1400.png, reserve-list-768.png.
import { URL, adminPassword, assert, atWidth, eq, launch, login, newListing, newShop, newSku, run, shot, sql, sql1, start, until } from "./lib.mjs";

const TAG = "R" + Math.random().toString(16).slice(2, 8).toUpperCase();
const code = (n) => `${TAG}-${n}`;
let shop = 0;
let other = 0;
const skus = {};

function setupData() {
  shop = newShop("確保Y" + TAG, "yahoo");
  other = newShop("確保R" + TAG, "rakuten");
  sql("UPDATE shop SET alloc_rate = 50 WHERE id = ?", other);
  for (const [n, total, reserve, name] of [["A", 10, 3, "麻のシャツ"], ["B", 5, 0, "陶器のマグ"], ["C", 2, 4, "木のトレイ"]]) {
    skus[n] = newSku(code(n), name, total, reserve);
    for (const s of [shop, other]) newListing(s, (s === other ? "r-" : "") + code(n), code(n), name, total, skus[n]);
  }
}

function cleanup() {
  sql("DELETE FROM push WHERE shop_id IN (?, ?)", shop, other);
  sql("DELETE FROM listing WHERE shop_id IN (?, ?)", shop, other);
  sql("DELETE FROM stock_move WHERE sku_id IN (SELECT id FROM sku WHERE code LIKE ?)", `${TAG}-%`);
  sql("DELETE FROM sku WHERE code LIKE ?", `${TAG}-%`);
  sql("DELETE FROM shop WHERE id IN (?, ?)", shop, other);
}

const rowOf = (n) => `tr[data-sku="${skus[n]}"]`;

// What the reserve cell of a row shows: the reserve, and 有効 when it is shown.
async function cell(page, n) {
  return page.$eval(`${rowOf(n)} td.reserve`, (td) => {
    const line = td.querySelector(".avail");
    const seen = line && !line.hidden && getComputedStyle(line).display !== "none";
    return { reserve: td.querySelector(".rv").textContent, avail: seen ? line.textContent.trim() : null };
  });
}

// The header and a cell of the column: right after 総在庫数, inside the table's box, on top.
// The row is scrolled into view first: elementFromPoint sees only the viewport, and banners
// left by earlier test files (a stopped shop's) can push the table below the fold.
async function placed(page, n) {
  await page.$eval(rowOf(n), (r) => r.scrollIntoView({ block: "center" }));
  return page.evaluate(([row]) => {
    const th = document.querySelector("#stock-table th.reserve");
    const thTotal = document.querySelector("#stock-table th.total");
    const td = document.querySelector(`${row} td.reserve`);
    const w = document.querySelector(".table-wrap").getBoundingClientRect();
    const a = th.getBoundingClientRect(), t = thTotal.getBoundingClientRect(), c = td.getBoundingClientRect();
    const top = document.elementFromPoint(c.left + c.width / 2, c.top + c.height / 2);
    return {
      next: th.previousElementSibling === thTotal && Math.abs(a.left - t.right) <= 2,
      inside: c.left >= w.left - 1 && c.right <= w.right + 1,
      onTop: !!top && top.closest("td") === td,
      over: top ? top.outerHTML.slice(0, 80) : null,
      label: th.textContent.trim(),
      title: th.title,
      oneLine: td.querySelector(".rv").getClientRects().length === 1,
    };
  }, [rowOf(n)]);
}

async function main() {
  setupData();
  adminPassword();
  const { page, close } = await launch({ viewport: { width: 1400, height: 900 }, locale: "ja-JP" });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await login(page);
    await run([
      ["1 1400 px: 確保在庫数 beside 総在庫数, 有効 only with a reserve", async () => {
        await page.goto(`${URL}/?shop=${shop}`);
        const p = await placed(page, "A");
        eq(p.label, "確保在庫数", "the header");
        assert(p.next, "right after 総在庫数: " + JSON.stringify(p));
        assert(p.inside && p.onTop, "visible and not covered: " + JSON.stringify(p));
        assert(p.title.includes("有効＝総在庫数−確保在庫数"), "the header explains 有効: " + p.title);
        eq(JSON.stringify(await cell(page, "A")), JSON.stringify({ reserve: "3", avail: "有効 7" }), "A");
        eq(JSON.stringify(await cell(page, "B")), JSON.stringify({ reserve: "0", avail: null }), "B, no reserve");
        eq(JSON.stringify(await cell(page, "C")), JSON.stringify({ reserve: "4", avail: "有効 0" }), "C, reserve above total");
        // The shop's 割当率 in its header when it is below 100 %.
        const rate = async (id) => page.$eval(`#sh${id}`, (e) => {
          const r = e.parentElement.querySelector("span.rate");
          return r ? r.textContent : null;
        });
        eq(await rate(other), "割当率 50%", "the rakuten shop's rate");
        eq(await rate(shop), null, "100 % is not shown");
        await shot(page, "reserve-list-1400");
      }],
      ["2 a total typed in the box moves 有効 at once", async () => {
        const box = `${rowOf("A")} input.total-edit`;
        await page.click(box, { clickCount: 3 });
        await page.keyboard.type("12", { delay: 60 });
        await page.keyboard.press("Tab");
        await until("the total saved", async () => sql1("SELECT total FROM sku WHERE id = ?", skus.A) === "12");
        await until("有効 9", async () => (await cell(page, "A")).avail === "有効 9");
        eq((await cell(page, "A")).reserve, "3", "the reserve stays");
      }],
      ["3 a reserve changed elsewhere reaches the row without a reload", async () => {
        // The poll asks for the rows in view: stopped shops' banners left by earlier test files
        // can push the table below the fold.
        await page.$eval(rowOf("A"), (r) => r.scrollIntoView({ block: "center" }));
        sql("UPDATE sku SET reserve = 5 WHERE id = ?", skus.A);
        sql("UPDATE sku SET reserve = 1 WHERE id = ?", skus.B);
        await until("the poll", async () => {
          const a = await cell(page, "A"), b = await cell(page, "B");
          return a.reserve === "5" && a.avail === "有効 7" && b.reserve === "1" && b.avail === "有効 4";
        });
        sql("UPDATE sku SET reserve = 0 WHERE id = ?", skus.B);
        await until("有効 hidden again", async () => (await cell(page, "B")).avail === null);
      }],
      ["4 768 px tablet: the column is readable beside the sticky 総在庫数; the page itself does not scroll sideways", async () => {
        const { page: tpage, close: closeTablet } = await launch(atWidth(768));
        try {
          await login(tpage);
          await tpage.goto(`${URL}/?shop=${shop}`);
          const p = await placed(tpage, "A");
          assert(p.next && p.inside && p.onTop && p.oneLine, "readable at 768 px: " + JSON.stringify(p));
          eq(JSON.stringify(await cell(tpage, "A")), JSON.stringify({ reserve: "5", avail: "有効 7" }), "A at 768 px");
          const over = await tpage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert(over <= 0, "the page does not scroll sideways (only the table does): " + over);
          await shot(tpage, "reserve-list-768");
        } finally {
          await closeTablet();
        }
      }],
      ["5 no script errors", async () => {
        eq(errors.length, 0, "page errors: " + errors.join("; "));
      }],
    ]);
  } finally {
    await close();
    cleanup();
  }
}

start(main, cleanup);
