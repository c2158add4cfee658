<?cs include:"header.cs" ?>
<section class="message error" role="alert">
  <h1><?cs var:Page.title ?></h1>
  <p><?cs var:Page.error ?></p>
  <p><a href="/"><?cs var:Lang.error.back ?></a></p>
</section>
<?cs include:"footer.cs" ?>
