//! What happens to data over time and at the user's request: expiry, export, import and
//! "forget me".

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::events::ListEvents;
use crate::model::{Event, Memory, MemoryRecord, Session};
use crate::records::ListRecords;
use crate::search::short_words;
use crate::store::{MemoryStore, NewMemory};
use crate::time_ms::{now_ms, to_ms};

/// The `format` of an export file.
pub const EXPORT_FORMAT: &str = "agentdesk-memory-export";
const EXPORT_VERSION: u32 = 1;

/// A user's data as a JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Export {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// The format's version.
    pub version: u32,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: time::OffsetDateTime,
    /// Each memory with its data.
    pub memories: Vec<MemoryExport>,
}

/// One memory's part of an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryExport {
    /// The memory and its strategies.
    pub memory: Memory,
    /// Its sessions.
    pub sessions: Vec<Session>,
    /// Their events, oldest first.
    pub events: Vec<Event>,
    /// Its records, retired ones included.
    pub records: Vec<MemoryRecord>,
}

/// What an import added (what was already there is skipped, so importing twice is harmless).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct ImportSummary {
    /// Memories created.
    pub memories: u32,
    /// Events added.
    pub events: u32,
    /// Records added.
    pub records: u32,
    /// Events and records already present.
    pub skipped: u32,
}

/// What "forget me" deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct ForgetSummary {
    /// Sessions deleted.
    pub sessions: u32,
    /// Events deleted.
    pub events: u32,
    /// Records deleted.
    pub records: u32,
}

