//! AgentDesk's Memory: every conversation (short-term events) and what is worth remembering
//! across conversations (long-term records), in one SQLite file, with the AgentCore Memory
//! model (`../shared/design/CONTRACTS.md`, Memory) so code written against one fits the other.
//!
//! Start with [`MemoryStore`] (`store.rs`: opening, memories and strategies), then
//! `events.rs` (events and [`MemoryStore::last_k_turns`]), `sessions.rs`, `branches.rs`, `records.rs`
//! (records and hybrid retrieval), `extraction/` (the [`Extractor`] interface, consolidation,
//! the background [`ExtractionWorker`], the offline [`RuleExtractor`]) and `lifecycle.rs`
//! (expiry, export/import, "forget me").
//!
//! Design decisions:
//! - Events are ordered by an integer sequence, never by timestamp: timestamps tie.
//!   `list_events` returns newest first like AgentCore; `last_k_turns` returns oldest first,
//!   the order a model wants.
//! - Write-ahead logging with full synchronous commits by default: an acknowledged event
//!   survives the process being killed, or the machine losing power.
//! - A file that is not a database, is damaged, or comes from a newer version is refused with
//!   a message that says what to do; it is never overwritten.
//! - Full-text search uses FTS5's trigram tokenizer, which works for Japanese as well as
//!   English; vector similarity is fused in (reciprocal rank) when an [`Embedder`] is set.
//!
//! This crate is a leaf: it depends on no other AgentDesk crate, and never on Tauri, GTK or
//! WebKit. Models reach it only through the [`Extractor`] and [`Embedder`] traits.
#![deny(missing_docs)]

mod branches;
mod embedding;
mod error;
mod events;
mod extraction;
mod lifecycle;
mod model;
mod records;
mod search;
mod search_fold;
mod sessions;
mod store;
mod time_ms;

pub use branches::MAIN_BRANCH;
pub use embedding::{BoxFuture, Embedder};
pub use error::{Error, Result};
pub use events::{BranchFilter, ListEvents};
pub use extraction::{
    Extracted, ExtractionPolicy, ExtractionReport, ExtractionRequest, ExtractionStatus,
    ExtractionWorker, Extractor, RuleExtractor,
};
pub use lifecycle::{EXPORT_FORMAT, Export, ForgetSummary, ImportSummary, MemoryExport};
pub use model::{
    Actor, Branch, BranchRef, Content, Conversational, Event, Memory, MemoryRecord, NewEvent, Page,
    PayloadItem, RecordStatus, Role, ScoredRecord, Session, Strategy, StrategyKind, Turn,
    TurnMessage,
};
pub use records::{ListRecords, NewRecord, RetrieveRecords};
pub use store::{
    DATABASE_FILE, DEFAULT_MEMORY, Durability, LOCAL_ACTOR, MemoryStore, NewMemory, Stats,
    StoreOptions,
};
