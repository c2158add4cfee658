<?cs include:"header.cs" ?>
<section class="sets-export">
  <h1><?cs var:Lang.sets.export_title ?></h1>
  <p><?cs var:Lang.sets.export_count ?>: <strong><?cs var:Page.count ?></strong></p>
  <p><?cs var:Lang.sets.export_help ?></p>
  <ul>
    <li><a id="export-cp932" href="/sets/export/download?enc=cp932"><?cs var:Lang.sets.export_cp932 ?></a></li>
    <li><a id="export-utf8" href="/sets/export/download?enc=utf8"><?cs var:Lang.sets.export_utf8 ?></a></li>
  </ul>
</section>
<?cs include:"footer.cs" ?>
