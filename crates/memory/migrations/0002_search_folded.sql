-- Conversation search matches regardless of case and Unicode width ("ＥＣ２" finds "EC2").
-- SQLite's lower() folds ASCII only, so the folded text (NFKC, then lowercase) is computed
-- in Rust and kept beside what it folds. Rows written before this migration are filled in
-- by `MemoryStore::open` (search_fold.rs).
ALTER TABLE sessions ADD COLUMN title_folded TEXT;
ALTER TABLE events ADD COLUMN text_folded TEXT;
