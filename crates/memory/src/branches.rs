//! Branches: a conversation forked at an event (AgentCore's `branch.rootEventId`), and the
//! lineage a read of a branch follows back to the main line.

use sqlx::{Row, Sqlite};

use crate::error::{Error, Result};
use crate::events::{count, validate_id};
use crate::model::{Branch, BranchRef, NewEvent};
use crate::store::MemoryStore;
use crate::time_ms::{from_ms, now_ms};

/// The main line of a session, as a branch name in filters.
pub const MAIN_BRANCH: &str = "main";

/// The branch lineage of a read: each branch with the newest event that belongs to it.
pub(crate) type Lineage = Vec<(Option<String>, i64)>;

impl MemoryStore {
    /// Checks a named branch, creating it when the event carries its root.
    pub(crate) async fn resolve_branch(
        &self,
        tx: &mut sqlx::Transaction<'static, Sqlite>,
        memory_id: &str,
        event: &NewEvent,
        branch: &BranchRef,
    ) -> Result<BranchRef> {
        validate_id("branch.name", &branch.name)?;
        if branch.name == MAIN_BRANCH {
            return Err(Error::invalid(
                "\"main\" is the main line, not a branch: leave `branch` out to write to it",
            ));
        }
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT root_event_id FROM branches
             WHERE memory_id = ? AND actor_id = ? AND session_id = ? AND name = ?",
        )
        .bind(memory_id)
        .bind(&event.actor_id)
        .bind(&event.session_id)
        .bind(&branch.name)
        .fetch_optional(&mut **tx)
        .await?;
        match (existing, &branch.root_event_id) {
            (Some(root), None) => {
                Ok(BranchRef { name: branch.name.clone(), root_event_id: Some(root) })
            }
            (Some(root), Some(given)) if &root == given => Ok(branch.clone()),
            (Some(root), Some(given)) => Err(Error::invalid(format!(
                "branch {:?} forks at event {root}, not {given}; use another name for a new fork",
                branch.name
            ))),
            (None, None) => Err(Error::invalid(format!(
                "branch {:?} does not exist yet: give its rootEventId to create it",
                branch.name
            ))),
            (None, Some(root)) => {
                self.insert_branch(
                    tx,
                    memory_id,
                    &event.actor_id,
                    &event.session_id,
                    &branch.name,
                    root,
                )
                .await?;
                Ok(branch.clone())
            }
        }
    }

    async fn insert_branch(
        &self,
        tx: &mut sqlx::Transaction<'static, Sqlite>,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
        name: &str,
        root_event_id: &str,
    ) -> Result<()> {
        let root_in_session: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM events
             WHERE event_id = ? AND memory_id = ? AND actor_id = ? AND session_id = ?",
        )
        .bind(root_event_id)
        .bind(memory_id)
        .bind(actor_id)
        .bind(session_id)
        .fetch_optional(&mut **tx)
        .await?;
        if root_in_session.is_none() {
            return Err(Error::invalid(format!(
                "rootEventId {root_event_id} is not an event of session {session_id:?}"
            )));
        }
        sqlx::query(
            "INSERT INTO branches (memory_id, actor_id, session_id, name, root_event_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(memory_id)
        .bind(actor_id)
        .bind(session_id)
        .bind(name)
        .bind(root_event_id)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Forks a conversation after `root_event_id` without writing an event yet.
    pub async fn fork_branch(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
        name: &str,
        root_event_id: &str,
    ) -> Result<Branch> {
        validate_id("branch name", name)?;
        if name == MAIN_BRANCH {
            return Err(Error::invalid("\"main\" is the main line; choose another branch name"));
        }
        let mut tx = self.write().await?;
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM branches WHERE memory_id = ? AND actor_id = ? AND session_id = ? AND name = ?",
        )
        .bind(memory_id)
        .bind(actor_id)
        .bind(session_id)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        if exists.is_some() {
            return Err(Error::invalid(format!("branch {name:?} already exists in this session")));
        }
        self.insert_branch(&mut tx, memory_id, actor_id, session_id, name, root_event_id).await?;
        tx.commit().await?;
        self.list_branches(memory_id, actor_id, session_id)
            .await?
            .into_iter()
            .find(|branch| branch.name == name)
            .ok_or_else(|| Error::not_found("branch", name))
    }

    /// A session's branches (the main line is implicit), oldest first.
    pub async fn list_branches(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
    ) -> Result<Vec<Branch>> {
        let rows = sqlx::query(
            "SELECT b.name, b.root_event_id, b.created_at, root.branch AS parent,
                (SELECT COUNT(*) FROM events e WHERE e.memory_id = b.memory_id
                   AND e.actor_id = b.actor_id AND e.session_id = b.session_id
                   AND e.branch = b.name) AS event_count
             FROM branches b LEFT JOIN events root ON root.event_id = b.root_event_id
             WHERE b.memory_id = ? AND b.actor_id = ? AND b.session_id = ?
             ORDER BY b.created_at, b.name",
        )
        .bind(memory_id)
        .bind(actor_id)
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| Branch {
                name: row.get("name"),
                root_event_id: row.get("root_event_id"),
                parent: row.get("parent"),
                event_count: count(&row, "event_count"),
                created_at: from_ms(row.get("created_at")),
            })
            .collect())
    }

    /// The branches a read of `name` covers: the branch itself, then (with parents) each
    /// branch it forked from, up to the fork.
    pub(crate) async fn lineage(
        &self,
        memory_id: &str,
        actor_id: &str,
        session_id: &str,
        name: &str,
        include_parents: bool,
    ) -> Result<Lineage> {
        let mut lineage = Vec::new();
        let mut current = (name != MAIN_BRANCH).then(|| name.to_owned());
        let mut newest = i64::MAX;
        // A fork chain is acyclic by construction (a root must exist before its branch);
        // the bound only protects against a hand-edited file.
        for _ in 0..256 {
            lineage.push((current.clone(), newest));
            let Some(branch) = current.as_deref() else { return Ok(lineage) };
            let root: Option<(Option<String>, i64)> = sqlx::query_as(
                "SELECT root.branch, root.seq FROM branches b
                 JOIN events root ON root.event_id = b.root_event_id
                 WHERE b.memory_id = ? AND b.actor_id = ? AND b.session_id = ? AND b.name = ?",
            )
            .bind(memory_id)
            .bind(actor_id)
            .bind(session_id)
            .bind(branch)
            .fetch_optional(&self.pool)
            .await?;
            let Some((parent, fork_seq)) = root else {
                return Err(Error::not_found("branch", branch));
            };
            if !include_parents {
                return Ok(lineage);
            }
            current = parent;
            newest = fork_seq;
        }
        Err(Error::invalid(format!("branch {name:?} forks more than 256 levels deep")))
    }
}
