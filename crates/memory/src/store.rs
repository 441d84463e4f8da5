//! Opening the database: the file check, SQLite settings and migrations; and memories with
//! their strategies.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use tokio::sync::watch;

use crate::embedding::Embedder;
use crate::error::{Error, Result, is_corruption};
use crate::model::{Memory, Strategy, StrategyKind};
use crate::time_ms::{from_ms, now_ms};

/// The database's file name in the data folder.
pub const DATABASE_FILE: &str = "agentdesk.db";

/// The actor the desktop app's conversations are with until someone signs in.
pub const LOCAL_ACTOR: &str = "local-user";

/// The name of the memory the desktop app and the CLI use unless told otherwise.
pub const DEFAULT_MEMORY: &str = "agentdesk";

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How much a database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Conversations.
    pub sessions: u64,
    /// Events in them.
    pub events: u64,
    /// Active long-term records.
    pub records: u64,
    /// Size on disk, write-ahead log included.
    pub bytes: u64,
}

/// How hard a commit works to survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// A committed event survives a power cut (`synchronous=FULL`: the log is flushed to disk
    /// at every commit).
    #[default]
    Full,
    /// A committed event survives the process being killed, not a power cut
    /// (`synchronous=NORMAL`); commits are several times faster.
    Normal,
}

/// How to open the store.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Commit durability.
    pub durability: Durability,
}

/// The memory database: every operation of the crate starts here.
///
/// Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    pub(crate) pool: SqlitePool,
    path: PathBuf,
    /// The sequence number of the newest event, so background extraction wakes on writes.
    pub(crate) newest_event: watch::Sender<i64>,
    /// Vectors for hybrid retrieval, when a provider is configured.
    pub(crate) embedder: Option<Arc<dyn Embedder>>,
}

