<?cs include:"header.cs" ?>
<?cs set:sku = Page.skus.0 ?>
<section class="sku-page">
  <p><a href="/">← <?cs var:Lang.menu.stock ?></a></p>
  <h1><?cs var:Lang.stock.sku.title ?>: <span class="code" id="sku-code"><?cs var:sku.code ?></span></h1>
  <dl class="sku-facts">
    <dt><?cs var:Lang.list.name ?></dt><dd><?cs var:sku.name ?></dd>
    <dt><?cs var:Lang.list.total ?></dt><dd id="sku-total"><?cs var:sku.total ?><?cs if:sku.is_set == "1" ?>（<?cs var:Lang.stock.list.set ?>）<?cs /if ?></dd>
  </dl>

  <h2><?cs var:Lang.stock.sku.chart ?></h2>
  <?cs if:Page.chart.points ?>
  <svg class="chart" id="sku-chart" width="<?cs var:Page.chart.w ?>" height="<?cs var:Page.chart.h ?>" viewBox="0 0 <?cs var:Page.chart.w ?> <?cs var:Page.chart.h ?>" role="img" aria-label="<?cs var:Lang.stock.sku.chart ?>">
    <rect x="0" y="0" width="<?cs var:Page.chart.w ?>" height="<?cs var:Page.chart.h ?>" class="bg"/>
    <text x="4" y="12" class="axis"><?cs var:Page.chart.hi ?></text>
    <text x="4" y="<?cs var:Page.chart.h - 2 ?>" class="axis"><?cs var:Page.chart.lo ?></text>
    <polyline points="<?cs var:Page.chart.points ?>" class="line"/>
  </svg>
  <?cs else ?><p class="empty">—</p><?cs /if ?>

  <h2><?cs var:Lang.stock.sku.listings ?></h2>
  <table class="stock">
    <thead><tr><th><?cs var:Lang.stock.errors.shop ?></th><th><?cs var:Lang.stock.list.item ?></th><th><?cs var:Lang.list.name ?></th><th><?cs var:Lang.list.sync ?></th><th><?cs var:Lang.list.stock ?></th></tr></thead>
    <tbody>
    <?cs each:l = Page.listings ?>
      <tr><td><?cs var:l.shop ?></td><td class="code"><?cs var:l.item ?><?cs if:l.sub ?> / <?cs var:l.sub ?><?cs /if ?></td><td><?cs var:l.name ?></td>
        <td><?cs if:l.sync == "1" ?>○<?cs else ?>－<?cs /if ?></td>
        <td class="num<?cs if:l.drift == "1" ?> drift<?cs /if ?>"><?cs var:l.stock ?><?cs if:l.pending == "1" ?> <span class="pending"><?cs var:Lang.stock.list.pending ?></span><?cs /if ?></td></tr>
    <?cs /each ?>
    </tbody>
  </table>

  <h2><?cs var:Lang.stock.sku.moves ?></h2>
  <table class="stock" id="sku-moves">
    <thead><tr><th><?cs var:Lang.stock.errors.at ?></th><th>増減</th><th><?cs var:Lang.list.total ?></th><th>理由</th><th>参照</th><th>ユーザー</th></tr></thead>
    <tbody>
    <?cs each:m = Page.moves ?>
      <tr><td><?cs var:m.at ?></td><td class="num"><?cs var:m.delta ?></td><td class="num"><?cs var:m.after ?></td><td><?cs var:Lang.stock.sku.reason[m.reason] ?></td><td><?cs var:m.ref ?></td><td><?cs var:m.user ?></td></tr>
    <?cs /each ?>
    </tbody>
  </table>

  <h2><?cs var:Lang.stock.sku.pushes ?></h2>
  <table class="stock" id="sku-pushes">
    <thead><tr><th><?cs var:Lang.stock.errors.at ?></th><th><?cs var:Lang.stock.errors.shop ?></th><th><?cs var:Lang.stock.list.item ?></th><th>反映値</th><th>内訳</th><th>状態</th><th>試行</th><th>結果</th><th>送信日時</th></tr></thead>
    <tbody>
    <?cs each:p = Page.pushes ?>
      <tr><td><?cs var:p.at ?></td><td><?cs var:p.shop ?></td><td class="code"><?cs var:p.item ?></td><td class="num"><?cs var:p.wanted ?></td><td><?cs var:p.why ?></td><td><?cs if:p.state == "pending" ?><?cs var:Lang.stock.list.pending ?><?cs else ?><?cs var:p.state ?><?cs /if ?></td><td class="num"><?cs var:p.attempts ?></td><td><?cs var:p.result ?></td><td><?cs var:p.sent ?></td></tr>
    <?cs /each ?>
    </tbody>
  </table>
</section>
<?cs include:"footer.cs" ?>
