//! Short-term memory: events, and the last turns of a conversation.

use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::branches::{Lineage, MAIN_BRANCH};
use crate::error::{Error, Result};
use crate::model::{BranchRef, Event, NewEvent, Page, PayloadItem, Role, Turn, TurnMessage};
use crate::store::{MemoryStore, parse_token};
use crate::time_ms::{days_ms, from_ms, now_ms, to_ms};

const MAX_ID_LENGTH: usize = 255;
const TITLE_LENGTH: usize = 60;
const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

/// Which events of a session `list_events` returns (AgentCore `ListEvents`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListEvents {
    /// Only this branch (`main` for the main line); every branch when absent.
    #[serde(default)]
    pub branch: Option<BranchFilter>,
    /// Oldest first instead of AgentCore's newest first.
    #[serde(default)]
    pub oldest_first: bool,
    /// Page size (default 100, at most 1000).
    #[serde(default)]
    pub max_results: Option<u32>,
    /// Where the previous page ended.
    #[serde(default)]
    pub next_token: Option<String>,
}

/// A branch to read, with or without the conversation it forked from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BranchFilter {
    /// The branch; `main` for the main line.
    pub name: String,
    /// Also the events of the branches it forked from, up to each fork.
    #[serde(default)]
    pub include_parent_branches: bool,
}

/// One read of a session's events.
#[derive(Clone, Copy)]
struct Scan<'a> {
    /// Only these branches, up to their forks; every branch when none.
    lineage: Option<&'a Lineage>,
    /// Continue past this sequence number (in the direction of the scan).
    after: Option<i64>,
    oldest_first: bool,
    limit: u32,
}

const EVENT_COLUMNS: &str = "SELECT e.seq, e.event_id, e.actor_id, e.session_id, e.branch,
        e.timestamp, e.payload, e.metadata, b.root_event_id
     FROM events e LEFT JOIN branches b ON b.memory_id = e.memory_id
        AND b.actor_id = e.actor_id AND b.session_id = e.session_id AND b.name = e.branch";

