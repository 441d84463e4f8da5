//! Long-term extraction: reading new events through an [`Extractor`], consolidating what it
//! finds with what is already remembered, and telling anyone who asks how far it got.
//!
//! The store does the bookkeeping (which events each session has had extracted, the last run,
//! the last error); the extractor does the understanding. The agent implements [`Extractor`]
//! with its model; [`RuleExtractor`] captures explicit statements without one.

mod rules;
mod worker;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

pub use rules::RuleExtractor;
pub use worker::{ExtractionPolicy, ExtractionWorker};

use crate::embedding::BoxFuture;
use crate::error::{Error, Result};
use crate::events::event_from_row;
use crate::model::{Event, MemoryRecord, Strategy};
use crate::records::{RecordRow, insert_record, record_from_row};
use crate::search::short_words;
use crate::store::MemoryStore;
use crate::time_ms::{from_ms, now_ms};

/// How many existing records of a namespace an extractor sees for consolidation.
const EXISTING_SHOWN: i64 = 50;

/// What an extractor is asked: one strategy, one session's new events.
#[derive(Debug, Clone)]
pub struct ExtractionRequest<'a> {
    /// The strategy (its kind and, for custom ones, its prompts).
    pub strategy: &'a Strategy,
    /// Whose conversation.
    pub actor_id: &'a str,
    /// Which conversation.
    pub session_id: &'a str,
    /// The conversation's title.
    pub session_title: Option<&'a str>,
    /// USER messages in the whole conversation so far.
    pub session_turns: u32,
    /// Events not yet extracted, oldest first.
    pub events: &'a [Event],
    /// The namespace's active records, newest first, to consolidate against.
    pub existing: &'a [MemoryRecord],
}

/// One thing an extractor found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "op")]
pub enum Extracted {
    /// Something to remember. With a `topic` already remembered, or the same text, the older
    /// record is updated rather than a duplicate added.
    Remember {
        /// What to remember.
        text: String,
        /// What it is about (`region`, `budget`, `summary`…), when it has one.
        topic: Option<String>,
        /// The events it comes from.
        source_event_ids: Vec<String>,
    },
    /// A model's consolidation: an existing record rewritten.
    Update {
        /// The record.
        memory_record_id: String,
        /// Its new text.
        text: String,
        /// The events behind the change.
        source_event_ids: Vec<String>,
    },
    /// An existing record that is no longer true; kept as retired, never recalled.
    Retire {
        /// The record.
        memory_record_id: String,
    },
}

/// Understands conversations: the agent's model, or [`RuleExtractor`] offline.
pub trait Extractor: Send + Sync + std::fmt::Debug {
    /// A name for status displays (`rules`, `anthropic/claude-…`).
    fn name(&self) -> &str;

    /// Whether it can run this strategy (rules cannot follow a custom prompt).
    fn supports(&self, strategy: &Strategy) -> bool;

    /// What the new events say for this strategy.
    fn extract<'a>(
        &'a self,
        request: ExtractionRequest<'a>,
    ) -> BoxFuture<'a, Result<Vec<Extracted>, String>>;
}

/// What one extraction run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct ExtractionReport {
    /// Sessions read.
    pub sessions: u32,
    /// Events read.
    pub events: u32,
    /// Records added.
    pub added: u32,
    /// Records updated by consolidation.
    pub updated: u32,
    /// Records retired.
    pub retired: u32,
    /// Strategies the extractor cannot run (custom strategies without a model).
    pub skipped_strategies: Vec<String>,
}

impl ExtractionReport {
    fn absorb(&mut self, other: Self) {
        self.sessions += other.sessions;
        self.events += other.events;
        self.added += other.added;
        self.updated += other.updated;
        self.retired += other.retired;
        for strategy in other.skipped_strategies {
            if !self.skipped_strategies.contains(&strategy) {
                self.skipped_strategies.push(strategy);
            }
        }
    }
}

