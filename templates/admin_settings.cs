<?cs include:"header.cs" ?>
<script src="/static/js/admin.js" defer></script>
<section class="admin settings">
  <h1><?cs var:Lang.admin.settings.title ?></h1>
  <?cs if:Page.flash ?><p class="flash ok" role="status"><?cs var:Page.flash ?></p><?cs /if ?>
  <?cs if:Page.error ?><p class="flash error" role="alert"><?cs var:Page.error ?></p><?cs /if ?>
  <form method="post" action="/admin/settings" id="settings-form">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <fieldset>
      <legend><?cs var:Lang.admin.settings.error_mail ?></legend>
      <p class="help"><?cs var:Lang.admin.settings.error_mail_help ?></p>
      <label><input type="radio" name="error_mail_enabled" value="1"<?cs if:Page.s.error_mail_enabled == "1" ?> checked<?cs /if ?>> <?cs var:Lang.admin.settings.notify ?></label>
      <label><input type="radio" name="error_mail_enabled" value="0"<?cs if:Page.s.error_mail_enabled != "1" ?> checked<?cs /if ?>> <?cs var:Lang.admin.settings.no_notify ?></label>
      <p><label><?cs var:Lang.admin.settings.mail_to ?><br>
        <textarea name="error_mail_to" rows="2" cols="60" maxlength="1000"><?cs var:Page.s.error_mail_to ?></textarea></label></p>
      <p><label><?cs var:Lang.admin.settings.mail_to_en ?><br>
        <textarea name="error_mail_to_en" id="error-mail-to-en" rows="2" cols="60" maxlength="1000"><?cs var:Page.s.error_mail_to_en ?></textarea></label></p>
      <p><label><?cs var:Lang.admin.settings.expiry_warn_days ?>
        <input name="expiry_warn_days" value="<?cs var:Page.s.expiry_warn_days ?>" inputmode="numeric" size="4"></label></p>
    </fieldset>
    <fieldset>
      <legend><?cs var:Lang.admin.settings.alert ?></legend>
      <p class="help"><?cs var:Lang.admin.settings.alert_help ?></p>
      <label><input type="radio" name="alert_mode" value="off"<?cs if:Page.s.alert_mode == "off" ?> checked<?cs /if ?>> <?cs var:Lang.admin.settings.alert_off ?></label><br>
      <label><input type="radio" name="alert_mode" value="all"<?cs if:Page.s.alert_mode == "all" ?> checked<?cs /if ?>> <?cs var:Lang.admin.settings.alert_all ?></label>
      <label class="threshold"><?cs var:Lang.admin.settings.threshold ?>
        <input name="alert_threshold" id="alert-threshold" value="<?cs var:Page.s.alert_threshold ?>" inputmode="numeric" size="8"></label><br>
      <label><input type="radio" name="alert_mode" value="per_sku"<?cs if:Page.s.alert_mode == "per_sku" ?> checked<?cs /if ?>> <?cs var:Lang.admin.settings.alert_per_sku ?></label>
      <?cs if:Page.s.alert_mode == "per_sku" ?><a href="/admin/alerts" id="alerts-link"><?cs var:Lang.admin.alerts.title ?></a><?cs /if ?>
    </fieldset>
    <fieldset>
      <legend><?cs var:Lang.admin.settings.display ?></legend>
      <p class="help"><?cs var:Lang.admin.settings.display_help ?></p>
      <label><input type="radio" name="show_images" value="1"<?cs if:Page.s.show_images == "1" ?> checked<?cs /if ?>> <?cs var:Lang.admin.settings.show ?></label>
      <label><input type="radio" name="show_images" value="0"<?cs if:Page.s.show_images != "1" ?> checked<?cs /if ?>> <?cs var:Lang.admin.settings.hide ?></label>
    </fieldset>
    <fieldset>
      <legend><?cs var:Lang.admin.settings.smtp ?></legend>
      <p><label><?cs var:Lang.admin.settings.smtp_url ?>
        <input name="smtp_url" value="<?cs var:Page.s.smtp_url ?>" size="40" maxlength="255" placeholder="smtps://smtp.example.jp:465"></label></p>
      <p><label><?cs var:Lang.admin.settings.smtp_user ?>
        <input name="smtp_user" value="<?cs var:Page.s.smtp_user ?>" size="30" maxlength="255" autocomplete="off"></label></p>
      <p><label><?cs var:Lang.admin.settings.smtp_password ?>
        <input type="password" name="smtp_password" value="" size="30" maxlength="255" autocomplete="new-password"
          placeholder="<?cs if:Page.s.smtp_password_set == "1" ?><?cs var:Lang.admin.settings.password_set ?><?cs /if ?>"></label>
        <?cs if:Page.s.smtp_password_set == "1" ?><label><input type="checkbox" name="smtp_password_clear" value="1"> <?cs var:Lang.admin.settings.password_clear ?></label><?cs /if ?></p>
      <p class="help"><?cs var:Lang.admin.settings.password_help ?></p>
      <p><label><?cs var:Lang.admin.settings.mail_from ?>
        <input name="mail_from" value="<?cs var:Page.s.mail_from ?>" size="30" maxlength="254"></label></p>
    </fieldset>
    <p><button type="submit" id="save-settings"><?cs var:Lang.admin.save ?></button></p>
  </form>
  <form method="post" action="/admin/settings/retention" id="retention">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <fieldset>
      <legend><?cs var:Lang.admin.settings.retention ?></legend>
      <p class="help"><?cs var:Lang.admin.settings.retention_help ?></p>
      <table class="retention">
      <?cs each:k = Lang.admin.settings.keep ?>
        <tr><th><label for="<?cs var:name(k) ?>"><?cs var:k ?></label></th>
          <td><input id="<?cs var:name(k) ?>" name="<?cs var:name(k) ?>" value="<?cs var:Page.keep[name(k)] ?>" inputmode="numeric" size="5"> <?cs var:Lang.admin.settings.days ?>
            <small><?cs var:Lang.paren.open ?><?cs var:Page.keep_min[name(k)] ?><?cs var:Lang.admin.settings.days_min ?><?cs var:Lang.paren.close ?></small></td></tr>
      <?cs /each ?>
      </table>
      <p class="help"><?cs var:Lang.admin.settings.retention_note ?></p>
      <p><button type="submit" id="save-retention"><?cs var:Lang.admin.settings.retention_save ?></button></p>
    </fieldset>
  </form>
  <form method="post" action="/admin/settings/test-mail" class="test-mail">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <h2><?cs var:Lang.admin.settings.test_mail ?></h2>
    <p class="help"><?cs var:Lang.admin.settings.test_help ?></p>
    <label><?cs var:Lang.admin.settings.test_to ?> <input name="to" size="30" maxlength="254"></label>
    <button type="submit" id="send-test"><?cs var:Lang.admin.settings.test_send ?></button>
  </form>
  <?cs if:subcount(Page.tests) ?>
  <table class="stock" id="test-mails">
    <thead><tr><th><?cs var:Lang.admin.settings.queued_at ?></th><th><?cs var:Lang.admin.settings.test_to ?></th><th><?cs var:Lang.admin.state ?></th><th><?cs var:Lang.admin.result ?></th></tr></thead>
    <tbody>
    <?cs each:t = Page.tests ?>
      <tr class="mail-<?cs var:t.state ?>"><td><?cs var:t.created ?></td><td data-data><?cs var:t.recipients ?></td>
        <td><?cs if:t.state == "sent" ?><?cs var:Lang.admin.mail_sent ?><?cs var:Lang.paren.open ?><?cs var:t.sent ?><?cs var:Lang.paren.close ?><?cs elif:t.state == "failed" ?><?cs var:Lang.admin.mail_failed ?><?cs else ?><?cs var:Lang.admin.mail_queued ?><?cs /if ?></td>
        <td class="mail-result"<?cs if:!t.result_shown ?> data-data<?cs /if ?>><?cs var:t.result ?></td></tr>
    <?cs /each ?>
    </tbody>
  </table>
  <?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