impl MemoryStore {
    /// Opens (or creates) the database at `path` with full durability.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, &StoreOptions::default()).await
    }

    /// Opens (or creates) the database at `path`.
    ///
    /// A file that is not an SQLite database, is damaged, or comes from a newer AgentDesk is
    /// refused with an error that says so; it is never overwritten.
    pub async fn open_with(path: &Path, options: &StoreOptions) -> Result<Self> {
        check_header(path)?;
        if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|source| Error::Open {
                path: path.to_owned(),
                source: sqlx::Error::Io(source),
            })?;
        }
        let synchronous = match options.durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        };
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Deleted conversations are overwritten on disk, not just unlinked ("forget me").
            .pragma("secure_delete", "on");
        // Two processes opening a new database at once (the desktop app and the CLI, two
        // servers) would both migrate it and both create the default memory; one waits here.
        let _setting_up = setup_lock(path).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(connect)
            .await
            .map_err(|source| open_error(path, source))?;
        MIGRATOR.run(&pool).await.map_err(|error| migrate_error(path, error))?;
        crate::search_fold::backfill(&pool).await.map_err(|source| open_error(path, source))?;
        let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
            .fetch_one(&pool)
            .await
            .map_err(|source| open_error(path, source))?;
        let (newest_event, _) = watch::channel(newest);
        let store = Self { pool, path: path.to_owned(), newest_event, embedder: None };
        store.ensure_default_memory().await?;
        Ok(store)
    }

    /// Opens `agentdesk.db` in the data folder.
    pub async fn open_in(data_dir: &Path) -> Result<Self> {
        Self::open(&data_dir.join(DATABASE_FILE)).await
    }

    /// Embeds records from now on, and fuses vector similarity into retrieval.
    #[must_use]
    pub fn with_embedder(mut self, embedder: Arc<dyn Embedder>) -> Self {
        self.embedder = Some(embedder);
        self
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes every connection, checkpointing the write-ahead log into the file.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// SQLite's own consistency check: `Ok(())`, or what it found.
    pub async fn integrity_check(&self) -> Result<()> {
        let rows: Vec<String> =
            sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&self.pool).await?;
        if rows.len() == 1 && rows[0] == "ok" {
            Ok(())
        } else {
            Err(Error::Corrupt { path: self.path.clone(), detail: rows.join("; ") })
        }
    }

    /// The database's size on disk in bytes, write-ahead log included.
    pub fn size_on_disk(&self) -> u64 {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        [self.path.as_path(), Path::new(&wal)]
            .iter()
            .filter_map(|file| std::fs::metadata(file).ok())
            .map(|metadata| metadata.len())
            .sum()
    }

    /// How much is stored, across memories.
    pub async fn stats(&self) -> Result<Stats> {
        let (sessions, events, records): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM sessions), (SELECT COUNT(*) FROM events),
                    (SELECT COUNT(*) FROM records WHERE status = 'active')",
        )
        .fetch_one(&self.pool)
        .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(Stats {
            sessions: count(sessions),
            events: count(events),
            records: count(records),
            bytes: self.size_on_disk(),
        })
    }

    /// A write transaction that takes the write lock at once, so concurrent writers queue
    /// on the busy timeout instead of failing when a read lock cannot be upgraded.
    pub(crate) async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn ensure_default_memory(&self) -> Result<()> {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT memory_id FROM memories WHERE name = ?")
                .bind(DEFAULT_MEMORY)
                .fetch_optional(&self.pool)
                .await?;
        if exists.is_none() {
            self.create_memory(NewMemory::default_for_desktop()).await?;
        }
        Ok(())
    }

    /// Makes a memory with its strategies.
    pub async fn create_memory(&self, new: NewMemory) -> Result<Memory> {
        new.validate()?;
        let memory_id = new
            .memory_id
            .clone()
            .unwrap_or_else(|| format!("mem-{}", uuid::Uuid::now_v7().simple()));
        let now = now_ms();
        let mut tx = self.write().await?;
        let inserted = sqlx::query(
            "INSERT INTO memories (memory_id, name, description, event_expiry_days, created_at)
             VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(&memory_id)
        .bind(&new.name)
        .bind(&new.description)
        .bind(i64::from(new.event_expiry_days))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(Error::invalid(format!(
                "a memory named {:?} or with id {memory_id:?} already exists; choose another name",
                new.name
            )));
        }
        for strategy in &new.strategies {
            sqlx::query(
                "INSERT INTO strategies (memory_id, strategy_id, kind, name, namespace_template,
                     extraction_prompt, consolidation_prompt) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&memory_id)
            .bind(&strategy.strategy_id)
            .bind(strategy.kind.as_str())
            .bind(&strategy.name)
            .bind(&strategy.namespace_template)
            .bind(&strategy.extraction_prompt)
            .bind(&strategy.consolidation_prompt)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.get_memory(&memory_id).await
    }

    /// Every memory, by name.
    pub async fn list_memories(&self) -> Result<Vec<Memory>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT memory_id FROM memories ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        let mut memories = Vec::with_capacity(ids.len());
        for id in ids {
            memories.push(self.get_memory(&id).await?);
        }
        Ok(memories)
    }

    /// One memory by id.
    pub async fn get_memory(&self, memory_id: &str) -> Result<Memory> {
        let row = sqlx::query(
            "SELECT name, description, event_expiry_days, created_at FROM memories WHERE memory_id = ?",
        )
        .bind(memory_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::not_found("memory", memory_id))?;
        let strategies = sqlx::query(
            "SELECT strategy_id, kind, name, namespace_template, extraction_prompt,
                    consolidation_prompt
             FROM strategies WHERE memory_id = ? ORDER BY rowid",
        )
        .bind(memory_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| {
            let kind: String = row.get("kind");
            Strategy {
                strategy_id: row.get("strategy_id"),
                kind: StrategyKind::parse(&kind).unwrap_or(StrategyKind::Custom),
                name: row.get("name"),
                namespace_template: row.get("namespace_template"),
                extraction_prompt: row.get("extraction_prompt"),
                consolidation_prompt: row.get("consolidation_prompt"),
            }
        })
        .collect();
        let expiry: i64 = row.get("event_expiry_days");
        Ok(Memory {
            memory_id: memory_id.to_owned(),
            name: row.get("name"),
            description: row.get("description"),
            event_expiry_days: u16::try_from(expiry).unwrap_or(365),
            strategies,
            created_at: from_ms(row.get("created_at")),
        })
    }

    /// The memory named `name`.
    pub async fn memory_named(&self, name: &str) -> Result<Memory> {
        let id: String = sqlx::query_scalar("SELECT memory_id FROM memories WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::not_found("memory", name))?;
        self.get_memory(&id).await
    }

    /// The memory the app uses.
    pub async fn default_memory(&self) -> Result<Memory> {
        self.memory_named(DEFAULT_MEMORY).await
    }

    /// Deletes a memory with all its events and records.
    pub async fn delete_memory(&self, memory_id: &str) -> Result<()> {
        let mut tx = self.write().await?;
        for table in ["events", "branches", "extraction_state"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE memory_id = ?")))
                .bind(memory_id)
                .execute(&mut *tx)
                .await?;
        }
        let deleted = sqlx::query("DELETE FROM memories WHERE memory_id = ?")
            .bind(memory_id)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(Error::not_found("memory", memory_id));
        }
        tx.commit().await?;
        Ok(())
    }
}

/// What `create_memory` needs (AgentCore `CreateMemory`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewMemory {
    /// A fixed id, e.g. when importing; a fresh one when absent.
    #[serde(default)]
    pub memory_id: Option<String>,
    /// Unique name.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// Days events are kept (3–365).
    pub event_expiry_days: u16,
    /// Its strategies.
    pub strategies: Vec<Strategy>,
}

