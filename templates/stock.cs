<?cs include:"header.cs" ?>
<div class="stock-screen" id="stock-screen">
<noscript><p class="flash error" id="noscript-note"><?cs var:Lang.stock.noscript ?> <a href="/stock/csv/totals"><?cs var:Lang.stock.actions.csv_totals ?></a></p></noscript>
<?cs if:Page.msg ?><p class="flash ok" role="status" id="flash"><?cs var:Lang.stock.flash[Page.msg] ?><?cs if:Page.msg_n ?><?cs var:Lang.paren.open ?><?cs var:Page.msg_n ?><?cs var:Lang.list.count ?><?cs var:Lang.paren.close ?><?cs /if ?></p><?cs /if ?>
<p class="flash error" role="alert" id="stock-alert" hidden></p>

<?cs def:stopped_line(shop) ?>
    <li data-shop="<?cs var:shop.id ?>"><strong><?cs var:Lang.stock.stopped.shop_before ?><span data-data><?cs var:shop.name ?></span><?cs var:Lang.stock.stopped.shop_after ?></strong>
    <?cs if:shop.step ?><?cs if:Lang.stock.stopped.step[shop.step] ?><?cs var:Lang.stock.stopped.step[shop.step] ?><?cs else ?><?cs var:shop.step ?><?cs /if ?><?cs var:Lang.stock.stopped.auth_after ?> <?cs var:Lang.stock.stopped.reply ?><span class="reply" data-data><?cs var:shop.reply ?></span>
    <?cs elif:shop.reason ?><?cs var:Lang.stock.stopped.reason ?><span data-data><?cs var:shop.reason ?></span><?cs else ?><?cs var:Lang.stock.stopped.no_reason ?><?cs /if ?></li>
<?cs /def ?>
<?cs if:Page.stopped > 0 ?>
<section class="banner stopped" role="alert" id="stopped-banner" aria-labelledby="stopped-h">
  <h2 id="stopped-h"><?cs var:Lang.stock.stopped.title ?></h2>
  <?cs # The first Page.stopped_shown lines; more fold under one line that opens them. ?>
  <ul>
  <?cs set:k = 0 ?><?cs each:shop = Page.shops ?><?cs if:shop.state == "stopped" ?><?cs set:k = k + 1 ?><?cs if:k <= Page.stopped_shown ?><?cs call:stopped_line(shop) ?><?cs /if ?><?cs /if ?><?cs /each ?>
  </ul>
  <?cs if:Page.stopped_more ?>
  <details id="stopped-more"><summary><?cs var:Page.stopped_more ?></summary>
  <ul>
  <?cs set:k = 0 ?><?cs each:shop = Page.shops ?><?cs if:shop.state == "stopped" ?><?cs set:k = k + 1 ?><?cs if:k > Page.stopped_shown ?><?cs call:stopped_line(shop) ?><?cs /if ?><?cs /if ?><?cs /each ?>
  </ul>
  </details>
  <?cs /if ?>
  <p><?cs var:Lang.stock.stopped.why ?> <?cs var:Lang.stock.stopped.kept ?></p>
  <p class="todo"><?cs if:User.admin == "1" ?><?cs var:Lang.stock.stopped.todo_admin ?> <a href="/admin/shops"><?cs var:Lang.menu.shops ?></a><?cs else ?><?cs var:Lang.stock.stopped.todo_staff ?><?cs /if ?></p>
</section>
<?cs /if ?>

