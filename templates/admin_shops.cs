<?cs include:"header.cs" ?>
<script src="/static/js/admin.js" defer></script>
<section class="admin shops">
  <h1><?cs var:Lang.admin.shops.title ?></h1>
  <?cs if:Page.flash ?><p class="flash ok" role="status"><?cs var:Page.flash ?></p><?cs /if ?>
  <p class="help"><?cs var:Lang.admin.shops.help ?></p>
  <p><a href="/admin/shops/edit" id="add-shop"><?cs var:Lang.admin.shops.add ?></a></p>
  <table class="stock" id="shops">
    <thead><tr><th><?cs var:Lang.admin.shops.name ?></th><th><?cs var:Lang.admin.shops.mall ?></th><th><?cs var:Lang.admin.shops.base ?></th><th><?cs var:Lang.admin.shops.enabled ?></th><th><?cs var:Lang.admin.state ?></th><th><?cs var:Lang.admin.shops.credentials ?></th><th><?cs var:Lang.admin.shops.token ?></th><th><?cs var:Lang.admin.shops.test ?></th><th></th></tr></thead>
    <tbody>
    <?cs each:s = Page.shops ?>
      <tr data-shop="<?cs var:s.id ?>">
        <td data-data><?cs var:s.name ?></td>
        <td class="mall-<?cs var:s.mall ?>" data-data><?cs var:Lang.admin.malls[s.mall] ?></td>
        <td><?cs if:s.is_base == "1" ?><?cs var:Lang.admin.shops.base ?><?cs /if ?></td>
        <td><?cs if:s.enabled == "1" ?><?cs var:Lang.admin.shops.on ?><?cs else ?><?cs var:Lang.admin.shops.off ?><?cs /if ?></td>
        <td><?cs if:s.state == "stopped" ?><span class="stopped"><?cs var:Lang.admin.shops.stopped ?></span> <span data-data><?cs var:s.stop_reason ?></span><?cs else ?><?cs var:Lang.admin.shops.ok ?><?cs /if ?></td>
        <td><?cs if:s.has_credentials == "1" ?><?cs var:Lang.admin.shops.cred_set ?><?cs else ?><?cs var:Lang.admin.shops.cred_none ?><?cs /if ?></td>
        <td><?cs if:s.token_expires ?><span class="countdown" data-seconds="<?cs var:s.token_seconds ?>"><?cs var:s.token_expires ?>
          <span class="left"><?cs var:Lang.paren.open ?><?cs if:s.token_seconds < 0 ?><?cs var:Lang.admin.shops.expired ?><?cs else ?><?cs var:Lang.admin.shops.remaining ?> <?cs var:s.token_days ?><?cs var:Lang.admin.shops.days ?><?cs /if ?><?cs var:Lang.paren.close ?></span></span><?cs /if ?></td>
        <td class="test-result"><?cs if:s.test_state ?><?cs if:s.test_state == "done" ?><?cs var:Lang.admin.shops.test_ok ?><?cs elif:s.test_state == "failed" ?><?cs var:Lang.admin.shops.test_ng ?><?cs else ?><?cs var:Lang.admin.shops.test_waiting ?><?cs /if ?> <span data-data><?cs var:s.test_message ?></span> <?cs var:s.test_at ?><?cs /if ?></td>
        <td><a href="/admin/shops/edit?id=<?cs var:s.id ?>"><?cs var:Lang.admin.edit ?></a>
          <a href="/stock/csv/listings?shop=<?cs var:s.id ?>"><?cs var:Lang.admin.shops.import ?></a>
          <form method="post" action="/admin/shops/test" class="inline">
            <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
            <input type="hidden" name="id" value="<?cs var:s.id ?>">
            <button type="submit"><?cs var:Lang.admin.shops.test ?></button></form></td>
      </tr>
    <?cs /each ?>
    </tbody>
  </table>
  <?cs if:!subcount(Page.shops) ?><p class="empty"><?cs var:Lang.admin.shops.none ?></p><?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
