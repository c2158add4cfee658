<?cs include:"header.cs" ?>
<section class="admin errors">
  <h1><?cs var:Lang.admin.errors.title ?></h1>
  <?cs if:Page.flash ?><p class="flash ok" role="status"><?cs var:Page.flash ?></p><?cs /if ?>
  <p class="help"><?cs var:Lang.admin.errors.help ?></p>
  <p><?cs var:Lang.admin.errors.total ?>: <strong id="error-total"><?cs var:Page.total ?></strong></p>
  <?cs if:Page.total > 0 ?>
  <table class="stock" id="error-kinds">
    <thead><tr><th><?cs var:Lang.admin.errors.kind ?></th><th><?cs var:Lang.admin.errors.count ?></th><th><?cs var:Lang.admin.errors.last ?></th><th><?cs var:Lang.admin.errors.example ?></th><th></th></tr></thead>
    <tbody>
    <?cs each:k = Page.kinds ?>
      <tr><td class="kind"><?cs if:Lang.stock.kinds[k.kind] ?><?cs var:Lang.stock.kinds[k.kind] ?><?cs else ?><?cs var:Lang.stock.kinds.other ?><?cs /if ?></td><td class="num"><?cs var:k.n ?></td><td><?cs var:k.last ?></td><td><span data-data><?cs var:k.example ?></span> <a href="/stock/help?kind=<?cs var:k.help ?>"><?cs var:Lang.stock.errors.howto ?></a></td>
        <td><form method="post" action="/admin/errors/delete" data-confirm="<?cs var:Lang.admin.errors.confirm_kind ?>">
          <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
          <input type="hidden" name="kind" value="<?cs var:k.kind ?>">
          <label><input type="checkbox" name="confirm" value="1" required> <?cs var:Lang.admin.errors.check ?></label>
          <button type="submit"><?cs var:Lang.admin.errors.delete_kind ?></button></form></td></tr>
    <?cs /each ?>
    </tbody>
  </table>
  <form method="post" action="/admin/errors/delete" data-confirm="<?cs var:Lang.admin.errors.confirm_all ?>" id="delete-all">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <label><input type="checkbox" name="confirm" value="1" required> <?cs var:Lang.admin.errors.check ?></label>
    <button type="submit" class="danger"><?cs var:Lang.admin.errors.delete_all ?></button>
  </form>
  <?cs else ?>
  <p class="empty"><?cs var:Lang.admin.errors.none ?></p>
  <?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
