//! Long-term memory: records, and retrieval by namespace, query and strategy.

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;

use crate::embedding::{cosine, encode, normalise};
use crate::error::{Error, Result};
use crate::model::{Content, MemoryRecord, Page, RecordStatus, ScoredRecord};
use crate::search::{QueryTerms, bm25, fuse, match_any, query_terms, short_words};
use crate::store::{MemoryStore, parse_token};
use crate::time_ms::{from_ms, now_ms, to_ms};

const DEFAULT_TOP_K: u32 = 10;
const MAX_TOP_K: u32 = 100;
/// Candidates each ranker contributes before fusion.
const CANDIDATES: i64 = 50;
/// A scope this small is ranked by reading it rather than through the index.
const NARROW_SCOPE: i64 = 5_000;
/// How many of the newest matches the index ranks (see `full_text_ranking`).
const MATCH_WINDOW: i64 = 1_000;

/// The full-text indexes over record text.
#[derive(Debug, Clone, Copy)]
enum Index {
    /// Every three characters of the text (`records_fts`).
    Trigrams,
    /// The text's two-character words (`records_short`).
    ShortWords,
}

impl Index {
    fn table(self) -> &'static str {
        match self {
            Self::Trigrams => "records_fts",
            Self::ShortWords => "records_short",
        }
    }
}

/// A retrieval (AgentCore `RetrieveMemoryRecords`, with AgentDesk's extra filters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetrieveRecords {
    /// Only records whose namespace starts with this (e.g. `/strategies/preferences/`).
    #[serde(default)]
    pub namespace: String,
    /// What to look for, in any language.
    pub search_query: String,
    /// How many to return (default 10, at most 100).
    #[serde(default)]
    pub top_k: Option<u32>,
    /// Only records written by this strategy.
    #[serde(default)]
    pub memory_strategy_id: Option<String>,
    /// Only this actor's records.
    #[serde(default)]
    pub actor_id: Option<String>,
    /// Only records changed at or after this time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub updated_after: Option<OffsetDateTime>,
    /// Only records changed before this time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub updated_before: Option<OffsetDateTime>,
}

/// Which records `list_records` returns (AgentCore `ListMemoryRecords`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRecords {
    /// Only records whose namespace starts with this.
    #[serde(default)]
    pub namespace: String,
    /// Only this strategy's records.
    #[serde(default)]
    pub memory_strategy_id: Option<String>,
    /// Only this actor's records.
    #[serde(default)]
    pub actor_id: Option<String>,
    /// Retired records too.
    #[serde(default)]
    pub include_retired: bool,
    /// Page size (default 100, at most 1000).
    #[serde(default)]
    pub max_results: Option<u32>,
    /// Where the previous page ended.
    #[serde(default)]
    pub next_token: Option<String>,
}

/// A record to write directly (AgentCore `BatchCreateMemoryRecords`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewRecord {
    /// The strategy whose namespace it goes in.
    pub memory_strategy_id: String,
    /// Whose memory it is.
    pub actor_id: String,
    /// For per-session strategies, the session.
    #[serde(default)]
    pub session_id: Option<String>,
    /// What to remember.
    pub text: String,
    /// What it is about, so a later record on the same topic replaces it.
    #[serde(default)]
    pub topic: Option<String>,
    /// The events it comes from.
    #[serde(default)]
    pub source_event_ids: Vec<String>,
}

const RECORD_COLUMNS: &str = "SELECT r.seq, r.record_id, r.strategy_id, r.actor_id, r.session_id,
        r.namespace, r.text, r.topic, r.source_events, r.status, r.created_at, r.updated_at
     FROM records r";

impl MemoryStore {
    /// Writes a record directly, in its strategy's namespace.
    pub async fn create_record(&self, memory_id: &str, new: NewRecord) -> Result<MemoryRecord> {
        let text = new.text.trim();
        if text.is_empty() {
            return Err(Error::invalid("a record needs text"));
        }
        let memory = self.get_memory(memory_id).await?;
        let strategy = memory
            .strategies
            .iter()
            .find(|strategy| strategy.strategy_id == new.memory_strategy_id)
            .ok_or_else(|| Error::not_found("strategy", &new.memory_strategy_id))?;
        let session = new.session_id.as_deref().unwrap_or("");
        if strategy.is_per_session() && session.is_empty() {
            return Err(Error::invalid(format!(
                "strategy {:?} keeps records per session: give a sessionId",
                strategy.strategy_id
            )));
        }
        let namespace = strategy.namespace(&new.actor_id, session);
        let embedding = self.embed_one(text).await;
        let mut tx = self.write().await?;
        let record_id = insert_record(
            &mut tx,
            memory_id,
            &RecordRow {
                strategy_id: &strategy.strategy_id,
                actor_id: &new.actor_id,
                session_id: new.session_id.as_deref(),
                namespace: &namespace,
                text,
                topic: new.topic.as_deref(),
                sources: &new.source_event_ids,
            },
            embedding.as_ref(),
        )
        .await?;
        tx.commit().await?;
        self.get_record(memory_id, &record_id).await
    }

