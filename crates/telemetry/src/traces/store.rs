//! The local span store: `traces.db` in the data folder, its own SQLite file so that a busy
//! trace writer never holds up the conversations' database and a user can delete traces
//! without touching their memory. One row per span; what the Traces page and `agentdesk
//! traces` group by (trace, conversation, tokens) is kept in columns of its own.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use serde_json::{Map, Value as Json};
use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite, SqlitePool, Transaction};

/// The store's file name in the data folder.
pub const TRACES_FILE: &str = "traces.db";

/// The attributes that name a span's conversation, in order of preference.
const SESSION_KEYS: [&str; 2] = ["session.id", "gen_ai.conversation.id"];

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TraceStoreError {
    /// The file could not be opened or created.
    #[error("cannot open the trace store {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: sqlx::Error,
    },
    /// A query failed.
    #[error("the trace store failed: {0}")]
    Query(#[from] sqlx::Error),
    /// No trace has that id.
    #[error("no trace {0} is stored; `agentdesk traces list` shows the stored ones")]
    NoSuchTrace(String),
}

/// The span store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct TraceStore {
    pub(crate) pool: SqlitePool,
}

impl TraceStore {
    /// Opens (creating when missing) `traces.db` in `data_dir`.
    pub async fn open_in(data_dir: &Path) -> Result<TraceStore, TraceStoreError> {
        TraceStore::open(&data_dir.join(TRACES_FILE)).await
    }

