<?cs include:"header.cs" ?>
<section class="confirm" aria-labelledby="confirm-h">
  <h1 id="confirm-h"><?cs var:Page.title ?></h1>
  <p><?cs var:Page.text ?></p>
  <?cs if:subcount(Page.items) > 0 ?>
  <p id="confirm-n"><?cs var:Page.n_text ?></p>
  <table class="stock">
    <thead><tr><th><?cs var:Lang.stock.errors.shop ?></th><th><?cs var:Lang.stock.list.item ?></th><th><?cs var:Lang.stock.list.sku_col ?></th><th><?cs var:Lang.list.name ?></th></tr></thead>
    <tbody>
    <?cs each:it = Page.items ?><tr><td data-data><?cs var:it.shop ?></td><td class="code"><span data-data><?cs var:it.item ?></span><?cs if:it.sub ?> / <span data-data><?cs var:it.sub ?></span><?cs /if ?></td><td class="code" data-data><?cs var:it.sku ?></td><td data-data><?cs var:it.name ?></td></tr><?cs /each ?>
    </tbody>
  </table>
  <?cs if:Page.more > 0 ?><p id="confirm-more"><?cs var:Page.more_text ?></p><?cs /if ?>
  <?cs elif:?Page.on ?><p id="confirm-n"><?cs var:Page.n_text ?></p><?cs /if ?>
  <form method="post" action="<?cs var:Page.action ?>" class="confirm"<?cs if:Page.job ?> id="sync-all-form" data-job="<?cs var:Page.job ?>"<?cs /if ?>>
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <input type="hidden" name="back" value="<?cs var:Page.back ?>">
    <input type="hidden" name="confirmed" value="1">
    <?cs if:?Page.on ?><input type="hidden" name="on" value="<?cs var:Page.on ?>"><?cs /if ?>
    <?cs if:Page.job ?><input type="hidden" name="job" value="<?cs var:Page.job ?>"><?cs /if ?>
    <?cs each:s = Page.skus ?><input type="hidden" name="sku" value="<?cs var:s ?>"><?cs /each ?>
    <?cs each:l = Page.listings ?><input type="hidden" name="listing" value="<?cs var:l ?>"><?cs /each ?>
    <button type="submit" id="confirm-yes" class="danger" autofocus><?cs var:Page.yes ?></button>
    <a href="/?<?cs var:Page.back ?>" id="confirm-cancel"><?cs var:Lang.stock.confirm.cancel ?></a>
  </form>
  <?cs if:Page.job ?>
  <div class="progress" id="sync-progress" hidden>
    <label for="sync-progress-bar"><?cs var:Lang.stock.confirm.sync_progress ?></label>
    <progress id="sync-progress-bar" max="100" value="0"></progress>
    <span id="sync-progress-text" aria-live="polite"></span>
  </div>
  <?cs /if ?>
</section>
<script src="/static/js/stock.js" defer></script>
<?cs include:"footer.cs" ?>
