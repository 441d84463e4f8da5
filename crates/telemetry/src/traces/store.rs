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
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

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
            // Losing the last batch on a power cut is acceptable for traces; waiting for the
            // disk on every batch is not.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(failed)?;
        for statement in SCHEMA {
            sqlx::query(statement).execute(&pool).await.map_err(failed)?;
        }
        Ok(TraceStore { pool })
    }

    /// Writes `spans` in one transaction; a span stored before (the same trace and span id)
    /// is replaced.
    pub async fn insert(&self, spans: &[SpanData]) -> Result<(), TraceStoreError> {
        if spans.is_empty() {
            return Ok(());
        }
        let mut transaction = self.pool.begin().await?;
        // SQLite allows 32,766 bound values; 14 per span.
        for chunk in spans.chunks(1_000) {
            let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR REPLACE INTO spans (trace_id, span_id, parent_span_id, name, kind, \
                 start_ns, end_ns, status, status_message, session_id, input_tokens, \
                 output_tokens, attributes, events) ",
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
                    .push_bind(Json::Object(attributes).to_string())
                    .push_bind(events_json(span).to_string());
            });
            insert.build().execute(&mut *transaction).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// Deletes the traces that ended before `before`; returns how many spans went.
    pub async fn delete_older_than(&self, before: SystemTime) -> Result<u64, TraceStoreError> {
        let done = sqlx::query(
            "DELETE FROM spans WHERE trace_id IN \
             (SELECT trace_id FROM spans GROUP BY trace_id HAVING MAX(end_ns) < ?)",
        )
        .bind(nanos(before))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Closes the store's connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The tables and indexes, created when missing.
const SCHEMA: [&str; 4] = [
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
        attributes TEXT NOT NULL,
        events TEXT NOT NULL,
        PRIMARY KEY (trace_id, span_id)
    ) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS spans_by_session ON spans (session_id, start_ns)",
    "CREATE INDEX IF NOT EXISTS spans_by_start ON spans (start_ns)",
    "CREATE INDEX IF NOT EXISTS spans_by_name ON spans (name)",
];

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
