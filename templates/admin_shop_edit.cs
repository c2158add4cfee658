<?cs include:"header.cs" ?>
<script src="/static/js/admin.js" defer></script>
<section class="admin shop-edit">
  <h1><?cs var:Lang.admin.shops.title ?>: <?cs if:Page.shop.id ?><span data-data><?cs var:Page.shop.name ?></span><?cs else ?><?cs var:Lang.admin.shops.add ?><?cs /if ?></h1>
  <?cs if:Page.error ?><p class="flash error" role="alert"><?cs var:Page.error ?></p><?cs /if ?>
  <?cs if:Page.creds_unreadable ?><p class="flash error"><?cs var:Lang.admin.shops.unreadable ?></p><?cs /if ?>
  <form method="post" action="/admin/shops/save" id="shop-form">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <?cs if:Page.shop.id ?><input type="hidden" name="id" value="<?cs var:Page.shop.id ?>"><?cs /if ?>
    <p><label><?cs var:Lang.admin.shops.name ?> <input name="name" value="<?cs var:Page.shop.name ?>" maxlength="100" required></label></p>
    <p><label><?cs var:Lang.admin.shops.mall ?>
      <select name="mall" id="shop-mall">
        <?cs each:m = Lang.admin.malls ?>
        <?cs if:!Page.shop.id || Page.shop.mall == name(m) ?><option data-data value="<?cs var:name(m) ?>"<?cs if:Page.shop.mall == name(m) ?> selected<?cs /if ?>><?cs var:m ?></option><?cs /if ?>
        <?cs /each ?>
      </select></label></p>
    <p><label><input type="checkbox" name="is_base" value="1"<?cs if:Page.shop.is_base == "1" ?> checked<?cs /if ?>> <?cs var:Lang.admin.shops.base_help ?></label></p>
    <p><label><input type="checkbox" name="enabled" value="1"<?cs if:Page.shop.enabled == "1" ?> checked<?cs /if ?>> <?cs var:Lang.admin.shops.enabled_help ?></label></p>
    <p><label><?cs var:Lang.admin.shops.alloc_rate ?> <input type="number" name="alloc_rate" id="alloc-rate" value="<?cs var:Page.shop.alloc_rate ?>" min="0" max="100" size="4"> %</label>
      <span class="help"><?cs var:Lang.admin.shops.alloc_rate_help ?></span></p>
    <p><label><?cs var:Lang.admin.shops.api_base ?> <input name="api_base" value="<?cs var:Page.shop.api_base ?>" size="50" maxlength="255" placeholder="https://"></label></p>
    <p><label><?cs var:Lang.admin.shops.token_expires ?> <input name="credentials_expire_at" value="<?cs var:Page.shop.credentials_expire_at ?>" size="16" maxlength="16" placeholder="2026-12-31 23:59"></label>
      <span class="help"><?cs var:Lang.admin.shops.token_help ?></span></p>
    <?cs if:Page.shop.token_expires_at ?><p><?cs var:Lang.admin.shops.access_token ?>: <span id="access-token-expires"><?cs var:Page.shop.token_expires_at ?></span></p><?cs /if ?>
    <fieldset>
      <legend><?cs var:Lang.admin.shops.credentials ?></legend>
      <p class="help"><?cs var:Lang.admin.shops.cred_help ?></p>
      <?cs each:in = Page.inputs ?>
      <p class="mall-input" data-mall="<?cs var:in.mall ?>"><label><span class="mall-tag" data-data>[<?cs var:Lang.admin.malls[in.mall] ?>]</span> <?cs var:in.label ?><br>
        <?cs if:in.secret == "1" ?>
          <?cs if:in.multiline == "1" ?><textarea name="<?cs var:in.field ?>" rows="4" cols="60" autocomplete="off"></textarea>
          <?cs else ?><input type="password" name="<?cs var:in.field ?>" value="" size="40" autocomplete="new-password"><?cs /if ?>
          <span class="stored"><?cs if:in.stored == "1" ?><?cs var:Lang.admin.shops.stored ?><?cs else ?><?cs var:Lang.admin.shops.not_stored ?><?cs /if ?></span>
        <?cs else ?>
          <input name="<?cs var:in.field ?>" value="<?cs var:in.value ?>" size="30">
        <?cs /if ?></label>
        <?cs if:in.help ?><br><span class="help" data-mall-words><?cs var:in.help ?></span><?cs /if ?></p>
      <?cs /each ?>
    </fieldset>
    <fieldset>
      <legend><?cs var:Lang.admin.shops.options_json ?></legend>
      <p class="help"><?cs var:Lang.admin.shops.options_help ?></p>
      <textarea name="options_json" id="options-json" rows="8" cols="70"><?cs var:Page.shop.options_json ?></textarea>
    </fieldset>
    <p><button type="submit" id="save-shop"><?cs var:Lang.admin.save ?></button> <a href="/admin/shops"><?cs var:Lang.error.back ?></a></p>
  </form>
  <?cs if:Page.shop.id ?>
  <form method="post" action="/admin/shops/delete" id="shop-delete" class="danger">
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <input type="hidden" name="id" value="<?cs var:Page.shop.id ?>">
    <h2><?cs var:Lang.admin.shops.delete ?></h2>
    <p class="help"><?cs var:Lang.admin.shops.delete_help ?></p>
    <p><label><?cs var:Lang.admin.shops.delete_confirm ?> <input name="confirm_name" value="" size="30" autocomplete="off"></label>
      <button type="submit" id="delete-shop"><?cs var:Lang.admin.shops.delete ?></button></p>
  </form>
  <?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