/// How far extraction has got: never a silent delay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct ExtractionStatus {
    /// Events stored but not yet extracted.
    pub pending_events: u32,
    /// Sessions with pending events.
    pub pending_sessions: u32,
    /// When extraction last finished a session.
    #[serde(with = "time::serde::rfc3339::option")]
    #[ts(type = "string | null")]
    pub last_run_at: Option<time::OffsetDateTime>,
    /// The newest failure still standing, with its session.
    pub last_error: Option<String>,
    /// Records written in total.
    pub records_written: u32,
    /// The extractor the status is for.
    pub extractor: Option<String>,
    /// Whether a run is in progress (known to a worker only).
    pub running: bool,
    /// Strategies the extractor cannot run; their events wait for one that can.
    pub skipped_strategies: Vec<String>,
}

/// What the extractor found for one strategy, with what it was compared against.
struct Planned<'a> {
    strategy: &'a Strategy,
    namespace: String,
    existing: Vec<MemoryRecord>,
    found: Vec<Extracted>,
    /// The newest event the strategy has now read.
    newest_seq: i64,
}

/// A session with events not yet extracted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingSession {
    pub(crate) actor_id: String,
    pub(crate) session_id: String,
    pub(crate) pending_events: u32,
    pub(crate) pending_turns: u32,
    pub(crate) last_active_ms: i64,
}

impl MemoryStore {
    /// How far `extractor` has got in a memory: pending events count only the strategies it
    /// can run; the others are listed as skipped.
    pub async fn extraction_status(
        &self,
        memory_id: &str,
        extractor: &dyn Extractor,
    ) -> Result<ExtractionStatus> {
        let (supported, skipped) = self.strategies_for(memory_id, extractor).await?;
        let pending = self.pending_sessions(memory_id, &supported).await?;
        let row = sqlx::query(
            "SELECT MAX(last_run_at) AS last_run_at, COALESCE(SUM(records_written), 0) AS written
             FROM extraction_state WHERE memory_id = ?",
        )
        .bind(memory_id)
        .fetch_one(&self.pool)
        .await?;
        let last_error: Option<(String, String)> = sqlx::query_as(
            "SELECT session_id, last_error FROM extraction_state
             WHERE memory_id = ? AND last_error IS NOT NULL ORDER BY last_run_at DESC LIMIT 1",
        )
        .bind(memory_id)
        .fetch_optional(&self.pool)
        .await?;
        let last_run: Option<i64> = row.get("last_run_at");
        Ok(ExtractionStatus {
            pending_events: pending.iter().map(|session| session.pending_events).sum(),
            pending_sessions: u32::try_from(pending.len()).unwrap_or(u32::MAX),
            last_run_at: last_run.map(from_ms),
            last_error: last_error.map(|(session, error)| format!("session {session}: {error}")),
            records_written: u32::try_from(row.get::<i64, _>("written")).unwrap_or(u32::MAX),
            extractor: Some(extractor.name().to_owned()),
            running: false,
            skipped_strategies: skipped,
        })
    }

    /// The ids of a memory's strategies `extractor` can run, and of those it cannot.
    pub(crate) async fn strategies_for(
        &self,
        memory_id: &str,
        extractor: &dyn Extractor,
    ) -> Result<(Vec<String>, Vec<String>)> {
        let memory = self.get_memory(memory_id).await?;
        let (supported, skipped): (Vec<&Strategy>, Vec<&Strategy>) =
            memory.strategies.iter().partition(|strategy| extractor.supports(strategy));
        let ids = |strategies: Vec<&Strategy>| {
            strategies.into_iter().map(|strategy| strategy.strategy_id.clone()).collect()
        };
        Ok((ids(supported), ids(skipped)))
    }

