<?cs include:"header.cs" ?>
<?cs with:sku = Page.skus.0 ?>
<section class="sku-page">
  <?cs if:Page.flash ?><p class="flash" role="status"><?cs var:Page.flash ?></p><?cs /if ?>
  <p><a href="/">← <?cs var:Lang.menu.stock ?></a></p>
  <h1><?cs var:Lang.stock.sku.title ?>: <span class="code" id="sku-code" data-data><?cs var:sku.code ?></span> <span class="sku-name" id="sku-name" data-data><?cs var:sku.name ?></span></h1>
  <dl class="sku-facts">
    <dt><?cs var:Lang.list.sku ?></dt><dd class="code" data-data><?cs var:sku.code ?></dd>
    <dt><?cs var:Lang.list.name ?></dt><dd data-data><?cs var:sku.name ?></dd>
    <dt><?cs var:Lang.list.total ?></dt><dd id="sku-total"><strong><?cs var:sku.total ?></strong><?cs if:sku.is_set == "1" ?><?cs var:Lang.paren.open ?><?cs var:Lang.stock.list.set_total ?><?cs var:Lang.paren.close ?><?cs /if ?></dd>
    <dt><?cs var:Lang.stock.sku.reserve ?></dt><dd><form method="post" action="/sku/reserve" id="reserve-form" class="inline">
      <input type="hidden" name="csrf" value="<?cs var:Csrf ?>"><input type="hidden" name="code" value="<?cs var:sku.code ?>">
      <input type="number" name="reserve" id="sku-reserve" value="<?cs var:sku.reserve ?>" min="0" max="1000000000" size="8">
      <button type="submit"><?cs var:Lang.admin.save ?></button> <span class="help"><?cs var:Lang.stock.sku.reserve_help ?></span></form></dd>
    <?cs if:sku.drift == "1" ?><dt><?cs var:Lang.stock.search.drift ?></dt><dd class="drift"><?cs var:Lang.stock.sku.drift_note ?></dd><?cs /if ?>
  </dl>

  <h2><?cs var:Lang.stock.sku.chart ?></h2>
  <?cs if:Page.chart.points ?>
  <svg class="chart" id="sku-chart" width="<?cs var:Page.chart.w ?>" height="<?cs var:Page.chart.h ?>" viewBox="0 0 <?cs var:Page.chart.w ?> <?cs var:Page.chart.h ?>" role="img" aria-label="<?cs var:Lang.stock.sku.chart ?>">
    <rect x="0" y="0" width="<?cs var:Page.chart.w ?>" height="<?cs var:Page.chart.h ?>" class="bg"/>
    <text x="4" y="12" class="axis"><?cs var:Page.chart.hi ?></text>
    <text x="4" y="<?cs var:Page.chart.h - 22 ?>" class="axis"><?cs var:Page.chart.lo ?></text>
    <text x="40" y="<?cs var:Page.chart.h - 6 ?>" class="axis"><?cs var:Page.chart.from ?></text>
    <text x="<?cs var:Page.chart.w - 10 ?>" y="<?cs var:Page.chart.h - 6 ?>" class="axis end"><?cs var:Page.chart.to ?></text>
    <polyline points="<?cs var:Page.chart.points ?>" class="line"/>
    <?cs each:d = Page.chart.dots ?><circle cx="<?cs var:d.x ?>" cy="<?cs var:d.y ?>" r="3" class="dot"/><?cs /each ?>
  </svg>
  <?cs else ?><p class="empty"><?cs var:Lang.stock.sku.no_moves ?></p><?cs /if ?>

  <h2><?cs var:Lang.stock.sku.listings ?></h2>
  <div class="table-wrap">
  <table class="stock" id="sku-listings">
    <thead><tr><th><?cs var:Lang.stock.errors.shop ?></th><th><?cs var:Lang.stock.list.item ?></th><th><?cs var:Lang.list.name ?></th><th><?cs var:Lang.list.sync ?></th><th><?cs var:Lang.list.stock ?></th></tr></thead>
    <tbody>
    <?cs each:l = Page.listings ?>
      <tr><td data-data><?cs var:l.shop ?></td><td class="code"><span data-data><?cs var:l.item ?></span><?cs if:l.sub ?> / <span data-data><?cs var:l.sub ?></span><?cs /if ?></td><td data-data><?cs var:l.name ?></td>
        <td><?cs if:l.sync == "1" ?><?cs var:Lang.stock.search.sync_on ?><?cs else ?><?cs var:Lang.stock.search.sync_off ?><?cs /if ?></td>
        <td class="num<?cs if:l.drift == "1" ?> drift<?cs /if ?>"><?cs var:l.stock ?><?cs if:l.pending == "1" ?> <span class="pending"><?cs var:Lang.stock.list.pending ?></span><?cs /if ?></td></tr>
    <?cs /each ?>
    </tbody>
  </table>
  </div>

  <h2><?cs var:Lang.stock.sku.moves ?></h2>
  <div class="table-wrap">
  <table class="stock" id="sku-moves">
    <thead><tr><th><?cs var:Lang.stock.errors.at ?></th><th><?cs var:Lang.stock.sku.delta ?></th><th><?cs var:Lang.list.total ?></th><th><?cs var:Lang.stock.sku.reason_h ?></th><th><?cs var:Lang.stock.sku.ref ?></th><th><?cs var:Lang.stock.sku.user ?></th></tr></thead>
    <tbody>
    <?cs each:m = Page.moves ?>
      <tr><td><?cs var:m.at ?></td><td class="num"><?cs var:m.delta ?></td><td class="num"><?cs var:m.after ?></td><td><?cs var:Lang.stock.sku.reason[m.reason] ?></td><td class="move-ref"><?cs if:m.ref == "import" ?><?cs var:Lang.stock.sku.ref_import ?><?cs elif:m.ref == "screen" ?><?cs var:Lang.stock.sku.ref_screen ?><?cs else ?><span data-data><?cs var:m.ref ?></span><?cs /if ?></td><td data-data><?cs var:m.user ?></td></tr>
    <?cs /each ?>
    </tbody>
  </table>
  </div>

  <h2><?cs var:Lang.stock.sku.pushes ?></h2>
  <div class="table-wrap">
  <table class="stock" id="sku-pushes">
    <thead><tr><th><?cs var:Lang.stock.errors.at ?></th><th><?cs var:Lang.stock.errors.shop ?></th><th><?cs var:Lang.stock.list.item ?></th><th><?cs var:Lang.stock.sku.wanted ?></th><th><?cs var:Lang.stock.sku.why ?></th><th><?cs var:Lang.stock.sku.state_h ?></th><th><?cs var:Lang.stock.sku.attempts ?></th><th><?cs var:Lang.stock.sku.result ?></th><th><?cs var:Lang.stock.sku.sent ?></th></tr></thead>
    <tbody>
    <?cs each:p = Page.pushes ?>
      <tr><td><?cs var:p.at ?></td><td data-data><?cs var:p.shop ?></td><td class="code" data-data><?cs var:p.item ?></td><td class="num"><?cs var:p.wanted ?></td><td class="push-why"<?cs if:!p.why_shown ?> data-data<?cs /if ?>><?cs var:p.why ?></td>
        <td class="push-state state-<?cs var:p.state ?>"><?cs if:Lang.stock.sku.state[p.state] ?><?cs var:Lang.stock.sku.state[p.state] ?><?cs else ?><?cs var:p.state ?><?cs /if ?></td>
        <td class="num"><?cs var:p.attempts ?></td>
        <td class="push-result"><?cs if:p.result == "OK" ?><?cs var:Lang.stock.sku.result_ok ?><?cs elif:p.result_own && p.result_shown ?><?cs var:p.result ?><?cs elif:p.result ?><?cs var:Lang.stock.sku.mall_reply ?><span class="reply" data-data><?cs var:p.result ?></span><?cs /if ?></td><td><?cs var:p.sent ?></td></tr>
    <?cs /each ?>
    </tbody>
  </table>
  </div>
</section>
<?cs /with ?>
<?cs include:"footer.cs" ?>