<?cs if:subcount(Page.errors) > 0 ?>
<section class="errors" aria-labelledby="errors-h">
  <h2 id="errors-h"><?cs var:Lang.stock.errors.title ?> <span class="count" id="errors-count"><?cs var:Lang.paren.open ?><?cs var:Lang.stock.errors.total ?><?cs var:Page.errors_total ?><?cs var:Lang.list.count ?><?cs if:Page.errors_total > subcount(Page.errors) ?><?cs var:Lang.stock.errors.newest_before ?><?cs var:subcount(Page.errors) ?><?cs var:Lang.stock.errors.newest_after ?><?cs /if ?><?cs var:Lang.paren.close ?></span><?cs if:User.admin == "1" ?> <a href="/admin/errors" class="errors-delete"><?cs var:Lang.menu.errors_delete ?></a><?cs /if ?></h2>
  <table class="errors">
    <thead><tr><th><?cs var:Lang.stock.errors.level ?></th><th><?cs var:Lang.stock.errors.shop ?></th><th><?cs var:Lang.list.sku ?></th><th><?cs var:Lang.stock.errors.message ?></th><th><?cs var:Lang.stock.errors.at ?></th><th></th></tr></thead>
    <tbody>
    <?cs each:e = Page.errors ?>
      <tr class="level-<?cs var:e.level ?>">
        <td class="level"><?cs if:Lang.stock.errors.levels[e.level] ?><?cs var:Lang.stock.errors.levels[e.level] ?><?cs else ?><?cs var:Lang.stock.errors.levels.other ?><?cs /if ?></td>
        <td data-data><?cs var:e.shop ?></td>
        <td class="code"><?cs if:e.code ?><a href="/sku?code=<?cs var:url_escape(e.code) ?>" data-data><?cs var:e.code ?></a><?cs /if ?></td>
        <td><span class="kind"><?cs if:Lang.stock.kinds[e.kind] ?><?cs var:Lang.stock.kinds[e.kind] ?><?cs else ?><?cs var:Lang.stock.kinds.other ?><?cs /if ?>:</span> <span data-data><?cs var:e.message ?></span><?cs if:e.repeat > 1 ?> <span class="repeat"><?cs var:Lang.paren.open ?><?cs var:e.repeat ?><?cs var:Lang.stock.errors.times ?><?cs var:Lang.paren.close ?></span><?cs /if ?>
          <?cs if:e.kind == "duplicate" && e.code ?> <a class="dup" href="/?shop=<?cs var:e.shop_id ?>&amp;q=<?cs var:url_escape(e.code) ?>*"><?cs var:Lang.stock.errors.show_listings ?></a><?cs /if ?></td>
        <td class="at"><?cs var:e.at ?></td>
        <td><a href="/stock/help?kind=<?cs var:e.help ?>"><?cs var:Lang.stock.errors.howto ?></a></td>
      </tr>
    <?cs /each ?>
    </tbody>
  </table>
</section>
<?cs /if ?>