    /// Opens (creating when missing) the store at `path`.
    pub async fn open(path: &Path) -> Result<TraceStore, TraceStoreError> {
        let failed = |source| TraceStoreError::Open { path: path.to_owned(), source };
        if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|error| failed(sqlx::Error::Io(error)))?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(failed)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // A new store gives pages freed by `shrink_to` back to the file system.
            .auto_vacuum(SqliteAutoVacuum::Incremental)
            // Losing the last batch on a power cut is acceptable for traces; waiting for the
            // disk on every batch is not.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(failed)?;
        sqlx::query(SCHEMA[0]).execute(&pool).await.map_err(failed)?;
        // Stores written before spans had a `model` column get it, filled from their attributes.
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info('spans')")
                .fetch_all(&pool)
                .await
                .map_err(failed)?;
        if !columns.iter().any(|column| column == "model") {
            sqlx::query("ALTER TABLE spans ADD COLUMN model TEXT")
                .execute(&pool)
                .await
                .map_err(failed)?;
            sqlx::query(
                "UPDATE spans SET model = \
                 COALESCE(json_extract(attributes, '$.\"gen_ai.request.model\"'), '') \
                 WHERE input_tokens IS NOT NULL OR output_tokens IS NOT NULL \
                 OR json_extract(attributes, '$.\"gen_ai.operation.name\"') = 'chat'",
            )
            .execute(&pool)
            .await
            .map_err(failed)?;
        }
        // Stores written before spans kept whether their parent was another process's.
        if !columns.iter().any(|column| column == "parent_remote") {
            sqlx::query("ALTER TABLE spans ADD COLUMN parent_remote INTEGER NOT NULL DEFAULT 0")
                .execute(&pool)
                .await
                .map_err(failed)?;
        }
        for statement in &SCHEMA[1..] {
            sqlx::query(*statement).execute(&pool).await.map_err(failed)?;
        }
        let store = TraceStore { pool };
        // A store written before the sums existed gets them once.
        let unsummed: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM spans) AND NOT EXISTS (SELECT 1 FROM trace_sums)",
        )
        .fetch_one(&store.pool)
        .await
        .map_err(failed)?;
        if unsummed {
            let mut transaction = store.pool.begin().await.map_err(failed)?;
            resum(&mut transaction, None).await.map_err(failed)?;
            transaction.commit().await.map_err(failed)?;
        }
        Ok(store)
    }

    /// Writes `spans` in one transaction; a span stored before (the same trace and span id)
    /// is replaced.
    pub async fn insert(&self, spans: &[SpanData]) -> Result<(), TraceStoreError> {
        if spans.is_empty() {
            return Ok(());
        }
        let mut transaction = self.pool.begin().await?;
        // SQLite allows 32,766 bound values; 16 per span.
        for chunk in spans.chunks(1_000) {
            let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR REPLACE INTO spans (trace_id, span_id, parent_span_id, name, kind, \
                 start_ns, end_ns, status, status_message, session_id, input_tokens, \
                 output_tokens, model, attributes, events, parent_remote) ",
            );
            insert.push_values(chunk, |mut row, span| {
                let attributes = attributes_json(&span.attributes);
                let (status, message) = match &span.status {
                    Status::Unset => ("unset", None),
                    Status::Ok => ("ok", None),
                    Status::Error { description } => ("error", Some(description.to_string())),
                };
                let parent = (span.parent_span_id != opentelemetry::trace::SpanId::INVALID)
                    .then(|| span.parent_span_id.to_string());
                row.push_bind(span.span_context.trace_id().to_string())
                    .push_bind(span.span_context.span_id().to_string())
                    .push_bind(parent)
                    .push_bind(span.name.to_string())
                    .push_bind(kind_name(&span.span_kind))
                    .push_bind(nanos(span.start_time))
                    .push_bind(nanos(span.end_time))
                    .push_bind(status)
                    .push_bind(message)
                    .push_bind(session_of(&attributes))
                    .push_bind(attributes.get("gen_ai.usage.input_tokens").and_then(Json::as_i64))
                    .push_bind(attributes.get("gen_ai.usage.output_tokens").and_then(Json::as_i64))
                    .push_bind(model_called(&attributes))
                    .push_bind(Json::Object(attributes).to_string())
                    .push_bind(events_json(span).to_string())
                    .push_bind(span.parent_span_is_remote);
            });
            insert.build().execute(&mut *transaction).await?;
        }
        let mut touched: Vec<String> =
            spans.iter().map(|span| span.span_context.trace_id().to_string()).collect();
        touched.sort_unstable();
        touched.dedup();
        resum(&mut transaction, Some(&touched)).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Deletes the traces that ended before `before`; returns how many spans went.
    pub async fn delete_older_than(&self, before: SystemTime) -> Result<u64, TraceStoreError> {
        let mut transaction = self.pool.begin().await?;
        let ended: Vec<String> =
            sqlx::query_scalar("SELECT trace_id FROM trace_sums WHERE end_ns < ?")
                .bind(nanos(before))
                .fetch_all(&mut *transaction)
                .await?;
        let deleted = delete_traces(&mut transaction, ended).await?;
        transaction.commit().await?;
        Ok(deleted)
    }

    /// Deletes the oldest traces (by when they ended) until the spans take at most
    /// `max_bytes`, then gives the freed pages back to the file system (in a store created
    /// before this existed, SQLite reuses them instead). Returns how many spans went.
    pub async fn shrink_to(&self, max_bytes: u64) -> Result<u64, TraceStoreError> {
        let mut deleted = 0;
        loop {
            let used = self.used_bytes().await?;
            if used <= max_bytes {
                break;
            }
            let traces: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM trace_sums").fetch_one(&self.pool).await?;
            if traces == 0 {
                break;
            }
            // The share of traces over the limit, and a tenth more so one pass usually does.
            let over = (used - max_bytes) as f64 / used as f64;
            let oldest = ((traces as f64 * (over + 0.1)).ceil() as i64).clamp(1, traces);
            let mut transaction = self.pool.begin().await?;
            let oldest: Vec<String> =
                sqlx::query_scalar("SELECT trace_id FROM trace_sums ORDER BY end_ns LIMIT ?")
                    .bind(oldest)
                    .fetch_all(&mut *transaction)
                    .await?;
            deleted += delete_traces(&mut transaction, oldest).await?;
            transaction.commit().await?;
        }
        if deleted > 0 {
            sqlx::query("PRAGMA incremental_vacuum").execute(&self.pool).await?;
        }
        Ok(deleted)
    }

    /// The bytes the store's pages hold, not counting free pages.
    pub async fn used_bytes(&self) -> Result<u64, TraceStoreError> {
        let used: i64 = sqlx::query_scalar(
            "SELECT (page_count - freelist_count) * page_size \
             FROM pragma_page_count, pragma_freelist_count, pragma_page_size",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(used).unwrap_or_default())
    }

    /// Closes the store's connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Deletes the spans and sums of the traces `trace_ids`; returns how many spans went.