impl NewMemory {
    /// The app's memory: user preferences and facts per actor, a summary per session, events
    /// kept 90 days.
    pub fn default_for_desktop() -> Self {
        let per_actor = "/strategies/{memoryStrategyId}/actors/{actorId}/";
        let per_session = "/strategies/{memoryStrategyId}/actors/{actorId}/sessions/{sessionId}/";
        let strategy = |id: &str, kind, name: &str, template: &str| Strategy {
            strategy_id: id.to_owned(),
            kind,
            name: name.to_owned(),
            namespace_template: template.to_owned(),
            extraction_prompt: None,
            consolidation_prompt: None,
        };
        Self {
            memory_id: None,
            name: DEFAULT_MEMORY.to_owned(),
            description: "Conversations with AgentDesk's agents".to_owned(),
            event_expiry_days: 90,
            strategies: vec![
                strategy(
                    "preferences",
                    StrategyKind::UserPreference,
                    "User preferences",
                    per_actor,
                ),
                strategy("facts", StrategyKind::Semantic, "Facts", per_actor),
                strategy("summaries", StrategyKind::Summary, "Session summaries", per_session),
            ],
        }
    }

    fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::invalid("a memory needs a name"));
        }
        if !(3..=365).contains(&self.event_expiry_days) {
            return Err(Error::invalid(format!(
                "eventExpiryDays is {}; it must be between 3 and 365",
                self.event_expiry_days
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for strategy in &self.strategies {
            if strategy.strategy_id.is_empty() || !seen.insert(&strategy.strategy_id) {
                return Err(Error::invalid(format!(
                    "strategy id {:?} is empty or used twice; each strategy needs its own id",
                    strategy.strategy_id
                )));
            }
            if !strategy.namespace_template.starts_with('/') {
                return Err(Error::invalid(format!(
                    "strategy {:?}: namespace template {:?} must start with '/'",
                    strategy.strategy_id, strategy.namespace_template
                )));
            }
            if strategy.kind == StrategyKind::Custom && strategy.extraction_prompt.is_none() {
                return Err(Error::invalid(format!(
                    "custom strategy {:?} needs an extractionPrompt",
                    strategy.strategy_id
                )));
            }
        }
        Ok(())
    }
}

/// Refuses a file that exists but is not an SQLite database, before SQLite touches it.
fn check_header(path: &Path) -> Result<()> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(Error::Open { path: path.to_owned(), source: sqlx::Error::Io(error) });
        }
    };
    let mut header = Vec::with_capacity(16);
    file.by_ref()
        .take(16)
        .read_to_end(&mut header)
        .map_err(|error| Error::Open { path: path.to_owned(), source: sqlx::Error::Io(error) })?;
    if header.is_empty() || header == SQLITE_HEADER {
        Ok(())
    } else {
        Err(Error::Corrupt {
            path: path.to_owned(),
            detail: "the file does not start with SQLite's header".to_owned(),
        })
    }
}

/// An exclusive lock on `<database>-setup.lock`, held while the database is set up.
///
/// A file of its own: locking the database file itself would interfere with SQLite's locks.
async fn setup_lock(database: &Path) -> Result<std::fs::File> {
    let mut name = database.as_os_str().to_owned();
    name.push("-setup.lock");
    let lock_path = PathBuf::from(name);
    let opened = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| open_error(&lock_path, sqlx::Error::Io(source)))?;
    tokio::task::spawn_blocking(move || opened.lock().map(|()| opened))
        .await
        .map_err(|joined| open_error(&lock_path, sqlx::Error::Io(std::io::Error::other(joined))))?
        .map_err(|source| open_error(&lock_path, sqlx::Error::Io(source)))
}

fn open_error(path: &Path, source: sqlx::Error) -> Error {
    if is_corruption(&source) {
        Error::Corrupt { path: path.to_owned(), detail: source.to_string() }
    } else {
        Error::Open { path: path.to_owned(), source }
    }
}

fn migrate_error(path: &Path, error: MigrateError) -> Error {
    match error {
        MigrateError::VersionMissing(found) => Error::NewerSchema {
            path: path.to_owned(),
            found,
            known: MIGRATOR.iter().map(|migration| migration.version).max().unwrap_or(0),
        },
        MigrateError::Execute(source) | MigrateError::ExecuteMigration(source, _) => {
            open_error(path, source)
        }
        other => {
            Error::Open { path: path.to_owned(), source: sqlx::Error::Migrate(Box::new(other)) }
        }
    }
}

/// The sequence number a page token carries.
pub(crate) fn parse_token(token: Option<&str>) -> Result<Option<i64>> {
    token
        .map(|token| {
            i64::from_str(token).map_err(|_| {
                Error::invalid(format!("nextToken {token:?} is not one this store gave out"))
            })
        })
        .transpose()
}
