-- The keyword search index: every gram of each SKU's search document (sku.search_doc), a
-- gram being two characters at each position of the document (the last character alone at
-- its end). A term of two characters or more is found in a document only if all its bigrams
-- are; a one-character term only if some gram starts with it. The search intersects the
-- postings of a term's rarest grams and then checks the candidates with the same LIKE the scan
-- uses, so its results are the scan's (cgi-bin/stock/search.c, search_where_skus).
--
-- The triggers keep the grams in the transaction that writes the document, whatever writes it
-- (the stock core, 商品データ取込, セット商品, `zaiko-batch recompute` and `migrate`, or plain SQL).
-- Grams are taken by the server from the stored bytes read as utf8mb4 (seq_1_to_3000 is the
-- SEQUENCE engine, built into MariaDB; a document holds at most 3000 bytes). Extra postings
-- (a TRUNCATE, a failed delete) only add candidates the LIKE then drops.
--
-- The table starts empty: `zaiko-batch migrate` fills it for existing documents in chunks
-- (search_index_build) and then sets setting search_index = 'built'; until then the screen
-- scans as before. Setting it to 'off' makes the screen scan (the triggers keep running).
--
-- db_migrate ends a statement at a line ending with ';', so the semicolons inside the trigger
-- bodies start the next line.
CREATE TABLE IF NOT EXISTS search_gram (
  gram VARBINARY(8) NOT NULL,
  sku_id INT NOT NULL,
  PRIMARY KEY (gram, sku_id)
) ENGINE=InnoDB;

DROP TRIGGER IF EXISTS sku_search_gram_insert;
CREATE TRIGGER sku_search_gram_insert AFTER INSERT ON sku FOR EACH ROW
  INSERT IGNORE INTO search_gram (gram, sku_id)
  SELECT DISTINCT CAST(SUBSTRING(CONVERT(NEW.search_doc USING utf8mb4), q.seq, 2) AS BINARY),
         NEW.id
  FROM seq_1_to_3000 q WHERE q.seq <= CHAR_LENGTH(CONVERT(NEW.search_doc USING utf8mb4));

DROP TRIGGER IF EXISTS sku_search_gram_update;
CREATE TRIGGER sku_search_gram_update AFTER UPDATE ON sku FOR EACH ROW
BEGIN
  IF NEW.search_doc <> OLD.search_doc OR NEW.id <> OLD.id THEN
    DELETE g FROM
      (SELECT DISTINCT CAST(SUBSTRING(CONVERT(OLD.search_doc USING utf8mb4), q.seq, 2) AS BINARY)
              AS gram
       FROM seq_1_to_3000 q WHERE q.seq <= CHAR_LENGTH(CONVERT(OLD.search_doc USING utf8mb4))) o
      STRAIGHT_JOIN search_gram g ON g.gram = o.gram AND g.sku_id = OLD.id
    ; INSERT IGNORE INTO search_gram (gram, sku_id)
      SELECT DISTINCT CAST(SUBSTRING(CONVERT(NEW.search_doc USING utf8mb4), q.seq, 2) AS BINARY),
             NEW.id
      FROM seq_1_to_3000 q WHERE q.seq <= CHAR_LENGTH(CONVERT(NEW.search_doc USING utf8mb4))
    ; END IF
  ; END;

DROP TRIGGER IF EXISTS sku_search_gram_delete;
CREATE TRIGGER sku_search_gram_delete AFTER DELETE ON sku FOR EACH ROW
  DELETE g FROM
    (SELECT DISTINCT CAST(SUBSTRING(CONVERT(OLD.search_doc USING utf8mb4), q.seq, 2) AS BINARY)
            AS gram
     FROM seq_1_to_3000 q WHERE q.seq <= CHAR_LENGTH(CONVERT(OLD.search_doc USING utf8mb4))) o
    STRAIGHT_JOIN search_gram g ON g.gram = o.gram AND g.sku_id = OLD.id;

DELETE FROM setting WHERE name = 'search_index' AND value <> 'off';
