<?cs include:"header.cs" ?>
<section class="sets-import">
  <h1><?cs var:Lang.sets.import_title ?></h1>
  <?cs if:Page.applied ?>
    <p class="flash ok" role="status"><?cs var:Lang.sets.import_done ?></p>
  <?cs /if ?>
  <?cs if:Page.refused ?>
    <div class="flash error" role="alert">
      <p><?cs var:Lang.sets.import_refused ?></p>
      <ul class="errors"><?cs each:e = Page.errors ?><li><?cs var:e ?></li><?cs /each ?></ul>
      <?cs if:Page.errors_dropped ?><p><?cs var:Lang.sets.more_errors ?> <?cs var:Page.errors_dropped ?></p><?cs /if ?>
    </div>
  <?cs /if ?>
  <?cs if:Page.preview || Page.applied ?>
    <p><?cs var:Lang.sets.file ?>: <span data-data><?cs var:Page.filename ?></span><?cs var:Lang.paren.open ?><?cs var:Page.encoding ?><?cs var:Lang.paren.close ?></p>
    <p class="summary"><?cs var:Lang.sets.created ?> <strong id="n-created"><?cs var:Page.count.created ?></strong> /
      <?cs var:Lang.sets.changed ?> <strong id="n-changed"><?cs var:Page.count.changed ?></strong> /
      <?cs var:Lang.sets.unchanged ?> <strong id="n-unchanged"><?cs var:Page.count.unchanged ?></strong> /
      <?cs var:Lang.sets.deleted ?> <strong id="n-deleted"><?cs var:Page.count.deleted ?></strong></p>
    <table class="stock" id="preview">
      <thead><tr><th><?cs var:Lang.sets.action ?></th><th><?cs var:Lang.sets.code ?></th><th><?cs var:Lang.sets.name ?></th><th><?cs var:Lang.sets.parts ?></th><th><?cs var:Lang.sets.available ?></th></tr></thead>
      <tbody>
      <?cs each:row = Page.rows ?>
        <tr><td><?cs var:row.action ?></td><td class="code" data-data><?cs var:row.code ?></td><td data-data><?cs var:row.name ?></td><td data-data><?cs var:row.parts ?></td><td class="num"><?cs var:row.available ?></td></tr>
      <?cs /each ?>
      </tbody>
    </table>
  <?cs /if ?>
  <?cs if:Page.preview ?>
    <form method="post" action="/sets/import/apply">
      <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
      <input type="hidden" name="job" value="<?cs var:Page.job ?>">
      <p><?cs var:Lang.sets.apply_note ?></p>
      <button type="submit" id="apply"><?cs var:Lang.sets.apply ?></button>
      <a href="/sets/import"><?cs var:Lang.sets.cancel ?></a>
    </form>
  <?cs else ?>
    <form method="post" action="/sets/import" enctype="multipart/form-data">
      <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
      <p><?cs var:Lang.sets.import_help ?></p>
      <p><?cs var:Lang.sets.format_note ?></p>
      <pre class="format" data-data><?cs var:Lang.sets.format_header ?></pre>
      <p><label><?cs var:Lang.sets.file ?> <input type="file" name="file" accept=".csv,text/csv" required></label></p>
      <button type="submit"><?cs var:Lang.sets.preview ?></button>
    </form>
  <?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
