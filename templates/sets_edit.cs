<?cs include:"header.cs" ?>
<script src="/static/js/admin.js" defer></script>
<section class="sets">
  <h1><?cs var:Lang.sets.title ?></h1>
  <?cs if:Page.flash ?><p class="flash ok" role="status"><?cs var:Page.flash ?></p><?cs /if ?>
  <?cs if:Page.error ?><p class="flash error" role="alert" id="set-error"><?cs var:Page.error ?></p><?cs /if ?>
  <form method="post" action="/sets/save" id="set-form" class="set-form">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <input type="hidden" name="original" value="<?cs var:Page.form.original ?>">
    <h2><?cs if:Page.form.original ?><?cs var:Lang.sets.edit ?><?cs else ?><?cs var:Lang.sets.new ?><?cs /if ?></h2>
    <p>
      <label><?cs var:Lang.sets.code ?>
        <input name="set_code" id="set-code" value="<?cs var:Page.form.code ?>" maxlength="128" required<?cs if:Page.form.original ?> readonly<?cs /if ?>></label>
      <label><?cs var:Lang.sets.name ?>
        <input name="set_name" value="<?cs var:Page.form.name ?>" maxlength="255"></label>
    </p>
    <table class="stock parts" id="parts">
      <thead><tr><th><?cs var:Lang.sets.part_code ?></th><th><?cs var:Lang.sets.qty ?></th><th><?cs var:Lang.sets.part_name ?></th><th><?cs var:Lang.sets.part_available ?></th></tr></thead>
      <tbody>
      <?cs each:p = Page.parts ?>
        <tr class="part">
          <td><input name="part_code" value="<?cs var:p.code ?>" maxlength="128" aria-label="<?cs var:Lang.sets.part_code ?>"></td>
          <td><input name="part_qty" value="<?cs var:p.qty ?>" inputmode="numeric" size="6" aria-label="<?cs var:Lang.sets.qty ?>"></td>
          <td class="part-name" data-data><?cs var:p.name ?></td>
          <td class="num part-available"><?cs var:p.available ?></td>
        </tr>
      <?cs /each ?>
      </tbody>
    </table>
    <p><button type="button" id="add-part" hidden><?cs var:Lang.sets.add_part ?></button></p>
    <p class="available"><?cs var:Lang.sets.available ?>: <strong id="set-available"><?cs var:Page.form.available ?></strong>
      <span id="set-check" class="check" role="status" aria-live="polite"></span></p>
    <p><button type="submit"><?cs var:Lang.sets.save ?></button>
      <?cs if:Page.form.original ?><a href="/sets/edit"><?cs var:Lang.sets.new ?></a><?cs /if ?></p>
  </form>
  <?cs if:Page.form.original ?>
  <form method="post" action="/sets/delete" data-confirm="<?cs var:Lang.sets.delete_confirm ?>">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <input type="hidden" name="set_code" value="<?cs var:Page.form.original ?>">
    <button type="submit" class="danger"><?cs var:Lang.sets.delete ?></button>
  </form>
  <?cs /if ?>

  <h2><?cs var:Lang.sets.list ?></h2>
  <table class="stock" id="set-list">
    <thead><tr><th><?cs var:Lang.sets.code ?></th><th><?cs var:Lang.sets.name ?></th><th><?cs var:Lang.sets.parts ?></th><th><?cs var:Lang.sets.available ?></th><th></th></tr></thead>
    <tbody>
    <?cs each:s = Page.sets ?>
      <tr>
        <td class="code" data-data><?cs var:s.code ?></td>
        <td data-data><?cs var:s.name ?></td>
        <td data-data><?cs var:s.parts ?></td>
        <td class="num"><?cs var:s.available ?></td>
        <td><a href="/sets/edit?code=<?cs var:url_escape(s.code) ?>"><?cs var:Lang.sets.edit_link ?></a></td>
      </tr>
    <?cs /each ?>
    </tbody>
  </table>
  <?cs if:!subcount(Page.sets) ?><p class="empty"><?cs var:Lang.sets.empty ?></p><?cs /if ?>
  <?cs if:Page.next_after ?><nav class="pager"><a rel="next" href="/sets/edit?after=<?cs var:url_escape(Page.next_after) ?>"><?cs var:Lang.list.next ?></a></nav><?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
