<?cs include:"header.cs" ?>
<section class="csv" aria-labelledby="csv-h">
  <p><a href="/">← <?cs var:Lang.menu.stock ?></a></p>
  <h1 id="csv-h"><?cs var:Page.title ?></h1>
  <?cs if:subcount(Page.errors) > 0 ?>
  <div class="flash error" role="alert" id="csv-errors">
    <p><?cs var:Lang.stock.csv.errors_note ?><?cs var:Lang.paren.open ?><?cs var:Lang.stock.csv.errors ?> <?cs var:Page.nerrors ?><?cs var:Lang.list.count ?><?cs var:Lang.paren.close ?></p>
    <ul><?cs each:e = Page.errors ?><li><?cs var:e ?></li><?cs /each ?></ul>
    <p><a href="/stock/help?kind=csv"><?cs var:Lang.stock.errors.howto ?></a></p>
  </div>
  <?cs /if ?>

  <?cs if:Page.job.id ?>
  <section class="preview" id="csv-preview" aria-labelledby="preview-h">
    <h2 id="preview-h"><?cs var:Lang.stock.csv.preview ?>: <span data-data><?cs var:Page.job.message ?></span></h2>
    <?cs if:Page.mode == "totals" ?>
    <p><?cs var:Lang.stock.csv.encoding ?>: <?cs var:Page.preview.encoding ?> <?cs var:Lang.sep ?> <?cs var:Lang.stock.csv.mode ?>: <?cs if:Page.preview.mode == "delta" ?><?cs var:Lang.stock.csv.delta ?><?cs else ?><?cs var:Lang.stock.csv.absolute ?><?cs /if ?></p>
    <?cs if:Page.preview.mode != "delta" ?><p class="note"><?cs var:Lang.stock.csv.absolute_note ?></p><?cs /if ?>
    <p><?cs var:Lang.stock.csv.changes ?>: <strong id="preview-changes"><?cs var:Page.preview.changes ?></strong><?cs var:Lang.list.count ?> <?cs var:Lang.sep ?> <?cs var:Lang.stock.csv.unchanged ?>: <?cs var:Page.preview.same ?><?cs var:Lang.list.count ?></p>
    <table class="stock" id="preview-table">
      <thead><tr><th><?cs var:Lang.stock.csv.line ?></th><th><?cs var:Lang.list.sku ?></th><th><?cs var:Lang.stock.csv.before ?></th><th><?cs var:Lang.stock.csv.after ?></th></tr></thead>
      <tbody><?cs each:row = Page.preview.list ?><tr><td class="num"><?cs var:row.0 ?></td><td class="code" data-data><?cs var:row.1 ?></td><td class="num" data-data><?cs var:row.2 ?></td><td class="num" data-data><?cs var:row.3 ?></td></tr><?cs /each ?></tbody>
    </table>
    <?cs if:Page.preview.has_reserve == "1" ?>
    <p><?cs var:Lang.stock.csv.reserve_changes ?>: <strong id="preview-reserve-changes"><?cs var:Page.preview.reserve_changes ?></strong><?cs var:Lang.list.count ?></p>
    <table class="stock" id="preview-reserve-table">
      <thead><tr><th><?cs var:Lang.stock.csv.line ?></th><th><?cs var:Lang.list.sku ?></th><th><?cs var:Lang.list.reserve ?> <?cs var:Lang.stock.csv.before ?></th><th><?cs var:Lang.list.reserve ?> <?cs var:Lang.stock.csv.after ?></th></tr></thead>
      <tbody><?cs each:row = Page.preview.reserves ?><tr><td class="num"><?cs var:row.0 ?></td><td class="code"><?cs var:row.1 ?></td><td class="num"><?cs var:row.2 ?></td><td class="num"><?cs var:row.3 ?></td></tr><?cs /each ?></tbody>
    </table>
    <?cs /if ?>
    <?cs else ?>
    <p><?cs var:Lang.stock.csv.kind ?>: <span data-data><?cs var:Page.preview.kind ?></span> <?cs var:Lang.sep ?> <?cs var:Lang.stock.csv.encoding ?>: <?cs var:Page.preview.encoding ?></p>
    <p><?cs var:Page.preview.rows ?><?cs var:Lang.list.count ?><?cs var:Lang.paren.open ?><?cs var:Lang.stock.csv.new ?> <strong id="preview-new"><?cs var:Page.preview.new ?></strong> <?cs var:Lang.sep ?> <?cs var:Lang.stock.csv.updated ?> <strong id="preview-updated"><?cs var:Page.preview.updated ?></strong><?cs var:Lang.paren.close ?></p>
    <table class="stock" id="preview-table">
      <thead><tr><th><?cs var:Lang.stock.csv.line ?></th><th><?cs var:Lang.stock.list.item ?></th><th><?cs var:Lang.stock.csv.sub_code ?></th><th><?cs var:Lang.list.sku ?></th><th><?cs var:Lang.list.name ?></th><th><?cs var:Lang.list.stock ?></th></tr></thead>
      <tbody><?cs each:row = Page.preview.list ?><tr><td class="num"><?cs var:row.0 ?></td><td class="code" data-data><?cs var:row.1 ?></td><td class="code" data-data><?cs var:row.2 ?></td><td class="code" data-data><?cs var:row.3 ?></td><td data-data><?cs var:row.4 ?></td><td class="num"><?cs var:row.5 ?></td></tr><?cs /each ?></tbody>
    </table>
    <?cs /if ?>
    <?cs if:Page.job.state == "done" ?><p class="flash ok"><?cs var:Lang.stock.csv.done ?></p>
    <?cs elif:Page.job.state == "failed" ?><p class="flash error"<?cs if:Page.job.error_shown != "1" ?> data-data<?cs /if ?>><?cs var:Page.job.error ?></p>
    <?cs /if ?>
    <?cs if:Page.job.appliable == "1" ?>
    <form method="post" action="/stock/csv/apply" id="csv-apply" data-job="<?cs var:Page.job.id ?>">
      <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
      <input type="hidden" name="job" value="<?cs var:Page.job.id ?>">
      <button type="submit" id="csv-apply-button"><?cs var:Lang.stock.csv.apply ?></button>
    </form>
    <?cs /if ?>
    <div class="progress" id="csv-progress" hidden>
      <label for="csv-progress-bar"><?cs var:Lang.stock.csv.progress ?></label>
      <progress id="csv-progress-bar" max="<?cs var:Page.job.total ?>" value="<?cs var:Page.job.done ?>"></progress>
      <span id="csv-progress-text"></span>
    </div>
  </section>
  <?cs /if ?>

  <form method="post" enctype="multipart/form-data" class="upload" id="csv-upload" action="<?cs if:Page.mode == "totals" ?>/stock/csv/totals<?cs else ?>/stock/csv/listings<?cs /if ?>">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <?cs if:Page.mode == "totals" ?>
    <p class="note"><?cs var:Lang.stock.csv.format_totals ?> <code data-data><?cs var:Lang.stock.csv.format_totals_columns ?></code></p>
    <fieldset><legend><?cs var:Lang.stock.csv.mode ?></legend>
      <label><input type="radio" name="mode" value="absolute" checked> <?cs var:Lang.stock.csv.absolute ?></label>
      <label><input type="radio" name="mode" value="delta"> <?cs var:Lang.stock.csv.delta ?></label>
    </fieldset>
    <?cs else ?>
    <p class="note"><?cs var:Lang.stock.csv.format_listings ?></p>
    <label><?cs var:Lang.stock.csv.shop ?>
      <select name="shop" id="csv-shop" required>
        <?cs each:s = Page.shops ?><option data-data value="<?cs var:s.id ?>"<?cs if:Page.shop == s.id ?> selected<?cs /if ?>><?cs var:s.name ?> (<?cs if:Lang.admin.malls[s.mall] ?><?cs var:Lang.admin.malls[s.mall] ?><?cs else ?><?cs var:s.mall ?><?cs /if ?>)</option><?cs /each ?>
      </select></label>
    <?cs /if ?>
    <label><?cs var:Lang.stock.csv.file ?> <input type="file" name="file" id="csv-file" accept=".csv,.txt,.tsv,text/csv"<?cs if:Page.mode != "totals" ?> multiple<?cs /if ?> required></label>
    <?cs if:Page.mode != "totals" ?>
    <label><?cs var:Lang.stock.csv.file2 ?> <input type="file" name="file2" id="csv-file2" accept=".csv,.txt,text/csv"></label>
    <?cs /if ?>
    <button type="submit" id="csv-upload-button"><?cs var:Lang.stock.csv.upload ?></button>
  </form>
</section>
<script src="/static/js/stock.js" defer></script>
<?cs include:"footer.cs" ?>
