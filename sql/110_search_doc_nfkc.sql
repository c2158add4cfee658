-- Search documents are now normalised with Unicode NFKC and case folding (ICU), katakana as
-- hiragana, every dash and the long vowel mark as '-' (cgi-bin/stock/search.c). Forgetting
-- the version makes `zaiko-batch migrate` rebuild every stored document right after the
-- migrations (search_docs_upgrade), so stored documents and typed terms are normalised alike.
-- Online: SKUs are read 1,000 at a time without locks, and the changed documents written 100
-- to an UPDATE, each its own transaction (stock_refresh_all_docs); orders go on meanwhile.
DELETE FROM setting WHERE name = 'search_doc_version';
