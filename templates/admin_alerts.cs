<?cs include:"header.cs" ?>
<section class="admin alerts">
  <h1><?cs var:Lang.admin.alerts.title ?></h1>
  <?cs if:Page.flash ?><p class="flash ok" role="status"><?cs var:Page.flash ?></p><?cs /if ?>
  <?cs if:Page.error ?><p class="flash error" role="alert"><?cs var:Page.error ?></p><?cs /if ?>
  <?cs if:Page.mode != "per_sku" ?><p class="flash error"><?cs var:Lang.admin.alerts.mode_note ?> <a href="/admin/settings"><?cs var:Lang.admin.settings.title ?></a></p><?cs /if ?>
  <p class="help"><?cs var:Lang.admin.alerts.help ?></p>
  <form method="get" action="/admin/alerts">
    <label><?cs var:Lang.admin.alerts.search ?> <input name="q" value="<?cs var:Page.q ?>" maxlength="128"></label>
    <button type="submit"><?cs var:Lang.admin.alerts.search_button ?></button>
  </form>
  <table class="stock" id="alerts">
    <thead><tr><th>SKU</th><th><?cs var:Lang.list.name ?></th><th><?cs var:Lang.list.total ?></th><th><?cs var:Lang.admin.alerts.threshold ?></th></tr></thead>
    <tbody>
    <?cs each:row = Page.rows ?>
      <tr<?cs if:row.below == "1" ?> class="below"<?cs /if ?>>
        <td class="code" data-data><?cs var:row.code ?></td><td data-data><?cs var:row.name ?></td><td class="num"><?cs var:row.total ?></td>
        <td><form method="post" action="/admin/alerts" class="inline">
          <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
          <input type="hidden" name="code" value="<?cs var:row.code ?>">
          <input name="threshold" value="<?cs var:row.threshold ?>" inputmode="numeric" size="8" aria-label="<?cs var:Lang.admin.alerts.threshold ?>">
          <button type="submit"><?cs var:Lang.admin.save ?></button></form></td>
      </tr>
    <?cs /each ?>
    </tbody>
  </table>
  <?cs if:Page.next_after ?><nav class="pager"><a rel="next" href="/admin/alerts?q=<?cs var:url_escape(Page.q) ?>&amp;after=<?cs var:url_escape(Page.next_after) ?>"><?cs var:Lang.list.next ?></a></nav><?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