async fn delete_traces(
    transaction: &mut Transaction<'_, Sqlite>,
    trace_ids: Vec<String>,
) -> Result<u64, sqlx::Error> {
    let trace_ids = Json::from(trace_ids).to_string();
    let spans = sqlx::query("DELETE FROM spans WHERE trace_id IN (SELECT value FROM json_each(?))")
        .bind(&trace_ids)
        .execute(&mut **transaction)
        .await?;
    sqlx::query("DELETE FROM trace_models WHERE trace_id IN (SELECT value FROM json_each(?))")
        .bind(&trace_ids)
        .execute(&mut **transaction)
        .await?;
    sqlx::query("DELETE FROM trace_sums WHERE trace_id IN (SELECT value FROM json_each(?))")
        .bind(&trace_ids)
        .execute(&mut **transaction)
        .await?;
    Ok(spans.rows_affected())
}

/// The tables and indexes, created when missing; `model` is set on model calls only;
/// `parent_remote` marks a span whose parent is another process's (a caller's trace
/// continued here), which is this process's root of the trace.
/// `trace_sums` and `trace_models` are each trace's sums, kept with its spans at every
/// write, so lists over many spans read one row per trace.
const SCHEMA: [&str; 6] = [
    "CREATE TABLE IF NOT EXISTS spans (
        trace_id TEXT NOT NULL,
        span_id TEXT NOT NULL,
        parent_span_id TEXT,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        start_ns INTEGER NOT NULL,
        end_ns INTEGER NOT NULL,
        status TEXT NOT NULL,
        status_message TEXT,
        session_id TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        model TEXT,
        attributes TEXT NOT NULL,
        events TEXT NOT NULL,
        parent_remote INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (trace_id, span_id)
    ) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS spans_by_session ON spans (session_id, start_ns)",
    "CREATE INDEX IF NOT EXISTS spans_by_start ON spans (start_ns)",
    "CREATE INDEX IF NOT EXISTS spans_by_name ON spans (name)",
    "CREATE TABLE IF NOT EXISTS trace_sums (
        trace_id TEXT PRIMARY KEY,
        session_id TEXT,
        start_ns INTEGER NOT NULL,
        end_ns INTEGER NOT NULL,
        span_count INTEGER NOT NULL,
        error_count INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL
    ) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS trace_models (
        trace_id TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        unreported_calls INTEGER NOT NULL,
        PRIMARY KEY (trace_id, model)
    ) WITHOUT ROWID",
];

/// Recomputes the sums of the traces in `temp.touched` from their spans.
const RESUM: [&str; 4] = [
    "DELETE FROM trace_sums WHERE trace_id IN (SELECT trace_id FROM temp.touched)",
    "INSERT INTO trace_sums SELECT trace_id, MAX(session_id), MIN(start_ns), MAX(end_ns), \
     COUNT(*), SUM(status = 'error'), COALESCE(SUM(input_tokens), 0), \
     COALESCE(SUM(output_tokens), 0) FROM spans \
     WHERE trace_id IN (SELECT trace_id FROM temp.touched) GROUP BY trace_id",
    "DELETE FROM trace_models WHERE trace_id IN (SELECT trace_id FROM temp.touched)",
    "INSERT INTO trace_models SELECT trace_id, COALESCE(model, ''), \
     COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), \
     SUM(input_tokens IS NULL AND output_tokens IS NULL) FROM spans \
     WHERE trace_id IN (SELECT trace_id FROM temp.touched) \
     AND (model IS NOT NULL OR input_tokens IS NOT NULL OR output_tokens IS NOT NULL) \
     GROUP BY trace_id, COALESCE(model, '')",
];

