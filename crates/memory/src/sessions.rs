//! Sessions and actors: the conversations events belong to.

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::error::{Error, Result};
use crate::events::count;
use crate::model::{Actor, Session};
use crate::store::MemoryStore;
use crate::time_ms::from_ms;

/// The longest title a conversation can be given.
const MAX_TITLE_CHARS: usize = 200;

impl MemoryStore {
    /// The actors with conversations, most recently active first (AgentCore `ListActors`).
    pub async fn list_actors(&self, memory_id: &str) -> Result<Vec<Actor>> {
        let rows = sqlx::query(
            "SELECT actor_id, COUNT(*) AS session_count, MAX(last_active_at) AS last_active_at
             FROM sessions WHERE memory_id = ? GROUP BY actor_id ORDER BY last_active_at DESC",
        )
        .bind(memory_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| Actor {
                actor_id: row.get("actor_id"),
                session_count: count(&row, "session_count"),
                last_active_at: from_ms(row.get("last_active_at")),
            })
            .collect())
    }

    /// Conversations, most recently active first (AgentCore `ListSessions`); every actor's
    /// when `actor_id` is none.
    pub async fn list_sessions(
        &self,
        memory_id: &str,
        actor_id: Option<&str>,
    ) -> Result<Vec<Session>> {
        let rows = sqlx::query(
            "SELECT s.actor_id, s.session_id, s.title, s.created_at, s.last_active_at,
                (SELECT COUNT(*) FROM events e WHERE e.memory_id = s.memory_id
                   AND e.actor_id = s.actor_id AND e.session_id = s.session_id) AS event_count
             FROM sessions s WHERE s.memory_id = ?1 AND (?2 IS NULL OR s.actor_id = ?2)
             ORDER BY s.last_active_at DESC, s.session_id",
        )
        .bind(memory_id)
        .bind(actor_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(session_from_row).collect())
    }

    /// Conversations whose title or messages contain every word of `query`, regardless of
    /// case and Unicode width ("ＥＣ２" finds "EC2"; NFKC then lowercase on both sides, see
    /// `search_fold.rs`); Japanese needs no spaces. Most recently active first. An empty query
    /// lists them all.
    ///
    /// A scan rather than an index: a person's conversations on one machine number in the
    /// thousands at most (BENCHMARKS.md has the time for 1,000 conversations).
    pub async fn search_sessions(
        &self,
        memory_id: &str,
        actor_id: Option<&str>,
        query: &str,
    ) -> Result<Vec<Session>> {
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT s.actor_id, s.session_id, s.title, s.created_at, s.last_active_at,
                (SELECT COUNT(*) FROM events e WHERE e.memory_id = s.memory_id
                   AND e.actor_id = s.actor_id AND e.session_id = s.session_id) AS event_count
             FROM sessions s WHERE s.memory_id = ",
        );
        sql.push_bind(memory_id);
        if let Some(actor_id) = actor_id {
            sql.push(" AND s.actor_id = ").push_bind(actor_id);
        }
        let query = crate::search_fold::fold(query);
        for word in query.split_whitespace() {
            let pattern = like_pattern(word);
            sql.push(" AND (COALESCE(s.title_folded, '') LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\'");
            sql.push(
                " OR EXISTS (SELECT 1 FROM events e
                   WHERE e.memory_id = s.memory_id AND e.actor_id = s.actor_id
                     AND e.session_id = s.session_id AND e.text_folded LIKE ",
            )
            .push_bind(pattern)
            .push(" ESCAPE '\\'))");
        }
        sql.push(" ORDER BY s.last_active_at DESC, s.session_id");
        let rows = sql.build().fetch_all(&self.pool).await?;
        Ok(rows.iter().map(session_from_row).collect())
    }

    /// Finds the sessions with id `session_id` (any actor): the CLI names sessions by id alone.
    pub async fn find_session(&self, memory_id: &str, session_id: &str) -> Result<Vec<Session>> {
        Ok(self
            .list_sessions(memory_id, None)
            .await?
            .into_iter()
            .filter(|session| session.session_id == session_id)
            .collect())
    }

    /// Gives a conversation a title (the agent names conversations after a few turns).
    pub async fn set_session_title(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
        title: &str,
    ) -> Result<()> {
        let title = title.trim();
        if title.is_empty() {
            return Err(Error::invalid("a session title cannot be empty"));
        }
        if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
            return Err(Error::invalid(format!(
                "a session title is one line of at most {MAX_TITLE_CHARS} characters"
            )));
        }
        let updated = sqlx::query(
            "UPDATE sessions SET title = ?, title_folded = ?
             WHERE memory_id = ? AND actor_id = ? AND session_id = ?",
        )
        .bind(title)
        .bind(crate::search_fold::fold(title))
        .bind(memory_id)
        .bind(actor_id)
        .bind(session_id)
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::not_found("session", session_id));
        }
        Ok(())
    }

    /// Deletes a conversation: its events, branches, extraction progress and the records
    /// that summarise it (per-session strategies).
    ///
    /// Records a per-actor strategy extracted from it (preferences, facts) stay, as they do
    /// in the chat apps people know: they may come from several conversations, and they are
    /// the user's to review and delete on the Memory page (`forget_actor` deletes them all).
    /// Their `source_event_ids` then name events that are gone.
    pub async fn delete_session(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM records WHERE memory_id = ? AND actor_id = ? AND session_id = ?")
            .bind(memory_id)
            .bind(actor_id)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query(
            "DELETE FROM sessions WHERE memory_id = ? AND actor_id = ? AND session_id = ?",
        )
        .bind(memory_id)
        .bind(actor_id)
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
        if deleted.rows_affected() == 0 {
            return Err(Error::not_found("session", session_id));
        }
        tx.commit().await?;
        Ok(())
    }
}

fn session_from_row(row: &SqliteRow) -> Session {
    Session {
        actor_id: row.get("actor_id"),
        session_id: row.get("session_id"),
        title: row.get("title"),
        created_at: from_ms(row.get("created_at")),
        last_active_at: from_ms(row.get("last_active_at")),
        event_count: count(row, "event_count"),
    }
}

/// A `LIKE` pattern matching `word` anywhere, its own `%`, `_` and `\` taken literally.
fn like_pattern(word: &str) -> String {
    let mut pattern = String::from("%");
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}