impl MemoryStore {
    /// Stores an event (AgentCore `CreateEvent`) and returns it with its id.
    ///
    /// The session is created on its first event and titled from its first user message; a
    /// branch is created by the first event that names it with a `rootEventId`.
    pub async fn create_event(&self, memory_id: &str, new: NewEvent) -> Result<Event> {
        validate_id("actorId", &new.actor_id)?;
        validate_id("sessionId", &new.session_id)?;
        if new.payload.is_empty() {
            return Err(Error::invalid("an event needs at least one payload item"));
        }
        let payload = serde_json::to_string(&new.payload)
            .map_err(|error| Error::invalid(format!("payload cannot be stored: {error}")))?;
        let metadata = if new.metadata.is_empty() {
            None
        } else {
            Some(serde_json::Value::Object(new.metadata.clone()).to_string())
        };
        let timestamp = new.event_timestamp.map_or_else(now_ms, to_ms);
        let user_text = new
            .payload
            .iter()
            .filter_map(PayloadItem::as_message)
            .find(|message| message.role == Role::User)
            .map(|message| message.content.text.as_str());
        let title = user_text.map(title_from);

        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO sessions (memory_id, actor_id, session_id, title, title_folded,
                created_at, last_active_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT DO UPDATE SET
                title_folded = CASE WHEN title IS NULL THEN excluded.title_folded ELSE title_folded END,
                title = COALESCE(title, excluded.title),
                last_active_at = MAX(last_active_at, excluded.last_active_at)",
        )
        .bind(memory_id)
        .bind(&new.actor_id)
        .bind(&new.session_id)
        .bind(title.as_deref())
        .bind(title.as_deref().map(crate::search_fold::fold))
        .bind(timestamp)
        .bind(timestamp)
        .execute(&mut *tx)
        .await
        .map_err(|error| match error.as_database_error().map(|e| e.kind()) {
            Some(sqlx::error::ErrorKind::ForeignKeyViolation) => Error::not_found("memory", memory_id),
            _ => Error::Database(error),
        })?;

        let branch = match &new.branch {
            None => None,
            Some(branch) => Some(self.resolve_branch(&mut tx, memory_id, &new, branch).await?),
        };
        let event_id = uuid::Uuid::now_v7().to_string();
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO events (event_id, memory_id, actor_id, session_id, branch, timestamp,
                payload, metadata, user_turn, expires_at, text_folded)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?6 + ?10 *
                (SELECT event_expiry_days FROM memories WHERE memory_id = ?2), ?11)
             RETURNING seq",
        )
        .bind(&event_id)
        .bind(memory_id)
        .bind(&new.actor_id)
        .bind(&new.session_id)
        .bind(branch.as_ref().map(|branch: &BranchRef| branch.name.as_str()))
        .bind(timestamp)
        .bind(&payload)
        .bind(&metadata)
        .bind(user_text.is_some())
        .bind(days_ms(1))
        .bind(crate::search_fold::event_text(&new.payload))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.newest_event.send_replace(seq);

        Ok(Event {
            event_id,
            actor_id: new.actor_id,
            session_id: new.session_id,
            event_timestamp: from_ms(timestamp),
            payload: new.payload,
            branch,
            metadata: new.metadata,
        })
    }

    /// One event (AgentCore `GetEvent`).
    pub async fn get_event(&self, memory_id: &str, event_id: &str) -> Result<Event> {
        let sql = format!("{EVENT_COLUMNS} WHERE e.memory_id = ? AND e.event_id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(memory_id)
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::not_found("event", event_id))?;
        event_from_row(&row)
    }

    /// A session's events, newest first unless asked otherwise (AgentCore `ListEvents`).
    pub async fn list_events(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
        request: &ListEvents,
    ) -> Result<Page<Event>> {
        let lineage = match &request.branch {
            None => None,
            Some(filter) => Some(
                self.lineage(
                    memory_id,
                    actor_id,
                    session_id,
                    &filter.name,
                    filter.include_parent_branches,
                )
                .await?,
            ),
        };
        let limit = request.max_results.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        let after = parse_token(request.next_token.as_deref())?;
        let scan = Scan {
            lineage: lineage.as_ref(),
            after,
            oldest_first: request.oldest_first,
            limit: limit + 1,
        };
        let rows = self.fetch_events(memory_id, actor_id, session_id, scan).await?;
        let mut events = Vec::with_capacity(rows.len());
        let mut last_seq = None;
        for row in rows.iter().take(limit as usize) {
            events.push(event_from_row(row)?);
            last_seq = Some(row.get::<i64, _>("seq"));
        }
        let next_token =
            if rows.len() > limit as usize { last_seq.map(|seq| seq.to_string()) } else { None };
        Ok(Page { items: events, next_token })
    }

    async fn fetch_events(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
        scan: Scan<'_>,
    ) -> Result<Vec<SqliteRow>> {
        let Scan { lineage, after, oldest_first, limit } = scan;
        let mut query = QueryBuilder::<Sqlite>::new(EVENT_COLUMNS);
        query.push(" WHERE e.memory_id = ").push_bind(memory_id);
        query.push(" AND e.actor_id = ").push_bind(actor_id);
        query.push(" AND e.session_id = ").push_bind(session_id);
        if let Some(lineage) = lineage {
            query.push(" AND (");
            for (index, (branch, newest)) in lineage.iter().enumerate() {
                if index > 0 {
                    query.push(" OR ");
                }
                query.push("(e.branch IS ").push_bind(branch.clone());
                query.push(" AND e.seq <= ").push_bind(*newest).push(")");
            }
            query.push(")");
        }
        if let Some(after) = after {
            query
                .push(if oldest_first { " AND e.seq > " } else { " AND e.seq < " })
                .push_bind(after);
        }
        query.push(if oldest_first { " ORDER BY e.seq ASC" } else { " ORDER BY e.seq DESC" });
        query.push(" LIMIT ").push_bind(i64::from(limit));
        Ok(query.build().fetch_all(&self.pool).await?)
    }

    /// The last `k` turns of a conversation, **oldest first** (the order a model wants them),
    /// each a USER message and what followed it. On a branch, the conversation it forked from
    /// counts too.
    pub async fn last_k_turns(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
        branch: Option<&str>,
        k: usize,
    ) -> Result<Vec<Turn>> {
        if k == 0 {
            return Ok(Vec::new());
        }
        let lineage = self
            .lineage(memory_id, actor_id, session_id, branch.unwrap_or(MAIN_BRANCH), true)
            .await?;
        let chunk = u32::try_from(k.saturating_mul(4).clamp(16, 1000)).unwrap_or(1000);
        let mut newest_first: Vec<TurnMessage> = Vec::new();
        let mut users = 0;
        let mut before = None;
        'read: loop {
            let scan =
                Scan { lineage: Some(&lineage), after: before, oldest_first: false, limit: chunk };
            let rows = self.fetch_events(memory_id, actor_id, session_id, scan).await?;
            let exhausted = rows.len() < chunk as usize;
            for row in &rows {
                before = Some(row.get::<i64, _>("seq"));
                let event = event_from_row(row)?;
                // Within one event, messages are in order; reversed here, restored below.
                for message in event.messages().collect::<Vec<_>>().into_iter().rev() {
                    newest_first.push(TurnMessage {
                        event_id: event.event_id.clone(),
                        role: message.role,
                        text: message.content.text.clone(),
                    });
                    if message.role == Role::User {
                        users += 1;
                        if users == k {
                            break 'read;
                        }
                    }
                }
            }
            if exhausted {
                break;
            }
        }
        let mut turns: Vec<Turn> = Vec::new();
        for message in newest_first.into_iter().rev() {
            match turns.last_mut() {
                Some(turn) if message.role != Role::User => turn.push(message),
                _ => turns.push(vec![message]),
            }
        }
        let extra = turns.len().saturating_sub(k);
        turns.drain(..extra);
        Ok(turns)
    }

    /// Deletes one event (AgentCore `DeleteEvent`). An event a branch forks at stays until
    /// the branch's events are gone.
    pub async fn delete_event(&self, memory_id: &str, event_id: &str) -> Result<()> {
        let mut tx = self.write().await?;
        let forks: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM branches WHERE memory_id = ? AND root_event_id = ?",
        )
        .bind(memory_id)
        .bind(event_id)
        .fetch_all(&mut *tx)
        .await?;
        if !forks.is_empty() {
            return Err(Error::invalid(format!(
                "event {event_id} is where branch {} forks; delete that session instead",
                forks.join(", ")
            )));
        }
        let deleted = sqlx::query("DELETE FROM events WHERE memory_id = ? AND event_id = ?")
            .bind(memory_id)
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(Error::not_found("event", event_id));
        }
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) fn event_from_row(row: &SqliteRow) -> Result<Event> {
    let event_id: String = row.get("event_id");
    let payload: String = row.get("payload");
    let payload = serde_json::from_str(&payload).map_err(|error| {
        Error::invalid(format!("event {event_id} has a payload this version cannot read: {error}"))
    })?;
    let metadata: Option<String> = row.get("metadata");
    let metadata = match metadata {
        None => serde_json::Map::new(),
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
    };
    let branch: Option<String> = row.get("branch");
    Ok(Event {
        event_id,
        actor_id: row.get("actor_id"),
        session_id: row.get("session_id"),
        event_timestamp: from_ms(row.get("timestamp")),
        payload,
        branch: branch.map(|name| BranchRef { name, root_event_id: row.get("root_event_id") }),
        metadata,
    })
}