/// Recomputes the sums of `trace_ids` (every trace for `None`) from their spans.
async fn resum(
    transaction: &mut Transaction<'_, Sqlite>,
    trace_ids: Option<&[String]>,
) -> Result<(), sqlx::Error> {
    sqlx::query("CREATE TEMP TABLE IF NOT EXISTS touched (trace_id TEXT PRIMARY KEY)")
        .execute(&mut **transaction)
        .await?;
    sqlx::query("DELETE FROM temp.touched").execute(&mut **transaction).await?;
    match trace_ids {
        None => {
            sqlx::query("INSERT INTO temp.touched SELECT DISTINCT trace_id FROM spans")
                .execute(&mut **transaction)
                .await?;
        }
        Some(trace_ids) => {
            for chunk in trace_ids.chunks(1_000) {
                let mut listed: QueryBuilder<Sqlite> =
                    QueryBuilder::new("INSERT OR IGNORE INTO temp.touched (trace_id) ");
                listed.push_values(chunk, |mut row, trace_id| {
                    row.push_bind(trace_id);
                });
                listed.build().execute(&mut **transaction).await?;
            }
        }
    }
    for statement in RESUM {
        sqlx::query(statement).execute(&mut **transaction).await?;
    }
    Ok(())
}

/// Nanoseconds since the Unix epoch (0 for times before it).
pub(crate) fn nanos(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| i64::try_from(since.as_nanos()).unwrap_or(i64::MAX))
}

/// OTLP's name of a span kind.
fn kind_name(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Client => "client",
        SpanKind::Server => "server",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
        SpanKind::Internal => "internal",
    }
}

/// The model a model call asked for (`""` when it did not say); `None` for other spans.
fn model_called(attributes: &Map<String, Json>) -> Option<String> {
    let operation = attributes.get("gen_ai.operation.name").and_then(Json::as_str);
    let counted = attributes.contains_key("gen_ai.usage.input_tokens")
        || attributes.contains_key("gen_ai.usage.output_tokens");
    (operation == Some("chat") || counted).then(|| {
        attributes.get("gen_ai.request.model").and_then(Json::as_str).unwrap_or_default().to_owned()
    })
}

/// The conversation a span belongs to, from its attributes.
fn session_of(attributes: &Map<String, Json>) -> Option<String> {
    SESSION_KEYS
        .iter()
        .find_map(|key| attributes.get(*key).and_then(Json::as_str).map(str::to_owned))
}

/// Attributes as one JSON object, keeping their types.
pub(crate) fn attributes_json(attributes: &[KeyValue]) -> Map<String, Json> {
    attributes.iter().map(|pair| (pair.key.to_string(), value_json(&pair.value))).collect()
}

fn value_json(value: &Value) -> Json {
    match value {
        Value::Bool(value) => Json::from(*value),
        Value::I64(value) => Json::from(*value),
        Value::F64(value) => Json::from(*value),
        Value::String(value) => Json::from(value.as_str()),
        Value::Array(Array::Bool(values)) => Json::from(values.clone()),
        Value::Array(Array::I64(values)) => Json::from(values.clone()),
        Value::Array(Array::F64(values)) => Json::from(values.clone()),
        Value::Array(Array::String(values)) => {
            Json::from(values.iter().map(|value| value.as_str().to_owned()).collect::<Vec<_>>())
        }
        other => Json::from(other.to_string()),
    }
}

/// A span's events as `[{name, timeNs, attributes}]`.
fn events_json(span: &SpanData) -> Json {
    Json::from(
        span.events
            .iter()
            .map(|event| {
                serde_json::json!({
                    "name": event.name,
                    "timeNs": nanos(event.timestamp),
                    "attributes": attributes_json(&event.attributes),
                })
            })
            .collect::<Vec<_>>(),
    )
}