    /// Sessions with events some of `strategies` have not read, least recently active first.
    pub(crate) async fn pending_sessions(
        &self,
        memory_id: &str,
        strategies: &[String],
    ) -> Result<Vec<PendingSession>> {
        if strategies.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "WITH marks AS (
                SELECT s.actor_id, s.session_id, MIN(COALESCE(x.extracted_seq, 0)) AS mark
                FROM sessions s CROSS JOIN json_each(?2) AS strategy
                LEFT JOIN extraction_state x ON x.memory_id = s.memory_id
                    AND x.actor_id = s.actor_id AND x.session_id = s.session_id
                    AND x.strategy_id = strategy.value
                WHERE s.memory_id = ?1 GROUP BY s.actor_id, s.session_id)
             SELECT e.actor_id, e.session_id, COUNT(*) AS pending, SUM(e.user_turn) AS turns,
                    MAX(e.timestamp) AS last_active
             FROM marks m JOIN events e ON e.memory_id = ?1 AND e.actor_id = m.actor_id
                AND e.session_id = m.session_id AND e.seq > m.mark
             GROUP BY e.actor_id, e.session_id ORDER BY last_active",
        )
        .bind(memory_id)
        .bind(serde_json::Value::from(strategies.to_vec()).to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| PendingSession {
                actor_id: row.get("actor_id"),
                session_id: row.get("session_id"),
                pending_events: u32::try_from(row.get::<i64, _>("pending")).unwrap_or(u32::MAX),
                pending_turns: u32::try_from(row.get::<i64, _>("turns")).unwrap_or(u32::MAX),
                last_active_ms: row.get("last_active"),
            })
            .collect())
    }

    /// Extracts every session with pending events now, whatever the policy says.
    pub async fn extract_pending(
        &self,
        memory_id: &str,
        extractor: &dyn Extractor,
    ) -> Result<ExtractionReport> {
        let (supported, skipped) = self.strategies_for(memory_id, extractor).await?;
        let mut report =
            ExtractionReport { skipped_strategies: skipped, ..ExtractionReport::default() };
        let mut first_error = None;
        for session in self.pending_sessions(memory_id, &supported).await? {
            match self
                .extract_session(memory_id, &session.actor_id, &session.session_id, extractor)
                .await
            {
                Ok(done) => report.absorb(done),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) if report.sessions == 0 => Err(error),
            _ => Ok(report),
        }
    }

    /// Reads one session's new events through the extractor, strategy by strategy, and
    /// consolidates what it finds, in one transaction with the bookkeeping. On failure
    /// nothing is written, the error is recorded for the status, and the events stay pending.
    pub async fn extract_session(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
        extractor: &dyn Extractor,
    ) -> Result<ExtractionReport> {
        let memory = self.get_memory(memory_id).await?;
        let marks: HashMap<String, i64> = sqlx::query_as(
            "SELECT strategy_id, extracted_seq FROM extraction_state
             WHERE memory_id = ? AND actor_id = ? AND session_id = ?",
        )
        .bind(memory_id)
        .bind(actor_id)
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();
        let mark = |strategy: &Strategy| marks.get(&strategy.strategy_id).copied().unwrap_or(0);
        let mut report = ExtractionReport::default();
        let mut supported = Vec::new();
        for strategy in &memory.strategies {
            if extractor.supports(strategy) {
                supported.push(strategy);
            } else {
                report.skipped_strategies.push(strategy.strategy_id.clone());
            }
        }
        let Some(oldest_mark) = supported.iter().map(|strategy| mark(strategy)).min() else {
            return Ok(report);
        };
        let rows = sqlx::query(
            "SELECT e.seq, e.event_id, e.actor_id, e.session_id, e.branch, e.timestamp, e.payload,
                    e.metadata, NULL AS root_event_id
             FROM events e WHERE e.memory_id = ? AND e.actor_id = ? AND e.session_id = ? AND e.seq > ?
             ORDER BY e.seq",
        )
        .bind(memory_id)
        .bind(actor_id)
        .bind(session_id)
        .bind(oldest_mark)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(report);
        }
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            events.push((row.get::<i64, _>("seq"), event_from_row(row)?));
        }
        let (title, turns): (Option<String>, i64) = sqlx::query_as(
            "SELECT s.title, (SELECT COUNT(*) FROM events e WHERE e.memory_id = s.memory_id
                AND e.actor_id = s.actor_id AND e.session_id = s.session_id AND e.user_turn = 1)
             FROM sessions s WHERE s.memory_id = ? AND s.actor_id = ? AND s.session_id = ?",
        )
        .bind(memory_id)
        .bind(actor_id)
        .bind(session_id)
        .fetch_one(&self.pool)
        .await?;

        report.sessions = 1;
        report.events = u32::try_from(events.len()).unwrap_or(u32::MAX);
        let mut planned = Vec::new();
        for strategy in supported {
            let unread: Vec<Event> = events
                .iter()
                .filter(|(seq, _)| *seq > mark(strategy))
                .map(|(_, event)| event.clone())
                .collect();
            let Some(newest_seq) =
                events.last().map(|(seq, _)| *seq).filter(|_| !unread.is_empty())
            else {
                continue;
            };
            let namespace = strategy.namespace(actor_id, session_id);
            let existing = self.active_records(memory_id, &namespace).await?;
            let request = ExtractionRequest {
                strategy,
                actor_id,
                session_id,
                session_title: title.as_deref(),
                session_turns: u32::try_from(turns).unwrap_or(u32::MAX),
                events: &unread,
                existing: &existing,
            };
            match extractor.extract(request).await {
                Ok(found) => {
                    planned.push(Planned { strategy, namespace, existing, found, newest_seq });
                }
                Err(message) => {
                    self.record_failure(memory_id, actor_id, session_id, strategy, &message)
                        .await?;
                    return Err(Error::Extraction(message));
                }
            }
        }

        self.apply_findings(memory_id, actor_id, session_id, &planned, &mut report).await?;
        Ok(report)
    }

    /// Writes what the extractor found, consolidated with what is remembered, and moves each
    /// strategy's extraction mark, in one transaction.
    async fn apply_findings(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
        planned: &[Planned<'_>],
        report: &mut ExtractionReport,
    ) -> Result<()> {
        // Embeddings come from a model: fetch them before taking the write lock.
        let mut embeddings = Vec::new();
        for Planned { found, .. } in planned {
            for item in found {
                embeddings.push(match item {
                    Extracted::Remember { text, .. } | Extracted::Update { text, .. } => {
                        self.embed_one(text).await
                    }
                    Extracted::Retire { .. } => None,
                });
            }
        }
        let mut embeddings = embeddings.into_iter();
        let mut tx = self.write().await?;
        for plan in planned {
            let mut written = 0;
            for item in &plan.found {
                let embedding = embeddings.next().flatten();
                let change = apply_one(
                    &mut tx,
                    memory_id,
                    actor_id,
                    session_id,
                    plan,
                    item,
                    embedding.as_ref(),
                )
                .await?;
                match change {
                    Change::Added => report.added += 1,
                    Change::Updated => report.updated += 1,
                    Change::Retired => report.retired += 1,
                    Change::Nothing => continue,
                }
                written += 1;
            }
            sqlx::query(
                "INSERT INTO extraction_state (memory_id, actor_id, session_id, strategy_id,
                    extracted_seq, last_run_at, last_error, records_written)
                 VALUES (?, ?, ?, ?, ?, ?, NULL, ?)
                 ON CONFLICT DO UPDATE SET extracted_seq = excluded.extracted_seq,
                    last_run_at = excluded.last_run_at, last_error = NULL,
                    records_written = records_written + excluded.records_written",
            )
            .bind(memory_id)
            .bind(actor_id)
            .bind(session_id)
            .bind(&plan.strategy.strategy_id)
            .bind(plan.newest_seq)
            .bind(now_ms())
            .bind(written)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn active_records(&self, memory_id: &str, namespace: &str) -> Result<Vec<MemoryRecord>> {
        let rows = sqlx::query(
            "SELECT r.seq, r.record_id, r.strategy_id, r.actor_id, r.session_id, r.namespace,
                    r.text, r.topic, r.source_events, r.status, r.created_at, r.updated_at
             FROM records r WHERE r.memory_id = ? AND r.namespace = ? AND r.status = 'active'
             ORDER BY r.updated_at DESC LIMIT ?",
        )
        .bind(memory_id)
        .bind(namespace)
        .bind(EXISTING_SHOWN)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(record_from_row).collect())
    }

    async fn record_failure(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
        strategy: &Strategy,
        message: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO extraction_state (memory_id, actor_id, session_id, strategy_id,
                last_run_at, last_error)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT DO UPDATE SET last_run_at = excluded.last_run_at,
                last_error = excluded.last_error",
        )
        .bind(memory_id)
        .bind(actor_id)
        .bind(session_id)
        .bind(&strategy.strategy_id)
        .bind(now_ms())
        .bind(message)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// What applying one finding did.
enum Change {
    Added,
    Updated,
    Retired,
    Nothing,
}

async fn apply_one(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    memory_id: &str,
    actor_id: &str,
    session_id: &str,
    plan: &Planned<'_>,
    item: &Extracted,
    embedding: Option<&(Vec<u8>, String)>,
) -> Result<Change> {
    let Planned { strategy, namespace, existing, .. } = plan;
    match item {
        Extracted::Remember { text, topic, source_event_ids } => {
            let text = text.trim();
            if text.is_empty() {
                return Ok(Change::Nothing);
            }
            if let Some(target) = consolidation_target(existing, topic.as_deref(), text) {
                update_record_text(tx, target, text, source_event_ids, embedding).await?;
                return Ok(Change::Updated);
            }
            let row = RecordRow {
                strategy_id: &strategy.strategy_id,
                actor_id,
                session_id: strategy.is_per_session().then_some(session_id),
                namespace,
                text,
                topic: topic.as_deref(),
                sources: source_event_ids,
            };
            insert_record(tx, memory_id, &row, embedding).await?;
            Ok(Change::Added)
        }
        Extracted::Update { memory_record_id, text, source_event_ids } => {
            let Some(target) =
                existing.iter().find(|record| &record.memory_record_id == memory_record_id)
            else {
                return Ok(Change::Nothing);
            };
            update_record_text(tx, target, text.trim(), source_event_ids, embedding).await?;
            Ok(Change::Updated)
        }
        Extracted::Retire { memory_record_id } => {
            let retired = sqlx::query(
                "UPDATE records SET status = 'retired', updated_at = ?
                 WHERE memory_id = ? AND record_id = ? AND namespace = ? AND status = 'active'",
            )
            .bind(now_ms())
            .bind(memory_id)
            .bind(memory_record_id)
            .bind(namespace)
            .execute(&mut **tx)
            .await?;
            Ok(if retired.rows_affected() > 0 { Change::Retired } else { Change::Nothing })
        }
    }
}

/// The record a new finding should update instead of sitting beside: one on the same topic,
/// or one saying nearly the same thing.
fn consolidation_target<'r>(
    existing: &'r [MemoryRecord],
    topic: Option<&str>,
    text: &str,
) -> Option<&'r MemoryRecord> {
    let same_topic = topic
        .and_then(|topic| existing.iter().find(|record| record.topic.as_deref() == Some(topic)));
    same_topic
        .or_else(|| existing.iter().find(|record| similarity(&record.content.text, text) >= 0.8))
}

