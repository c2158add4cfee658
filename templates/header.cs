<!doctype html>
<html lang="<?cs if:Req.lang == "en" ?>en<?cs else ?>ja<?cs /if ?>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs var:Page.title ?> | <?cs var:Lang.app ?></title>
<link rel="stylesheet" href="/static/css/zaiko.css">
<script src="/static/js/zaiko.js" defer></script>
</head>
<body>
<span hidden id="js-words" data-set-check-failed="<?cs var:Lang.js.set_check_failed ?>" data-unregistered="<?cs var:Lang.js.unregistered ?>" data-expired="<?cs var:Lang.js.expired ?>" data-remaining="<?cs var:Lang.js.remaining ?>" data-apply-failed="<?cs var:Lang.js.apply_failed ?>" data-sync-failed="<?cs var:Lang.js.sync_failed ?>" data-sync-finishing="<?cs var:Lang.js.sync_finishing ?>" data-none="<?cs var:Lang.js.none ?>"></span>
<a class="skip-link" href="#main"><?cs var:Lang.menu.skip ?></a>
<header class="top">
  <a class="brand" href="/"><?cs var:Lang.app ?></a>
  <?cs if:User.login ?>
  <nav class="menu" aria-label="<?cs var:Lang.menu.label ?>">
    <ul>
      <li><a href="/"><?cs var:Lang.menu.stock ?></a></li>
      <li class="group"><button type="button" class="menu-toggle" aria-expanded="false" aria-controls="menu-sets" id="menu-sets-button"><?cs var:Lang.menu.sets ?></button>
        <ul id="menu-sets">
          <li><a href="/sets/edit"><?cs var:Lang.menu.set_edit ?></a></li>
          <li><a href="/sets/import"><?cs var:Lang.menu.set_import ?></a></li>
          <li><a href="/sets/export"><?cs var:Lang.menu.set_export ?></a></li>
        </ul>
      </li>
      <?cs if:User.admin == "1" ?>
      <li class="group"><button type="button" class="menu-toggle" aria-expanded="false" aria-controls="menu-admin" id="menu-admin-button"><?cs var:Lang.menu.admin ?></button>
        <ul id="menu-admin">
          <li><a href="/admin/settings"><?cs var:Lang.menu.settings ?></a></li>
          <?cs if:Menu.alerts == "1" ?><li><a href="/admin/alerts" id="menu-alerts"><?cs var:Lang.admin.alerts.title ?></a></li><?cs /if ?>
          <li><a href="/admin/shops"><?cs var:Lang.menu.shops ?></a></li>
          <li><a href="/admin/errors"><?cs var:Lang.menu.errors_delete ?></a></li>
          <li><a href="/admin/initial-fetch"><?cs var:Lang.menu.initial_fetch ?></a></li>
          <li><a href="/admin/users"><?cs var:Lang.menu.users ?></a></li>
        </ul>
      </li>
      <?cs /if ?>
    </ul>
  </nav>
  <form class="logout" method="post" action="/logout">
    <span class="who" data-data><?cs var:User.login ?></span>
    <input type="hidden" name="csrf" value="<?cs var:Csrf ?>">
    <button type="submit"><?cs var:Lang.menu.logout ?></button>
  </form>
  <?cs /if ?>
  <?cs if:User.login || Page.prelogin ?>
  <form class="lang" method="post" action="/lang" id="lang-form">
    <input type="hidden" name="csrf" value="<?cs if:User.login ?><?cs var:Csrf ?><?cs else ?><?cs var:Page.prelogin ?><?cs /if ?>">
    <input type="hidden" name="next" value="<?cs var:Req.here ?>">
    <label for="lang-select"><?cs var:Lang.menu.lang ?></label>
    <select name="lang" id="lang-select">
      <option value="ja" lang="ja"<?cs if:Req.lang != "en" ?> selected<?cs /if ?>><?cs var:Lang.langs.ja ?></option>
      <option value="en" lang="en"<?cs if:Req.lang == "en" ?> selected<?cs /if ?>><?cs var:Lang.langs.en ?></option>
    </select>
    <button type="submit" id="lang-submit"><?cs var:Lang.menu.lang_submit ?></button>
  </form>
  <?cs /if ?>
</header>
<main id="main" tabindex="-1">
