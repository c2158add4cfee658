<?cs include:"header.cs" ?>
<section class="list">
  <p class="count"><strong id="count"><?cs var:Page.count ?></strong><?cs var:Lang.list.count ?><?cs var:Lang.list.count_note ?></p>
  <table class="stock">
    <thead>
      <tr>
        <th rowspan="2"><?cs var:Lang.list.sku ?></th>
        <th rowspan="2"><?cs var:Lang.list.name ?></th>
        <th rowspan="2"><?cs var:Lang.list.total ?></th>
        <?cs each:shop = Page.shops ?><th colspan="2" class="shop mall-<?cs var:shop.mall ?>"><?cs var:shop.name ?></th><?cs /each ?>
      </tr>
      <tr>
        <?cs each:shop = Page.shops ?><th><?cs var:Lang.list.stock ?></th><th><?cs var:Lang.list.sync ?></th><?cs /each ?>
      </tr>
    </thead>
    <tbody>
    <?cs each:row = Page.rows ?>
      <tr>
        <td class="code"><?cs var:row.code ?></td>
        <td class="name"><?cs var:row.name ?></td>
        <td class="num total"><?cs var:row.total ?></td>
        <?cs each:shop = Page.shops ?>
          <?cs set:cell = row.shops[name(shop)] ?>
          <td class="num<?cs if:cell.drift == "1" ?> drift<?cs /if ?>"><?cs var:cell.stock ?></td>
          <td class="sync"><?cs if:cell.item ?><?cs if:cell.sync == "1" ?>○<?cs else ?>－<?cs /if ?><?cs /if ?></td>
        <?cs /each ?>
      </tr>
    <?cs /each ?>
    </tbody>
  </table>
  <?cs if:!Page.count ?><p class="empty"><?cs var:Lang.list.empty ?></p><?cs /if ?>
  <nav class="pager" aria-label="<?cs var:Lang.list.page ?>">
    <?cs if:Page.prev ?><a rel="prev" href="/?page=<?cs var:Page.prev ?>"><?cs var:Lang.list.prev ?></a><?cs /if ?>
    <span><?cs var:Page.page ?> / <?cs var:Page.pages ?></span>
    <?cs if:Page.next ?><a rel="next" href="/?page=<?cs var:Page.next ?>"><?cs var:Lang.list.next ?></a><?cs /if ?>
  </nav>
</section>
<?cs include:"footer.cs" ?>