/// Jaccard similarity of two texts' character trigrams (case and spacing ignored).
fn similarity(a: &str, b: &str) -> f64 {
    let grams = |text: &str| -> std::collections::HashSet<[char; 3]> {
        let chars: Vec<char> = text.to_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
        chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
    };
    let (a, b) = (grams(a), grams(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / a.union(&b).count() as f64
}

async fn update_record_text(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    target: &MemoryRecord,
    text: &str,
    new_sources: &[String],
    embedding: Option<&(Vec<u8>, String)>,
) -> Result<()> {
    let mut sources = target.source_event_ids.clone();
    for source in new_sources {
        if !sources.contains(source) {
            sources.push(source.clone());
        }
    }
    let text = if text.is_empty() { target.content.text.as_str() } else { text };
    sqlx::query(
        "UPDATE records SET text = ?, short_words = ?, source_events = ?, updated_at = ?,
            embedding = COALESCE(?, embedding), embedding_model = COALESCE(?, embedding_model)
         WHERE record_id = ?",
    )
    .bind(text)
    .bind(short_words(text))
    .bind(serde_json::Value::from(sources).to_string())
    .bind(now_ms())
    .bind(embedding.map(|(vector, _)| vector.clone()))
    .bind(embedding.map(|(_, model)| model.clone()))
    .bind(&target.memory_record_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::similarity;

    #[test]
    fn similarity_ignores_case_and_spacing() {
        assert!(similarity("Prefers the lowest cost", "prefers  the lowest cost") > 0.99);
        assert!(similarity("Budget: $500 a month", "Region: us-east-1") < 0.2);
    }
}
