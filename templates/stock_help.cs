<?cs include:"header.cs" ?>
<section class="help" aria-labelledby="help-h">
  <h1 id="help-h"><?cs var:Lang.stock.help.title ?></h1>
  <h2 id="help-kind"><?cs var:Lang.stock.kinds[Page.kind] ?></h2>
  <p id="help-text"><?cs var:Lang.stock.help[Page.kind] ?></p>
  <?cs if:User.admin == "1" ?><?cs if:Page.kind == "shop_stopped" ?><p><a href="/admin/shops"><?cs var:Lang.menu.shops ?></a></p><?cs /if ?><?cs else ?><p id="help-staff"><?cs var:Lang.stock.help.ask_admin ?></p><?cs /if ?>
  <p><a href="/"><?cs var:Lang.stock.help.back ?></a></p>
</section>
<?cs include:"footer.cs" ?>
