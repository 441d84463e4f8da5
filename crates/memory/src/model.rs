//! The AgentCore Memory model as Rust types. Field names serialise in AgentCore's camelCase,
//! so JSON written by one reads in the other.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use ts_rs::TS;

/// A memory: a named store of events and records with its extraction strategies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct Memory {
    /// Stable id (AgentCore `memoryId`).
    pub memory_id: String,
    /// Unique, human-chosen name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Days after which short-term events are purged (3–365).
    pub event_expiry_days: u16,
    /// How records are extracted from events.
    pub strategies: Vec<Strategy>,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
}

/// What a strategy extracts (AgentCore's built-in strategies, plus custom ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub enum StrategyKind {
    /// Preferences the user states: cost over speed, a region, a budget.
    UserPreference,
    /// Facts about the user's world: "we are a bakery", "the site is static HTML".
    Semantic,
    /// A running summary of each session.
    Summary,
    /// The memory's own prompts decide what to extract.
    Custom,
}

impl StrategyKind {
    /// The name stored in the database and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserPreference => "userPreference",
            Self::Semantic => "semantic",
            Self::Summary => "summary",
            Self::Custom => "custom",
        }
    }

    /// The kind stored under `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::UserPreference, Self::Semantic, Self::Summary, Self::Custom]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// One extraction strategy of a memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct Strategy {
    /// Id unique within the memory (AgentCore `memoryStrategyId`).
    pub strategy_id: String,
    /// What it extracts.
    pub kind: StrategyKind,
    /// Display name.
    pub name: String,
    /// Where its records go, e.g. `/strategies/{memoryStrategyId}/actors/{actorId}/`;
    /// `{sessionId}` is also known.
    pub namespace_template: String,
    /// For custom strategies: what the model is asked to extract.
    pub extraction_prompt: Option<String>,
    /// For custom strategies: how the model merges a new record with older ones.
    pub consolidation_prompt: Option<String>,
}

impl Strategy {
    /// The namespace this strategy writes to for an actor's session.
    pub fn namespace(&self, actor_id: &str, session_id: &str) -> String {
        self.namespace_template
            .replace("{memoryStrategyId}", &self.strategy_id)
            .replace("{strategyId}", &self.strategy_id)
            .replace("{actorId}", actor_id)
            .replace("{sessionId}", session_id)
    }

    /// Whether records are kept per session rather than per actor.
    pub fn is_per_session(&self) -> bool {
        self.namespace_template.contains("{sessionId}")
    }
}

/// Who said it, in AgentCore's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export_to = "Memory.ts")]
pub enum Role {
    /// The person at the keyboard.
    User,
    /// The agent.
    Assistant,
    /// A tool's result.
    Tool,
    /// Anything else (a system note).
    Other,
}

impl Role {
    /// AgentCore's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::Assistant => "ASSISTANT",
            Self::Tool => "TOOL",
            Self::Other => "OTHER",
        }
    }
}

/// Message text (AgentCore wraps it: `content: {text}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Memory.ts")]
pub struct Content {
    /// The text.
    pub text: String,
}

/// One conversational message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Memory.ts")]
pub struct Conversational {
    /// Its text.
    pub content: Content,
    /// Who said it.
    pub role: Role,
}

/// One item of an event's payload: a message, or any JSON (AgentCore `blob`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub enum PayloadItem {
    /// A message.
    Conversational(Conversational),
    /// Anything else the agent wants kept with the conversation.
    Blob(#[ts(type = "unknown")] serde_json::Value),
}

impl PayloadItem {
    /// A message from `role`.
    pub fn message(role: Role, text: impl Into<String>) -> Self {
        Self::Conversational(Conversational { content: Content { text: text.into() }, role })
    }

    /// The message, when this item is one.
    pub fn as_message(&self) -> Option<&Conversational> {
        match self {
            Self::Conversational(message) => Some(message),
            Self::Blob(_) => None,
        }
    }
}

/// Where an event sits: on a named branch forked at `root_event_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct BranchRef {
    /// The branch's name, unique within its session.
    pub name: String,
    /// The event the branch forks after; absent when naming a branch that already exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_event_id: Option<String>,
}

