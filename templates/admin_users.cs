<?cs include:"header.cs" ?>
<section class="admin users">
  <h1><?cs var:Lang.admin.users.title ?></h1>
  <?cs if:Page.flash ?><p class="flash ok" role="status"><?cs var:Page.flash ?></p><?cs /if ?>
  <?cs if:Page.error ?><p class="flash error" role="alert"><?cs var:Page.error ?></p><?cs /if ?>
  <table class="stock" id="users">
    <thead><tr><th><?cs var:Lang.login.id ?></th><th><?cs var:Lang.admin.users.role ?></th><th><?cs var:Lang.admin.users.lang ?> / <?cs var:Lang.admin.users.state ?></th><th><?cs var:Lang.admin.users.created ?></th><th><?cs var:Lang.admin.users.reset ?></th></tr></thead>
    <tbody>
    <?cs each:u = Page.users ?>
      <tr data-login="<?cs var:u.login ?>">
        <td class="code"><span data-data><?cs var:u.login ?></span><?cs if:u.id == Page.me ?><?cs var:Lang.paren.open ?><?cs var:Lang.admin.users.me ?><?cs var:Lang.paren.close ?><?cs /if ?></td>
        <td colspan="2"><form method="post" action="/admin/users/update" class="inline">
          <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
          <input type="hidden" name="id" value="<?cs var:u.id ?>">
          <select name="role" aria-label="<?cs var:Lang.admin.users.role ?>">
            <option value="admin"<?cs if:u.role == "admin" ?> selected<?cs /if ?>><?cs var:Lang.admin.users.admin ?></option>
            <option value="staff"<?cs if:u.role == "staff" ?> selected<?cs /if ?>><?cs var:Lang.admin.users.staff ?></option>
          </select>
          <select name="lang" aria-label="<?cs var:Lang.admin.users.lang ?>">
            <option value="ja" lang="ja"<?cs if:u.lang != "en" ?> selected<?cs /if ?>><?cs var:Lang.langs.ja ?></option>
            <option value="en" lang="en"<?cs if:u.lang == "en" ?> selected<?cs /if ?>><?cs var:Lang.langs.en ?></option>
          </select>
          <label><input type="checkbox" name="disabled" value="1"<?cs if:u.disabled == "1" ?> checked<?cs /if ?>> <?cs var:Lang.admin.users.disabled ?></label>
          <button type="submit"><?cs var:Lang.admin.users.change ?></button></form></td>
        <td><?cs var:u.created ?></td>
        <td><form method="post" action="/admin/users/password" class="inline">
          <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
          <input type="hidden" name="id" value="<?cs var:u.id ?>">
          <input type="password" name="password" autocomplete="new-password" minlength="<?cs var:Page.min_password ?>" maxlength="200" required aria-label="<?cs var:Lang.admin.users.new_password ?>">
          <button type="submit"><?cs var:Lang.admin.users.reset ?></button></form></td>
      </tr>
    <?cs /each ?>
    </tbody>
  </table>
  <h2><?cs var:Lang.admin.users.add ?></h2>
  <form method="post" action="/admin/users/add" id="user-add">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <label><?cs var:Lang.login.id ?> <input name="login" value="<?cs var:Page.form.login ?>" maxlength="64" required autocomplete="off"></label>
    <label><?cs var:Lang.login.password ?> <input type="password" name="password" minlength="<?cs var:Page.min_password ?>" maxlength="200" required autocomplete="new-password"></label>
    <select name="role" aria-label="<?cs var:Lang.admin.users.role ?>">
      <option value="staff"><?cs var:Lang.admin.users.staff ?></option>
      <option value="admin"><?cs var:Lang.admin.users.admin ?></option>
    </select>
    <button type="submit"><?cs var:Lang.admin.users.add ?></button>
    <p class="help"><?cs var:Lang.admin.users.help ?></p>
  </form>
</section>
<?cs include:"footer.cs" ?>