<section class="search" aria-labelledby="search-h">
  <h2 id="search-h" class="visually-hidden"><?cs var:Lang.stock.search.title ?></h2>
  <form method="get" action="/" class="search" id="search">
    <fieldset class="kind"><legend class="visually-hidden"><?cs var:Lang.stock.search.kind ?></legend>
      <label><input type="radio" name="kind" value="all"<?cs if:Search.kind != "set" ?> checked<?cs /if ?>> <?cs var:Lang.stock.search.all ?></label>
      <label><input type="radio" name="kind" value="set"<?cs if:Search.kind == "set" ?> checked<?cs /if ?>> <?cs var:Lang.stock.search.sets ?></label>
    </fieldset>
    <label><?cs var:Lang.stock.search.shop ?>
      <select name="shop" id="search-shop">
        <option value=""><?cs var:Lang.stock.search.choose ?></option>
        <?cs each:shop = Page.shops ?><option data-data value="<?cs var:shop.id ?>"<?cs if:Search.shop == shop.id ?> selected<?cs /if ?>><?cs var:shop.name ?></option><?cs /each ?>
      </select></label>
    <label><?cs var:Lang.stock.search.q ?>
      <input name="q" id="search-q" value="<?cs var:Search.q ?>" maxlength="200" aria-describedby="search-q-note" placeholder="<?cs var:Lang.stock.search.q_hint ?>"></label>
    <small id="search-q-note" class="hint"><?cs var:Lang.stock.search.q_note ?></small>
    <label><?cs var:Lang.list.total ?>
      <input name="tmin" id="search-tmin" class="small" inputmode="numeric" value="<?cs var:Search.tmin ?>" aria-label="<?cs var:Lang.stock.search.tmin ?>"></label><?cs var:Lang.range ?><input name="tmax" id="search-tmax" class="small" inputmode="numeric" value="<?cs var:Search.tmax ?>" aria-label="<?cs var:Lang.stock.search.tmax ?>">
    <label><?cs var:Lang.stock.search.link ?>
      <select name="link" id="search-link">
        <option value=""><?cs var:Lang.stock.search.any ?></option>
        <option value="linked"<?cs if:Search.link == "linked" ?> selected<?cs /if ?>><?cs var:Lang.stock.search.linked ?></option>
        <option value="unlinked"<?cs if:Search.link == "unlinked" ?> selected<?cs /if ?>><?cs var:Lang.stock.search.unlinked ?></option>
      </select></label>
    <label><?cs var:Lang.stock.search.sync ?>
      <select name="sync" id="search-sync">
        <option value=""><?cs var:Lang.stock.search.any ?></option>
        <option value="on"<?cs if:Search.sync == "on" ?> selected<?cs /if ?>><?cs var:Lang.stock.search.sync_on ?></option>
        <option value="off"<?cs if:Search.sync == "off" ?> selected<?cs /if ?>><?cs var:Lang.stock.search.sync_off ?></option>
      </select></label>
    <label><input type="checkbox" name="drift" id="search-drift" value="1"<?cs if:Search.drift == "1" ?> checked<?cs /if ?>> <?cs var:Lang.stock.search.drift ?></label>
    <button type="submit" id="search-submit"><?cs var:Lang.stock.search.submit ?></button>
    <a href="/" class="reset"><?cs var:Lang.stock.search.reset ?></a>
  </form>
</section>

<section class="actions" aria-label="<?cs var:Lang.stock.actions.title ?>">
  <form method="post" action="/stock/link" id="link-form" hidden>
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>"><input type="hidden" name="back" value="<?cs var:Page.query ?>">
  </form>
  <form method="post" action="/stock/push" id="actions" class="actions">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <input type="hidden" name="back" value="<?cs var:Page.query ?>">
    <span class="group"><?cs var:Lang.stock.actions.csv ?>
      <button type="submit" formaction="/stock/export" name="scope" value="selected" id="btn-export-selected"><?cs var:Lang.stock.actions.selected ?></button>
      <button type="submit" formaction="/stock/export" name="scope" value="all" id="btn-export-all"><?cs var:Lang.stock.actions.all ?></button>
      <select name="enc" aria-label="<?cs var:Lang.stock.actions.enc ?>"><option value="cp932">Shift_JIS (CP932)</option><option value="utf8"><?cs var:Lang.stock.actions.utf8_bom ?></option></select>
    </span>
    <span class="group"><?cs var:Lang.stock.actions.sync ?>
      <select name="on" aria-label="<?cs var:Lang.stock.actions.sync ?>"><option value="1"><?cs var:Lang.stock.actions.sync_on ?></option><option value="0"><?cs var:Lang.stock.actions.sync_off ?></option></select>
      <button type="submit" formaction="/stock/sync-all" id="btn-sync-all"><?cs var:Lang.stock.actions.sync_all ?></button>
    </span>
    <button type="submit" formaction="/stock/push" id="btn-push"><?cs var:Lang.stock.actions.push ?></button>
    <button type="submit" formaction="/stock/delete" id="btn-delete" class="danger"><?cs var:Lang.stock.actions.delete ?></button>
    <span class="group links">
      <a href="/stock/csv/totals" id="link-csv-totals"><?cs var:Lang.stock.actions.csv_totals ?></a>
      <a href="/stock/csv/listings" id="link-csv-listings"><?cs var:Lang.stock.actions.csv_listings ?></a>
    </span>
  </form>
  <p class="note" id="export-note"><?cs var:Lang.stock.actions.export_note ?></p>
  <?cs if:Page.export_replaced ?>
  <div class="flash warn" role="status" id="export-replaced">
    <p><?cs var:Lang.stock.actions.export_replaced ?> <strong id="export-replaced-n"><?cs var:Page.export_replaced ?></strong></p>
    <?cs if:Page.export_replaced_scope == "all" ?>
    <form method="post" action="/stock/export" id="export-utf8">
      <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
      <input type="hidden" name="back" value="<?cs var:Page.query ?>">
      <input type="hidden" name="scope" value="all"><input type="hidden" name="enc" value="utf8">
      <button type="submit"><?cs var:Lang.stock.actions.export_utf8 ?></button>
    </form>
    <?cs else ?><p><?cs var:Lang.stock.actions.export_utf8_selected ?></p><?cs /if ?>
  </div>
  <?cs /if ?>
