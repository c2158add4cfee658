<?cs include:"header.cs" ?>
<section class="login">
  <h1><?cs var:Lang.login.title ?></h1>
  <?cs if:Page.error ?><p class="flash error" role="alert"><?cs var:Page.error ?></p><?cs /if ?>
  <form method="post" action="/login">
    <input type="hidden" name="csrf" value="<?cs var:Page.prelogin ?>">
    <input type="hidden" name="next" value="<?cs var:Page.next ?>">
    <label><?cs var:Lang.login.id ?>
      <input name="login" value="<?cs var:Page.login ?>" autocomplete="username" required maxlength="64" autofocus></label>
    <label><?cs var:Lang.login.password ?>
      <input name="password" type="password" autocomplete="current-password" required maxlength="200"></label>
    <button type="submit"><?cs var:Lang.login.submit ?></button>
  </form>
</section>
<?cs include:"footer.cs" ?>