    /// One record (AgentCore `GetMemoryRecord`).
    pub async fn get_record(&self, memory_id: &str, record_id: &str) -> Result<MemoryRecord> {
        let sql = format!("{RECORD_COLUMNS} WHERE r.memory_id = ? AND r.record_id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(memory_id)
            .bind(record_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::not_found("record", record_id))?;
        Ok(record_from_row(&row))
    }

    /// Records, newest change first (AgentCore `ListMemoryRecords`).
    pub async fn list_records(
        &self,
        memory_id: &str,
        request: &ListRecords,
    ) -> Result<Page<MemoryRecord>> {
        let limit = request.max_results.unwrap_or(100).clamp(1, 1000);
        let after = parse_token(request.next_token.as_deref())?;
        let mut query = QueryBuilder::<Sqlite>::new(RECORD_COLUMNS);
        query.push(" WHERE r.memory_id = ").push_bind(memory_id);
        push_filters(
            &mut query,
            &request.namespace,
            request.memory_strategy_id.as_deref(),
            request.actor_id.as_deref(),
        );
        if !request.include_retired {
            query.push(" AND r.status = 'active'");
        }
        if let Some(after) = after {
            query.push(" AND r.seq < ").push_bind(after);
        }
        query.push(" ORDER BY r.seq DESC LIMIT ").push_bind(i64::from(limit) + 1);
        let rows = query.build().fetch_all(&self.pool).await?;
        let items: Vec<MemoryRecord> =
            rows.iter().take(limit as usize).map(record_from_row).collect();
        let next_token = (rows.len() > limit as usize)
            .then(|| rows.get(limit as usize - 1).map(|row| row.get::<i64, _>("seq").to_string()))
            .flatten();
        Ok(Page { items, next_token })
    }

    /// Changes a record's text (the user correcting what was remembered).
    pub async fn update_record(
        &self,
        memory_id: &str,
        record_id: &str,
        text: &str,
    ) -> Result<MemoryRecord> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::invalid(
                "a record's text cannot be empty; delete the record instead",
            ));
        }
        let embedding = self.embed_one(text).await;
        let updated = sqlx::query(
            "UPDATE records SET text = ?, short_words = ?, updated_at = ?, embedding = ?,
                embedding_model = ?
             WHERE memory_id = ? AND record_id = ?",
        )
        .bind(text)
        .bind(short_words(text))
        .bind(now_ms())
        .bind(embedding.as_ref().map(|(vector, _)| vector.clone()))
        .bind(embedding.as_ref().map(|(_, model)| model.clone()))
        .bind(memory_id)
        .bind(record_id)
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::not_found("record", record_id));
        }
        self.get_record(memory_id, record_id).await
    }

    /// Deletes a record (AgentCore `DeleteMemoryRecord`).
    pub async fn delete_record(&self, memory_id: &str, record_id: &str) -> Result<()> {
        let deleted = sqlx::query("DELETE FROM records WHERE memory_id = ? AND record_id = ?")
            .bind(memory_id)
            .bind(record_id)
            .execute(&self.pool)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(Error::not_found("record", record_id));
        }
        Ok(())
    }

    /// The active records that best match a query (AgentCore `RetrieveMemoryRecords`):
    /// full-text BM25 over trigrams, fused with vector similarity when an embedder is set.
    /// An empty query lists the newest records in scope.
    pub async fn retrieve_records(
        &self,
        memory_id: &str,
        request: &RetrieveRecords,
    ) -> Result<Vec<ScoredRecord>> {
        let top_k = request.top_k.unwrap_or(DEFAULT_TOP_K).clamp(1, MAX_TOP_K);
        let terms = query_terms(&request.search_query);
        let mut lists = Vec::new();
        if !terms.all.is_empty() {
            lists.extend(self.text_rankings(memory_id, request, &terms).await?);
        }
        if let Some(list) = self.vector_ranking(memory_id, request).await? {
            lists.push(list);
        }
        if request.search_query.trim().is_empty() {
            lists.push(self.newest_in_scope(memory_id, request, i64::from(top_k)).await?);
        }
        let ranked: Vec<(i64, f64)> = fuse(&lists).into_iter().take(top_k as usize).collect();
        if ranked.is_empty() {
            return Ok(Vec::new());
        }
        // One read for all the hits, put back in ranked order.
        let mut query = QueryBuilder::<Sqlite>::new(RECORD_COLUMNS);
        query.push(" WHERE r.seq IN (");
        let mut ids = query.separated(", ");
        for (seq, _) in &ranked {
            ids.push_bind(*seq);
        }
        query.push(")");
        let rows = query.build().fetch_all(&self.pool).await?;
        let mut by_seq: std::collections::HashMap<i64, MemoryRecord> =
            rows.iter().map(|row| (row.get::<i64, _>("seq"), record_from_row(row))).collect();
        Ok(ranked
            .into_iter()
            .filter_map(|(seq, score)| {
                by_seq.remove(&seq).map(|record| ScoredRecord { record, score })
            })
            .collect())
    }

    /// Full-text rankings of the records in scope. A narrow scope (one actor's namespace) is
    /// read and ranked directly; otherwise the index is searched, newest matches first.
    async fn text_rankings(
        &self,
        memory_id: &str,
        request: &RetrieveRecords,
        terms: &QueryTerms,
    ) -> Result<Vec<Vec<i64>>> {
        let scoped = !request.namespace.trim_matches('/').is_empty()
            || request.actor_id.is_some()
            || request.memory_strategy_id.is_some();
        if scoped && self.count_in_scope(memory_id, request).await? <= NARROW_SCOPE {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT r.seq, r.text FROM records r WHERE r.memory_id = ",
            );
            query.push_bind(memory_id);
            push_scope(&mut query, request);
            let records: Vec<(i64, String)> = query.build_query_as().fetch_all(&self.pool).await?;
            return Ok(vec![bm25(&records, &terms.all, CANDIDATES as usize)]);
        }
        let mut lists = Vec::new();
        if !terms.long.is_empty() {
            lists.push(self.index_ranking(Index::Trigrams, memory_id, request, &terms.long).await?);
        }
        if !terms.short.is_empty() {
            lists.push(
                self.index_ranking(Index::ShortWords, memory_id, request, &terms.short).await?,
            );
        }
        Ok(lists)
    }

    async fn count_in_scope(&self, memory_id: &str, request: &RetrieveRecords) -> Result<i64> {
        let mut query =
            QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM records r WHERE r.memory_id = ");
        query.push_bind(memory_id);
        push_scope(&mut query, request);
        Ok(query.build_query_scalar().fetch_one(&self.pool).await?)
    }

    /// BM25 over the newest [`MATCH_WINDOW`] matches in one of the full-text indexes: FTS5
    /// scores every row it returns, so bounding the rows bounds the time when a term is in
    /// half the records. `CROSS JOIN` keeps the index first: driven from `records`, SQLite
    /// would run the full-text query once per record.
    async fn index_ranking(
        &self,
        index: Index,
        memory_id: &str,
        request: &RetrieveRecords,
        terms: &[String],
    ) -> Result<Vec<i64>> {
        let table = index.table();
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT seq FROM (SELECT r.seq AS seq, bm25({table}) AS score
             FROM {table} CROSS JOIN records r ON r.seq = {table}.rowid
             WHERE {table} MATCH "
        ));
        query.push_bind(match_any(terms));
        query.push(" AND r.memory_id = ").push_bind(memory_id);
        push_scope(&mut query, request);
        query.push(format!(" ORDER BY {table}.rowid DESC LIMIT ")).push_bind(MATCH_WINDOW);
        query.push(") ORDER BY score LIMIT ").push_bind(CANDIDATES);
        Ok(query.build_query_scalar().fetch_all(&self.pool).await?)
    }

    async fn newest_in_scope(
        &self,
        memory_id: &str,
        request: &RetrieveRecords,
        limit: i64,
    ) -> Result<Vec<i64>> {
        let mut query =
            QueryBuilder::<Sqlite>::new("SELECT r.seq FROM records r WHERE r.memory_id = ");
        query.push_bind(memory_id);
        push_scope(&mut query, request);
        query.push(" ORDER BY r.updated_at DESC LIMIT ").push_bind(limit);
        Ok(query.build_query_scalar().fetch_all(&self.pool).await?)
    }

    /// Records ranked by cosine similarity to the query, when an embedder is set and answers.
    async fn vector_ranking(
        &self,
        memory_id: &str,
        request: &RetrieveRecords,
    ) -> Result<Option<Vec<i64>>> {
        let Some(embedder) = &self.embedder else { return Ok(None) };
        if request.search_query.trim().is_empty() {
            return Ok(None);
        }
        let query_text = [request.search_query.clone()];
        let mut query_vector = match embedder.embed(&query_text).await {
            Ok(mut vectors) if !vectors.is_empty() => vectors.swap_remove(0),
            Ok(_) => return Ok(None),
            Err(error) => {
                tracing::warn!("embedding the query failed, using full-text ranking only: {error}");
                return Ok(None);
            }
        };
        normalise(&mut query_vector);
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT r.seq, r.embedding FROM records r WHERE r.memory_id = ",
        );
        query.push_bind(memory_id);
        query.push(" AND r.embedding_model = ").push_bind(embedder.model().to_owned());
        push_scope(&mut query, request);
        let rows: Vec<(i64, Vec<u8>)> = query.build_query_as().fetch_all(&self.pool).await?;
        let mut ranked: Vec<(i64, f32)> =
            rows.iter().map(|(seq, stored)| (*seq, cosine(stored, &query_vector))).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(Some(ranked.into_iter().take(CANDIDATES as usize).map(|(seq, _)| seq).collect()))
    }

    /// The embedding of `text` and the model's name, or none without an embedder or when it
    /// fails (the record is then found by full text only).
    pub(crate) async fn embed_one(&self, text: &str) -> Option<(Vec<u8>, String)> {
        let embedder = self.embedder.as_ref()?;
        match embedder.embed(&[text.to_owned()]).await {
            Ok(vectors) => {
                vectors.first().map(|vector| (encode(vector), embedder.model().to_owned()))
            }
            Err(error) => {
                tracing::warn!(
                    "embedding a record failed; it is searchable by full text only: {error}"
                );
                None
            }
        }
    }
}