</section>

<section class="list">
  <p class="count"><strong id="count"><?cs var:Page.count ?></strong><?cs var:Lang.list.count ?><?cs if:Page.unlinked == "1" ?><?cs var:Lang.stock.list.count_unlinked ?><?cs else ?><?cs var:Lang.list.count_note ?><?cs /if ?></p>
  <p class="note edit-hint" id="edit-hint"><?cs var:Lang.stock.edit.hint ?></p>
  <p hidden><span id="lbl-menu"><?cs var:Lang.stock.list.menu ?></span><span id="lbl-sync"><?cs var:Lang.list.sync ?></span><span id="lbl-min"><?cs var:Lang.list.min ?></span><span id="lbl-max"><?cs var:Lang.list.max ?></span></p>
  <p hidden id="stock-words" data-saved-total="<?cs var:Lang.stock.edit.saved_total ?>" data-saved-limits="<?cs var:Lang.stock.edit.saved_limits ?>" data-sync-on="<?cs var:Lang.stock.edit.sync_on ?>" data-sync-off="<?cs var:Lang.stock.edit.sync_off ?>" data-failed="<?cs var:Lang.stock.edit.failed ?>" data-network="<?cs var:Lang.stock.edit.network ?>" data-bad-total="<?cs var:Lang.stock.edit.bad_total ?>" data-bad-limit="<?cs var:Lang.stock.edit.bad_limit ?>" data-pending="<?cs var:Lang.stock.list.pending ?>" data-wanted="<?cs var:Lang.stock.list.wanted ?>" data-applying="<?cs var:Lang.stock.edit.applying ?>" data-poll-ms="5000"></p>
  <template id="shop-menu-items">
    <li data-item="search"><a href="/?shop="><?cs var:Lang.stock.list.menu_search ?></a></li>
    <li data-item="import"><a href="/stock/csv/listings?shop="><?cs var:Lang.stock.actions.csv_listings ?></a></li>
    <li data-item="history"><a href="/sku?code="><?cs var:Lang.stock.list.menu_history ?></a></li>
    <li data-item="unlink"><button type="submit" form="link-form" name="unlink"><?cs var:Lang.stock.list.unlink ?> <span class="ref" data-data></span></button></li>
    <li data-item="link"><form method="post" action="/stock/link" class="link">
      <input type="hidden" name="csrf" value="<?cs var:Csrf ?>"><input type="hidden" name="back" value="<?cs var:Page.query ?>">
      <span class="ref" data-data></span> <input name="sku" size="16" maxlength="128" aria-label="<?cs var:Lang.stock.list.link_to ?>" placeholder="<?cs var:Lang.stock.list.link_to ?>"><button type="submit" name="manual"><?cs var:Lang.stock.list.link_manual ?></button>
      <button type="submit" name="bycode"><?cs var:Lang.stock.list.link_code ?></button></form></li>
  </template>
  <div class="table-wrap">
  <table class="stock" id="stock-table">
    <thead>
      <tr>
        <th rowspan="2" class="check"><input type="checkbox" id="check-all" aria-label="<?cs var:Lang.stock.list.check_all ?>"></th>
        <th rowspan="2" class="sku"><?cs var:Lang.list.sku ?></th>
        <th rowspan="2"><?cs var:Lang.list.name ?></th>
        <th rowspan="2" class="total"><?cs var:Lang.list.total ?></th>
        <th rowspan="2" class="reserve" title="<?cs var:Lang.stock.list.reserve_title ?>"><?cs var:Lang.list.reserve ?></th>
        <?cs each:shop = Page.shops ?><th colspan="7" class="shop mall-<?cs var:shop.mall ?>"><span id="sh<?cs var:shop.id ?>" data-data><?cs var:shop.name ?></span><?cs if:shop.base == "1" ?> <span class="base"><?cs var:Lang.stock.list.base ?></span><?cs /if ?><?cs if:shop.state == "stopped" ?> <span class="stopped"><?cs var:Lang.stock.list.stopped ?></span><?cs /if ?><?cs if:shop.rate != 100 ?> <span class="rate" title="<?cs var:Lang.stock.list.rate_title ?>"><?cs var:Lang.stock.list.rate ?> <?cs var:shop.rate ?>%</span><?cs /if ?></th><?cs /each ?>
      </tr>
      <tr>
        <?cs each:shop = Page.shops ?><th><?cs var:Lang.stock.list.menu ?></th><th><?cs var:Lang.stock.list.item ?></th><th><?cs var:Lang.list.sync ?></th><th><?cs var:Lang.list.min ?></th><th><?cs var:Lang.list.max ?></th><th><?cs var:Lang.stock.list.sku_col ?></th><th><?cs var:Lang.list.stock ?></th><?cs /each ?>
      </tr>
    </thead>
    <tbody>
    <?cs # A row is one line and every lookup counts (100 rows x each shop's 7 columns): a
    cell's label ids (cell.lab, "c<row> sh<shop>") come made from list.c instead of three
    lookups for each box.
    ?><?cs each:row = Page.rows ?>
