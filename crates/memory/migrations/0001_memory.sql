-- AgentDesk Memory, schema 1: the AgentCore Memory model in SQLite.
-- Times are milliseconds since the Unix epoch (UTC). `seq` columns order rows: event
-- timestamps can tie, sequence numbers cannot.

CREATE TABLE memories (
    memory_id         TEXT PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    description       TEXT NOT NULL DEFAULT '',
    event_expiry_days INTEGER NOT NULL CHECK (event_expiry_days BETWEEN 3 AND 365),
    created_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE strategies (
    memory_id            TEXT NOT NULL REFERENCES memories (memory_id) ON DELETE CASCADE,
    strategy_id          TEXT NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('userPreference', 'semantic', 'summary', 'custom')),
    name                 TEXT NOT NULL,
    namespace_template   TEXT NOT NULL,
    extraction_prompt    TEXT,
    consolidation_prompt TEXT,
    PRIMARY KEY (memory_id, strategy_id)
) STRICT;

CREATE TABLE sessions (
    memory_id      TEXT NOT NULL REFERENCES memories (memory_id) ON DELETE CASCADE,
    actor_id       TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    title          TEXT,
    created_at     INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL,
    PRIMARY KEY (memory_id, actor_id, session_id)
) STRICT;
CREATE INDEX sessions_by_activity ON sessions (memory_id, last_active_at DESC);

CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL UNIQUE,
    memory_id     TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    branch        TEXT,
    timestamp     INTEGER NOT NULL,
    payload       TEXT NOT NULL,
    metadata      TEXT,
    -- Whether the payload holds a USER message: turns are counted without parsing JSON.
    user_turn     INTEGER NOT NULL DEFAULT 0,
    expires_at    INTEGER NOT NULL,
    FOREIGN KEY (memory_id, actor_id, session_id)
        REFERENCES sessions (memory_id, actor_id, session_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX events_by_session ON events (memory_id, actor_id, session_id, seq);
CREATE INDEX events_by_expiry ON events (expires_at);

-- A branch forks a session's conversation at an event (AgentCore's `branch.rootEventId`);
-- the main branch has no row.
CREATE TABLE branches (
    memory_id     TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    name          TEXT NOT NULL,
    root_event_id TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (memory_id, actor_id, session_id, name),
    FOREIGN KEY (memory_id, actor_id, session_id)
        REFERENCES sessions (memory_id, actor_id, session_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE records (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id       TEXT NOT NULL UNIQUE,
    memory_id       TEXT NOT NULL REFERENCES memories (memory_id) ON DELETE CASCADE,
    strategy_id     TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    session_id      TEXT,
    namespace       TEXT NOT NULL,
    text            TEXT NOT NULL,
    -- The text's two-character words (Japanese bigrams, `s3`), space-separated: trigrams
    -- cannot match them, so a second index does. Written by the store with `text`.
    short_words     TEXT NOT NULL DEFAULT '',
    -- What the record is about (`region`, `budget`…): a newer record with the same key in
    -- the same namespace updates this one instead of piling up beside it.
    topic           TEXT,
    source_events   TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    embedding       BLOB,
    embedding_model TEXT
) STRICT;
CREATE INDEX records_by_namespace ON records (memory_id, namespace, status);
CREATE INDEX records_by_actor ON records (actor_id);

-- Full-text index over record text. The trigram tokenizer matches any three characters, so
-- Japanese (no spaces between words) is searchable as well as English.
CREATE VIRTUAL TABLE records_fts USING fts5 (
    text, content = 'records', content_rowid = 'seq', tokenize = 'trigram case_sensitive 0'
);
CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN
    INSERT INTO records_fts (rowid, text) VALUES (new.seq, new.text);
END;
CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN
    INSERT INTO records_fts (records_fts, rowid, text) VALUES ('delete', old.seq, old.text);
END;
CREATE TRIGGER records_fts_update AFTER UPDATE OF text ON records BEGIN
    INSERT INTO records_fts (records_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    INSERT INTO records_fts (rowid, text) VALUES (new.seq, new.text);
END;

CREATE VIRTUAL TABLE records_short USING fts5 (
    short_words, content = 'records', content_rowid = 'seq', tokenize = 'unicode61'
);
CREATE TRIGGER records_short_insert AFTER INSERT ON records BEGIN
    INSERT INTO records_short (rowid, short_words) VALUES (new.seq, new.short_words);
END;
CREATE TRIGGER records_short_delete AFTER DELETE ON records BEGIN
    INSERT INTO records_short (records_short, rowid, short_words) VALUES ('delete', old.seq, old.short_words);
END;
CREATE TRIGGER records_short_update AFTER UPDATE OF short_words ON records BEGIN
    INSERT INTO records_short (records_short, rowid, short_words) VALUES ('delete', old.seq, old.short_words);
    INSERT INTO records_short (rowid, short_words) VALUES (new.seq, new.short_words);
END;

-- How far each strategy's extraction has read each session, and how its last run went.
-- Kept per strategy: one the current extractor cannot run (a custom strategy without a
-- model) still gets the events when a capable extractor arrives.
CREATE TABLE extraction_state (
    memory_id       TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    strategy_id     TEXT NOT NULL,
    extracted_seq   INTEGER NOT NULL DEFAULT 0,
    last_run_at     INTEGER,
    last_error      TEXT,
    records_written INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (memory_id, actor_id, session_id, strategy_id),
    FOREIGN KEY (memory_id, actor_id, session_id)
        REFERENCES sessions (memory_id, actor_id, session_id) ON DELETE CASCADE
) STRICT;