impl MemoryStore {
    /// Deletes events past their memory's expiry, and sessions left empty. Returns how many
    /// events went.
    pub async fn purge_expired(&self) -> Result<u64> {
        let mut tx = self.write().await?;
        let events = sqlx::query("DELETE FROM events WHERE expires_at <= ?")
            .bind(now_ms())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if events > 0 {
            sqlx::query(
                "DELETE FROM sessions WHERE NOT EXISTS (SELECT 1 FROM events e
                   WHERE e.memory_id = sessions.memory_id AND e.actor_id = sessions.actor_id
                     AND e.session_id = sessions.session_id)",
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(events)
    }

    /// Everything stored, or one actor's part of it, as a document [`import`](Self::import)
    /// reads back.
    pub async fn export(&self, actor_id: Option<&str>) -> Result<Export> {
        let mut memories = Vec::new();
        for memory in self.list_memories().await? {
            let sessions = self.list_sessions(&memory.memory_id, actor_id).await?;
            let mut events = Vec::new();
            for session in &sessions {
                let mut request = ListEvents {
                    oldest_first: true,
                    max_results: Some(1000),
                    ..ListEvents::default()
                };
                loop {
                    let page = self
                        .list_events(
                            &memory.memory_id,
                            &session.actor_id,
                            &session.session_id,
                            &request,
                        )
                        .await?;
                    events.extend(page.items);
                    match page.next_token {
                        Some(token) => request.next_token = Some(token),
                        None => break,
                    }
                }
            }
            let mut records = Vec::new();
            let mut request = ListRecords {
                actor_id: actor_id.map(str::to_owned),
                include_retired: true,
                max_results: Some(1000),
                ..ListRecords::default()
            };
            loop {
                let page = self.list_records(&memory.memory_id, &request).await?;
                records.extend(page.items);
                match page.next_token {
                    Some(token) => request.next_token = Some(token),
                    None => break,
                }
            }
            records.reverse();
            memories.push(MemoryExport { memory, sessions, events, records });
        }
        Ok(Export {
            format: EXPORT_FORMAT.to_owned(),
            version: EXPORT_VERSION,
            exported_at: time::OffsetDateTime::now_utc(),
            memories,
        })
    }

    /// Reads an export back. Memories are matched by id, then name (created when missing); events and
    /// records keep their ids, and those already present are skipped. All or nothing.
    pub async fn import(&self, export: &Export) -> Result<ImportSummary> {
        if export.format != EXPORT_FORMAT {
            return Err(Error::Import(format!(
                "format is {:?}, expected {EXPORT_FORMAT:?}",
                export.format
            )));
        }
        if export.version > EXPORT_VERSION {
            return Err(Error::Import(format!(
                "version {} is newer than this AgentDesk reads ({EXPORT_VERSION}); update AgentDesk",
                export.version
            )));
        }
        let mut summary = ImportSummary::default();
        let mut targets = Vec::with_capacity(export.memories.len());
        for part in &export.memories {
            targets.push(self.import_target(&part.memory, &mut summary).await?);
        }
        let mut tx = self.write().await?;
        for (part, memory_id) in export.memories.iter().zip(&targets) {
            let expiry = crate::time_ms::days_ms(part.memory.event_expiry_days);
            let mut new_sessions = Vec::new();
            for session in &part.sessions {
                let created = sqlx::query(
                    "INSERT INTO sessions (memory_id, actor_id, session_id, title, title_folded,
                        created_at, last_active_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(memory_id)
                .bind(&session.actor_id)
                .bind(&session.session_id)
                .bind(&session.title)
                .bind(session.title.as_deref().map(crate::search_fold::fold))
                .bind(to_ms(session.created_at))
                .bind(to_ms(session.last_active_at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if created == 1 {
                    new_sessions.push(session);
                }
            }
            for event in &part.events {
                let known = part.sessions.iter().any(|session| {
                    session.actor_id == event.actor_id && session.session_id == event.session_id
                });
                if !known {
                    return Err(Error::Import(format!(
                        "event {} belongs to session {:?}, which the file does not list",
                        event.event_id, event.session_id
                    )));
                }
                if let Some(branch) = &event.branch
                    && let Some(root) = &branch.root_event_id
                {
                    sqlx::query(
                            "INSERT INTO branches (memory_id, actor_id, session_id, name, root_event_id, created_at)
                             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        )
                        .bind(memory_id)
                        .bind(&event.actor_id)
                        .bind(&event.session_id)
                        .bind(&branch.name)
                        .bind(root)
                        .bind(to_ms(event.event_timestamp))
                        .execute(&mut *tx)
                        .await?;
                }
                let payload = serde_json::to_string(&event.payload)
                    .map_err(|error| Error::Import(format!("event {}: {error}", event.event_id)))?;
                let metadata = (!event.metadata.is_empty())
                    .then(|| serde_json::Value::Object(event.metadata.clone()).to_string());
                let user_turn =
                    event.messages().any(|message| message.role == crate::model::Role::User);
                let timestamp = to_ms(event.event_timestamp);
                let added = sqlx::query(
                    "INSERT INTO events (event_id, memory_id, actor_id, session_id, branch, timestamp,
                        payload, metadata, user_turn, expires_at, text_folded)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                )
                .bind(&event.event_id)
                .bind(memory_id)
                .bind(&event.actor_id)
                .bind(&event.session_id)
                .bind(event.branch.as_ref().map(|branch| branch.name.as_str()))
                .bind(timestamp)
                .bind(payload)
                .bind(metadata)
                .bind(user_turn)
                .bind(timestamp.saturating_add(expiry))
                .bind(crate::search_fold::event_text(&event.payload))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if added == 1 { summary.events += 1 } else { summary.skipped += 1 }
            }
            for record in &part.records {
                let status = match record.status {
                    crate::model::RecordStatus::Active => "active",
                    crate::model::RecordStatus::Retired => "retired",
                };
                let added = sqlx::query(
                    "INSERT INTO records (record_id, memory_id, strategy_id, actor_id, session_id,
                        namespace, text, short_words, topic, source_events, status, created_at,
                        updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO NOTHING",
                )
                .bind(&record.memory_record_id)
                .bind(memory_id)
                .bind(&record.memory_strategy_id)
                .bind(&record.actor_id)
                .bind(&record.session_id)
                .bind(record.namespaces.first().map_or("/", String::as_str))
                .bind(&record.content.text)
                .bind(short_words(&record.content.text))
                .bind(&record.topic)
                .bind(serde_json::Value::from(record.source_event_ids.clone()).to_string())
                .bind(status)
                .bind(to_ms(record.created_at))
                .bind(to_ms(record.updated_at))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if added == 1 { summary.records += 1 } else { summary.skipped += 1 }
            }
            // A conversation that arrives by import is history, not new talk: extraction
            // starts after it (its records came with it).
            for session in new_sessions {
                sqlx::query(
                    "INSERT INTO extraction_state
                        (memory_id, actor_id, session_id, strategy_id, extracted_seq)
                     SELECT ?1, ?2, ?3, strategy_id,
                        (SELECT COALESCE(MAX(seq), 0) FROM events
                         WHERE memory_id = ?1 AND actor_id = ?2 AND session_id = ?3)
                     FROM strategies WHERE memory_id = ?1",
                )
                .bind(memory_id)
                .bind(&session.actor_id)
                .bind(&session.session_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
            .fetch_one(&self.pool)
            .await?;
        self.newest_event.send_replace(newest);
        Ok(summary)
    }

    /// The local memory an exported one goes into: the same id, else the same name (the
    /// app's default memory has a different id on every machine), else a new one.
    async fn import_target(&self, memory: &Memory, summary: &mut ImportSummary) -> Result<String> {
        if self.get_memory(&memory.memory_id).await.is_ok() {
            return Ok(memory.memory_id.clone());
        }
        if let Ok(local) = self.memory_named(&memory.name).await {
            return Ok(local.memory_id);
        }
        let created = self
            .create_memory(NewMemory {
                memory_id: Some(memory.memory_id.clone()),
                name: memory.name.clone(),
                description: memory.description.clone(),
                event_expiry_days: memory.event_expiry_days,
                strategies: memory.strategies.clone(),
            })
            .await?;
        summary.memories += 1;
        Ok(created.memory_id)
    }

    /// "Forget me": deletes an actor's sessions, events and records in every memory, and
    /// overwrites them on disk.
    pub async fn forget_actor(&self, actor_id: &str) -> Result<ForgetSummary> {
        let mut tx = self.write().await?;
        let counts = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM sessions WHERE actor_id = ?1) AS sessions,
                    (SELECT COUNT(*) FROM events WHERE actor_id = ?1) AS events",
        )
        .bind(actor_id)
        .fetch_one(&mut *tx)
        .await?;
        let records = sqlx::query("DELETE FROM records WHERE actor_id = ?")
            .bind(actor_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Events, branches and extraction state go with their sessions (foreign keys).
        sqlx::query("DELETE FROM sessions WHERE actor_id = ?")
            .bind(actor_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        // secure_delete zeroes the freed pages; the checkpoint moves that into the main file
        // and empties the write-ahead log, which still held the old pages.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        let count = |column: &str| u32::try_from(counts.get::<i64, _>(column)).unwrap_or(u32::MAX);
        Ok(ForgetSummary {
            sessions: count("sessions"),
            events: count("events"),
            records: u32::try_from(records).unwrap_or(u32::MAX),
        })
    }
}
