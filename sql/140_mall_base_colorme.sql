-- BASE and カラーミーショップ shops (cgi-bin/mall/base.c, colorme.c).
ALTER TABLE shop MODIFY mall ENUM('yahoo','rakuten','amazon','shopify','base','colorme') NOT NULL,
  ALGORITHM=INSTANT, LOCK=NONE;