/// What `create_event` needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewEvent {
    /// Who the conversation is with (a user id).
    pub actor_id: String,
    /// Which conversation.
    pub session_id: String,
    /// When it happened; now when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub event_timestamp: Option<OffsetDateTime>,
    /// What was said or kept (at least one item).
    pub payload: Vec<PayloadItem>,
    /// On a branch rather than the main line.
    #[serde(default)]
    pub branch: Option<BranchRef>,
    /// Free-form string metadata (AgentCore `metadata`).
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

impl NewEvent {
    /// One message from `role`, now, on the main branch.
    pub fn message(actor_id: &str, session_id: &str, role: Role, text: &str) -> Self {
        Self {
            actor_id: actor_id.to_owned(),
            session_id: session_id.to_owned(),
            event_timestamp: None,
            payload: vec![PayloadItem::message(role, text)],
            branch: None,
            metadata: serde_json::Map::new(),
        }
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct Event {
    /// Unique id; ids sort in the order events were stored.
    pub event_id: String,
    /// Who the conversation is with.
    pub actor_id: String,
    /// Which conversation.
    pub session_id: String,
    /// When it happened (ties are possible; order by id).
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub event_timestamp: OffsetDateTime,
    /// What was said or kept.
    pub payload: Vec<PayloadItem>,
    /// The branch, or none for the main line.
    pub branch: Option<BranchRef>,
    /// Free-form metadata.
    #[ts(type = "Record<string, unknown>")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

impl Event {
    /// The event's messages.
    pub fn messages(&self) -> impl Iterator<Item = &Conversational> {
        self.payload.iter().filter_map(PayloadItem::as_message)
    }
}

/// One message of a turn, with the event it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct TurnMessage {
    /// The event holding it.
    pub event_id: String,
    /// Who said it.
    pub role: Role,
    /// What was said.
    pub text: String,
}

/// A turn: a USER message and everything after it until the next USER message.
pub type Turn = Vec<TurnMessage>;

/// A conversation as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct Session {
    /// Who the conversation is with.
    pub actor_id: String,
    /// Its id.
    pub session_id: String,
    /// Its title: set by the agent, or the start of the first user message.
    pub title: Option<String>,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
    /// When its last event was stored.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub last_active_at: OffsetDateTime,
    /// How many events it holds.
    pub event_count: u32,
}

/// An actor (user) with stored conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct Actor {
    /// Its id.
    pub actor_id: String,
    /// How many sessions it has.
    pub session_count: u32,
    /// When it last spoke.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub last_active_at: OffsetDateTime,
}

/// A branch of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct Branch {
    /// Its name.
    pub name: String,
    /// The event it forks after.
    pub root_event_id: String,
    /// The branch that event is on; none for the main line.
    pub parent: Option<String>,
    /// Events on the branch itself.
    pub event_count: u32,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
}

/// Whether a record is in use or was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub enum RecordStatus {
    /// Recalled by retrieval.
    Active,
    /// Superseded by consolidation; kept for its history, never recalled.
    Retired,
}

/// A long-term memory record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct MemoryRecord {
    /// Its id (AgentCore `memoryRecordId`).
    pub memory_record_id: String,
    /// What is remembered.
    pub content: Content,
    /// The strategy that wrote it.
    pub memory_strategy_id: String,
    /// Where it lives (AgentCore gives a list; AgentDesk records have one).
    pub namespaces: Vec<String>,
    /// Whose memory it is.
    pub actor_id: String,
    /// The session it summarises, for per-session strategies.
    pub session_id: Option<String>,
    /// What it is about (`region`, `budget`…), when known.
    pub topic: Option<String>,
    /// The events it was extracted from.
    pub source_event_ids: Vec<String>,
    /// In use or retired.
    pub status: RecordStatus,
    /// When it was first written.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated_at: OffsetDateTime,
}

/// A record found by retrieval, with its relevance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct ScoredRecord {
    /// The record.
    #[serde(flatten)]
    pub record: MemoryRecord,
    /// Relevance in (0, 1]; the best match of a search scores 1.
    pub score: f64,
}

/// A page of results and the token for the next one (AgentCore `nextToken`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Memory.ts")]
pub struct Page<T> {
    /// This page.
    pub items: Vec<T>,
    /// Pass back to get the next page; none on the last.
    pub next_token: Option<String>,
}