/// The columns of a new record.
pub(crate) struct RecordRow<'a> {
    pub(crate) strategy_id: &'a str,
    pub(crate) actor_id: &'a str,
    pub(crate) session_id: Option<&'a str>,
    pub(crate) namespace: &'a str,
    pub(crate) text: &'a str,
    pub(crate) topic: Option<&'a str>,
    pub(crate) sources: &'a [String],
}

/// Inserts a record and returns its id.
pub(crate) async fn insert_record(
    tx: &mut sqlx::Transaction<'static, Sqlite>,
    memory_id: &str,
    row: &RecordRow<'_>,
    embedding: Option<&(Vec<u8>, String)>,
) -> Result<String> {
    let record_id = format!("mr-{}", uuid::Uuid::now_v7().simple());
    let now = now_ms();
    sqlx::query(
        "INSERT INTO records (record_id, memory_id, strategy_id, actor_id, session_id, namespace,
            text, short_words, topic, source_events, created_at, updated_at, embedding,
            embedding_model)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&record_id)
    .bind(memory_id)
    .bind(row.strategy_id)
    .bind(row.actor_id)
    .bind(row.session_id)
    .bind(row.namespace)
    .bind(row.text)
    .bind(short_words(row.text))
    .bind(row.topic)
    .bind(serde_json::Value::from(row.sources.to_vec()).to_string())
    .bind(now)
    .bind(now)
    .bind(embedding.map(|(vector, _)| vector.clone()))
    .bind(embedding.map(|(_, model)| model.clone()))
    .execute(&mut **tx)
    .await?;
    Ok(record_id)
}

