<?cs include:"header.cs" ?>
<section class="admin initial-fetch">
  <h1><?cs var:Lang.admin.fetch.title ?></h1>
  <?cs if:Page.flash ?><p class="flash ok" role="status"><?cs var:Page.flash ?></p><?cs /if ?>
  <div class="help">
    <p><?cs var:Lang.admin.fetch.help1 ?></p>
    <p><?cs var:Lang.admin.fetch.help2 ?></p>
    <p><?cs var:Lang.admin.fetch.help3 ?></p>
  </div>
  <table class="stock" id="fetch-shops">
    <thead><tr><th><?cs var:Lang.admin.shops.name ?></th><th><?cs var:Lang.admin.shops.mall ?></th><th><?cs var:Lang.admin.fetch.done_at ?></th><th><?cs var:Lang.admin.fetch.last_fetch ?></th><th></th></tr></thead>
    <tbody>
    <?cs each:s = Page.shops ?>
      <tr><td data-data><?cs var:s.name ?></td><td data-data><?cs if:Lang.admin.malls[s.mall] ?><?cs var:Lang.admin.malls[s.mall] ?><?cs else ?><?cs var:s.mall ?><?cs /if ?></td>
        <td class="fetched"><?cs if:s.initial_fetch ?><?cs var:s.initial_fetch ?><?cs else ?><?cs var:Lang.admin.fetch.never ?><?cs /if ?></td>
        <td><?cs var:s.last_fetch ?></td>
        <td><form method="post" action="/admin/initial-fetch" data-confirm="<?cs var:Lang.admin.fetch.confirm ?>">
          <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
          <input type="hidden" name="shop" value="<?cs var:s.id ?>">
          <label><input type="checkbox" name="confirm" value="1" required> <?cs var:Lang.admin.fetch.check ?></label>
          <button type="submit"><?cs var:Lang.admin.fetch.run ?></button></form></td></tr>
    <?cs /each ?>
    </tbody>
  </table>
  <?cs if:!subcount(Page.shops) ?><p class="empty"><?cs var:Lang.admin.shops.none ?></p><?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
