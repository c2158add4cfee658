-- Search documents are now normalised with Unicode NFKC and case folding (ICU), katakana as
-- hiragana, every dash and the long vowel mark as '-' (cgi-bin/stock/search.c). Forgetting
-- the version makes `zaiko-batch migrate` rebuild every stored document right after the
-- migrations (search_docs_upgrade), in chunks of 1000 SKUs, so stored documents and typed
-- terms are normalised alike.
DELETE FROM setting WHERE name = 'search_doc_version';
