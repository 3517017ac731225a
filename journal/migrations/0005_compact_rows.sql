-- Schema 5: the link rows of the JSON form are rewritten in the compact
-- form (schema 4) when the journal is opened for a sync, by Go code that
-- runs in this migration's transaction (compactRows in compact.go): each
-- row whose JSON the compact form gives back byte for byte gets its
-- compact base and base_sum and keeps its base_sha256, so the hash its
-- cycle recorded still verifies (Verify rebuilds the JSON from the compact
-- base). Rows of schema 1, whose JSON also held pending work, stay as they
-- are until a cycle rewrites them.
UPDATE links SET base_sha256 = base_sha256 WHERE 0;