<tr<?cs if:row.id ?> data-sku="<?cs var:row.id ?>"<?cs /if ?>><td class="check"><?cs if:row.id ?><input type="checkbox" name="sku" value="<?cs var:row.id ?>" form="actions" class="row-check" aria-label="<?cs var:Lang.stock.list.select ?> <?cs var:row.code ?>"><?cs else ?><input type="checkbox" name="listing" value="<?cs var:row.listing ?>" form="actions" class="row-check" aria-label="<?cs var:Lang.stock.list.select ?> <?cs var:row.code ?>"><?cs /if ?></td><td class="code sku" id="c<?cs var:row.id ?><?cs var:row.listing ?>"><?cs if:row.id ?><a href="/sku?code=<?cs var:url_escape(row.code) ?>" data-data><?cs var:row.code ?></a><?cs if:row.is_set ?> <span class="tag"><?cs var:Lang.stock.list.set ?></span><?cs /if ?><?cs else ?><span data-data><?cs var:row.code ?></span> <span class="tag unlinked"><?cs var:Lang.stock.list.unlinked ?></span><?cs /if ?></td><td class="name" data-data><?cs var:row.name ?></td><td class="num total"><?cs if:row.id ?><?cs if:row.is_set ?><span class="set-total" title="<?cs var:Lang.stock.list.set_total ?>"><?cs var:row.total ?></span><?cs else ?><input class="total-edit" value="<?cs var:row.total ?>" data-sku="<?cs var:row.id ?>" aria-label="<?cs var:Lang.list.total ?> <?cs var:row.code ?>" aria-describedby="edit-hint" readonly><?cs /if ?><?cs /if ?></td><td class="num reserve"><?cs if:row.id ?><span class="rv"><?cs var:row.reserve ?></span><span class="avail"<?cs if:row.reserve == 0 ?> hidden<?cs /if ?>><?cs var:Lang.stock.list.avail ?> <span class="av"><?cs var:row.avail ?></span></span><?cs /if ?></td><?cs each:cell = row.shops ?><td class="menu"><?cs if:cell.lab ?><button type="button" class="shop-menu" data-shop="<?cs var:cell.shop ?>" aria-expanded="false" aria-labelledby="lbl-menu">⋯</button><?cs /if ?></td><td class="item"><?cs each:it = cell.items ?><div class="item<?cs var:it.cls ?>" data-listing="<?cs var:it.id ?>"><?cs if:it.image ?><img src="<?cs var:it.image ?>" alt="" loading="lazy" width="40" height="40"><?cs /if ?><span class="code" data-data><?cs var:it.ref ?></span> <span class="iname" data-data><?cs var:it.name ?></span><?cs if:it.options ?> <span class="opt" data-data><?cs var:it.options ?></span><?cs /if ?><?cs if:it.price ?> <span class="price">¥<?cs var:it.price ?></span><?cs /if ?><?cs if:it.warn ?><?cs if:it.state == "duplicate" ?> <span class="warn"><?cs var:Lang.stock.list.duplicate ?></span><?cs /if ?><?cs if:it.error ?> <span class="warn" title="<?cs var:Lang.stock.list.error_reply ?><?cs var:it.error ?>"><?cs var:Lang.stock.list.error ?></span><?cs /if ?><?cs /if ?></div><?cs /each ?></td><td class="sync"><?cs each:it = cell.items ?><div><input type="checkbox" class="sync-edit" data-listing="<?cs var:it.id ?>"<?cs if:it.sync ?> checked<?cs /if ?> aria-labelledby="lbl-sync <?cs var:cell.lab ?>" disabled></div><?cs /each ?></td><td class="num"><?cs each:it = cell.items ?><div><input class="limit-edit" data-listing="<?cs var:it.id ?>" data-field="min" value="<?cs var:it.min ?>" inputmode="numeric" aria-labelledby="lbl-min <?cs var:cell.lab ?>" readonly></div><?cs /each ?></td><td class="num"><?cs each:it = cell.items ?><div><input class="limit-edit" data-listing="<?cs var:it.id ?>" data-field="max" value="<?cs var:it.max ?>" inputmode="numeric" aria-labelledby="lbl-max <?cs var:cell.lab ?>" readonly></div><?cs /each ?></td><td class="code"><?cs each:it = cell.items ?><div data-data><?cs var:it.sku ?></div><?cs /each ?></td><td class="num stock"><?cs each:it = cell.items ?><?cs if:it.drift ?><div class="stock drift" data-listing="<?cs var:it.id ?>" title="<?cs var:Lang.stock.list.wanted ?> <?cs var:it.wanted ?>"><?cs else ?><div class="stock" data-listing="<?cs var:it.id ?>"><?cs /if ?><span class="v"><?cs var:it.stock ?></span><?cs if:it.pending ?><span class="pending"><?cs var:Lang.stock.list.pending ?></span><?cs /if ?></div><?cs /each ?></td><?cs /each ?></tr>
    <?cs /each ?>
    </tbody>
  </table>
  </div>
  <?cs if:Page.count == 0 ?><p class="empty"><?cs var:Lang.list.empty ?></p><?cs /if ?>
  <nav class="pager" aria-label="<?cs var:Lang.list.page ?>">
    <?cs if:Page.prev ?><a href="<?cs var:Page.first ?>" id="page-first"><?cs var:Lang.stock.list.first ?></a> <a rel="prev" href="<?cs var:Page.prev ?>" id="page-prev"><?cs var:Lang.list.prev ?></a><?cs /if ?>
    <span id="page-no"><?cs var:Page.page ?> / <?cs var:Page.pages ?></span>
    <?cs if:Page.next ?><a rel="next" href="<?cs var:Page.next ?>" id="page-next"><?cs var:Lang.list.next ?></a> <a href="<?cs var:Page.last ?>" id="page-last"><?cs var:Lang.stock.list.last ?></a><?cs /if ?>
  </nav>
</section>
</div>
<script src="/static/js/stock.js" defer></script>
<?cs include:"footer.cs" ?>
