<?cs include:"header.cs" ?>
<section class="help" aria-labelledby="help-h">
  <h1 id="help-h"><?cs var:Lang.stock.help.title ?></h1>
  <p id="help-text"><?cs var:Lang.stock.help[Page.kind] ?></p>
  <p><a href="/"><?cs var:Lang.stock.help.back ?></a></p>
</section>
<?cs include:"footer.cs" ?>
