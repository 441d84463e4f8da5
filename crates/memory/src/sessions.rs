//! Sessions and actors: the conversations events belong to.

use sqlx::Row;

use crate::error::{Error, Result};
use crate::events::count;
use crate::model::{Actor, Session};
use crate::store::MemoryStore;
use crate::time_ms::from_ms;

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
        Ok(rows
            .into_iter()
            .map(|row| Session {
                actor_id: row.get("actor_id"),
                session_id: row.get("session_id"),
                title: row.get("title"),
                created_at: from_ms(row.get("created_at")),
                last_active_at: from_ms(row.get("last_active_at")),
                event_count: count(&row, "event_count"),
            })
            .collect())
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
        let updated = sqlx::query(
            "UPDATE sessions SET title = ? WHERE memory_id = ? AND actor_id = ? AND session_id = ?",
        )
        .bind(title)
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

    /// Deletes a conversation: its events, branches and session summary.
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