pub(crate) fn validate_id(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(format!("{field} is empty; give a non-empty id")));
    }
    if value.len() > MAX_ID_LENGTH || value.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "{field} must be at most {MAX_ID_LENGTH} bytes without control characters"
        )));
    }
    Ok(())
}

/// A title from the start of a message: its first line, cut at a word near 60 characters.
fn title_from(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or("");
    if line.chars().count() <= TITLE_LENGTH {
        return line.to_owned();
    }
    let cut: String = line.chars().take(TITLE_LENGTH).collect();
    let at_word = cut.rfind(' ').filter(|&index| index > TITLE_LENGTH / 2).unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end())
}

/// A `COUNT(*)` column as a `u32`.
pub(crate) fn count(row: &SqliteRow, column: &str) -> u32 {
    u32::try_from(row.get::<i64, _>(column)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::title_from;

    #[test]
    fn titles_are_the_first_line_cut_at_a_word() {
        assert_eq!(
            title_from("\n  Estimate a bakery site\nwith details"),
            "Estimate a bakery site"
        );
        let long =
            "A web application with an ALB, two EC2 t3.medium instances and RDS MySQL in us-east-1";
        assert_eq!(title_from(long), "A web application with an ALB, two EC2 t3.medium instances…");
        let japanese = "パン屋のWebサイトをHTMLでなるべく安く作りたいのですが、どのサービスを使えばよいか、月額の費用はどれくらいか教えてください";
        assert_eq!(title_from(japanese).chars().count(), 61);
    }
}