fn push_filters(
    query: &mut QueryBuilder<Sqlite>,
    namespace: &str,
    strategy: Option<&str>,
    actor: Option<&str>,
) {
    if !namespace.is_empty() {
        // A range rather than a prefix function, so the namespace index is used: every
        // string starting with the prefix sorts below prefix + U+10FFFF.
        query.push(" AND r.namespace >= ").push_bind(namespace.to_owned());
        query.push(" AND r.namespace < ").push_bind(format!("{namespace}\u{10FFFF}"));
    }
    if let Some(strategy) = strategy {
        query.push(" AND r.strategy_id = ").push_bind(strategy.to_owned());
    }
    if let Some(actor) = actor {
        query.push(" AND r.actor_id = ").push_bind(actor.to_owned());
    }
}

fn push_scope(query: &mut QueryBuilder<Sqlite>, request: &RetrieveRecords) {
    push_filters(
        query,
        &request.namespace,
        request.memory_strategy_id.as_deref(),
        request.actor_id.as_deref(),
    );
    query.push(" AND r.status = 'active'");
    if let Some(after) = request.updated_after {
        query.push(" AND r.updated_at >= ").push_bind(to_ms(after));
    }
    if let Some(before) = request.updated_before {
        query.push(" AND r.updated_at < ").push_bind(to_ms(before));
    }
}

pub(crate) fn record_from_row(row: &SqliteRow) -> MemoryRecord {
    let sources: String = row.get("source_events");
    let status: String = row.get("status");
    MemoryRecord {
        memory_record_id: row.get("record_id"),
        content: Content { text: row.get("text") },
        memory_strategy_id: row.get("strategy_id"),
        namespaces: vec![row.get("namespace")],
        actor_id: row.get("actor_id"),
        session_id: row.get("session_id"),
        topic: row.get("topic"),
        source_event_ids: serde_json::from_str(&sources).unwrap_or_default(),
        status: if status == "retired" { RecordStatus::Retired } else { RecordStatus::Active },
        created_at: from_ms(row.get("created_at")),
        updated_at: from_ms(row.get("updated_at")),
    }
}
