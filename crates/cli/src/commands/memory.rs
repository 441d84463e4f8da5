//! `agentdesk memory …`.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use agentdesk_memory::{
    BranchFilter, Event, ListEvents, ListRecords, MemoryRecord, MemoryStore, NewEvent, PayloadItem,
    RetrieveRecords, Role, RuleExtractor, ScoredRecord, Session,
};
use anyhow::{Context, bail};
use time::OffsetDateTime;

use super::{Started, print_json};
use crate::args::MemoryCommand;

pub(crate) fn run(started: &Started, command: MemoryCommand) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let store = MemoryStore::open_in(&started.loaded.locations.data_dir)
            .await
            .context("cannot open the memory database")?;
        // Headless machines have no background worker: expiry happens whenever memory is used.
        let purged = store.purge_expired().await?;
        if purged > 0 {
            tracing::info!("{purged} expired events purged");
        }
        let memory = store.default_memory().await?.memory_id;
        let code = dispatch(&store, &memory, command).await;
        store.close().await;
        code
    })
}

async fn dispatch(
    store: &MemoryStore,
    memory: &str,
    command: MemoryCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        MemoryCommand::Sessions { actor, search, json } => {
            let sessions = match search {
                Some(query) => store.search_sessions(memory, actor.as_deref(), &query).await?,
                None => store.list_sessions(memory, actor.as_deref()).await?,
            };
            if json {
                print_json(&sessions)?;
            } else {
                print_sessions(&sessions);
            }
        }
        MemoryCommand::Events { session, actor, branch, json } => {
            let actor = actor_of(store, memory, &session, actor).await?;
            let request = ListEvents {
                branch: branch.map(|name| BranchFilter { name, include_parent_branches: true }),
                oldest_first: true,
                max_results: Some(1000),
                next_token: None,
            };
            let mut events = Vec::new();
            let mut request = request;
            loop {
                let page = store.list_events(memory, &actor, &session, &request).await?;
                events.extend(page.items);
                match page.next_token {
                    Some(token) => request.next_token = Some(token),
                    None => break,
                }
            }
            if json {
                print_json(&events)?;
            } else {
                events.iter().for_each(print_event);
            }
        }
        MemoryCommand::Records { query, namespace, strategy, actor, top_k, json } => match query {
            Some(query) => {
                let request = RetrieveRecords {
                    namespace,
                    search_query: query,
                    top_k: Some(top_k),
                    memory_strategy_id: strategy,
                    actor_id: actor,
                    ..RetrieveRecords::default()
                };
                let hits = store.retrieve_records(memory, &request).await?;
                if json {
                    print_json(&hits)?;
                } else {
                    print_hits(&hits);
                }
            }
            None => {
                let request = ListRecords {
                    namespace,
                    memory_strategy_id: strategy,
                    actor_id: actor,
                    max_results: Some(1000),
                    ..ListRecords::default()
                };
                let records = store.list_records(memory, &request).await?.items;
                if json {
                    print_json(&records)?;
                } else {
                    print_records(&records);
                }
            }
        },
        MemoryCommand::AddEvent { session, role, actor, text, json } => {
            let role = parse_role(&role)?;
            let event = store
                .create_event(memory, NewEvent::message(&actor, &session, role, &text))
                .await?;
            if json {
                print_json(&event)?;
            } else {
                println!("{}", event.event_id);
            }
        }
        MemoryCommand::Extract { json } => {
            let report = store.extract_pending(memory, &RuleExtractor).await?;
            if json {
                print_json(&report)?;
            } else {
                println!(
                    "read {} events in {} sessions: {} memories added, {} updated, {} retired (extractor: rules, no model)",
                    report.events, report.sessions, report.added, report.updated, report.retired
                );
                if !report.skipped_strategies.is_empty() {
                    println!("skipped (need a model): {}", report.skipped_strategies.join(", "));
                }
            }
        }
        MemoryCommand::Status { json } => {
            let status = store.extraction_status(memory, &RuleExtractor).await?;
            if json {
                print_json(&status)?;
            } else {
                println!(
                    "pending: {} events in {} sessions",
                    status.pending_events, status.pending_sessions
                );
                let last = status.last_run_at.map_or_else(|| "never".to_owned(), when);
                println!("last run: {last}; {} memories written", status.records_written);
                if let Some(error) = status.last_error {
                    println!("last error: {error}");
                }
                println!(
                    "database: {} ({:.1} MB)",
                    store.path().display(),
                    store.size_on_disk() as f64 / 1e6
                );
            }
        }
        MemoryCommand::Rename { session, title, actor } => {
            let actor = actor_of(store, memory, &session, actor).await?;
            store.set_session_title(memory, &actor, &session, &title).await?;
            println!("renamed {session}: {}", title.trim());
        }
        MemoryCommand::Delete { session, actor, yes } => {
            let actor = actor_of(store, memory, &session, actor).await?;
            if !yes
                && !confirm(&format!(
                    "Delete conversation {session:?} and its events? Memories extracted from it \
                     stay (`agentdesk memory records`). This cannot be undone."
                ))?
            {
                bail!("nothing deleted (pass --yes to skip the question)");
            }
            store.delete_session(memory, &actor, &session).await?;
            println!("deleted {session}");
        }
        MemoryCommand::Forget { actor, yes, json } => {
            if !yes
                && !confirm(&format!(
                    "Delete every conversation and memory of {actor:?}? This cannot be undone."
                ))?
            {
                bail!("nothing deleted (pass --yes to skip the question)");
            }
            let summary = store.forget_actor(&actor).await?;
            if json {
                print_json(&summary)?;
            } else {
                println!(
                    "forgot {actor}: {} sessions, {} events, {} memories deleted",
                    summary.sessions, summary.events, summary.records
                );
            }
        }
        MemoryCommand::Export { actor, output, json: _ } => {
            let export = store.export(actor.as_deref()).await?;
            let text = serde_json::to_string_pretty(&export).context("cannot encode the export")?;
            match output {
                Some(path) => {
                    write_new(&path, text.as_bytes())?;
                    let events: usize = export.memories.iter().map(|m| m.events.len()).sum();
                    let records: usize = export.memories.iter().map(|m| m.records.len()).sum();
                    eprintln!(
                        "exported {events} events and {records} memories to {}",
                        path.display()
                    );
                }
                None => println!("{text}"),
            }
        }
        MemoryCommand::Import { file, json } => {
            let text = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).context("cannot read standard input")?;
                text
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?
            };
            let export = serde_json::from_str(&text).with_context(|| {
                format!("{} is not an AgentDesk memory export (make one with `agentdesk memory export`)", file.display())
            })?;
            let summary = store.import(&export).await?;
            if json {
                print_json(&summary)?;
            } else {
                println!(
                    "imported {} events and {} memories ({} already present, skipped)",
                    summary.events, summary.records, summary.skipped
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The actor of a session named by id alone, or the one given.
async fn actor_of(
    store: &MemoryStore,
    memory: &str,
    session: &str,
    actor: Option<String>,
) -> anyhow::Result<String> {
    if let Some(actor) = actor {
        return Ok(actor);
    }
    let found = store.find_session(memory, session).await?;
    match found.as_slice() {
        [] => bail!("no session {session:?}; `agentdesk memory sessions` lists them"),
        [one] => Ok(one.actor_id.clone()),
        several => {
            let actors: Vec<&str> = several.iter().map(|s| s.actor_id.as_str()).collect();
            bail!(
                "several actors have a session {session:?} ({}); choose one with --actor",
                actors.join(", ")
            )
        }
    }
}

fn parse_role(text: &str) -> anyhow::Result<Role> {
    match text.to_ascii_lowercase().as_str() {
        "user" => Ok(Role::User),
        "assistant" => Ok(Role::Assistant),
        "tool" => Ok(Role::Tool),
        "other" => Ok(Role::Other),
        _ => bail!("--role {text:?} is not a role; use user, assistant, tool or other"),
    }
}

fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("{question} Pass --yes to confirm when not at a terminal");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).context("cannot read the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// Writes a file that must not exist yet, so an export never overwrites anything.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).open(path).with_context(|| {
            format!("cannot create {} (an existing file is never overwritten)", path.display())
        })?;
    file.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all().with_context(|| format!("cannot write {}", path.display()))
}

/// `2026-11-25 15:40` in UTC.
fn when(time: OffsetDateTime) -> String {
    let text = time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    text.get(..16).unwrap_or(&text).replacen('T', " ", 1)
}

fn print_sessions(sessions: &[Session]) {
    if sessions.is_empty() {
        println!("no conversations yet");
        return;
    }
    for session in sessions {
        println!(
            "{}  {:>5} events  {:<24} {:<12} {}",
            when(session.last_active_at),
            session.event_count,
            session.session_id,
            session.actor_id,
            session.title.as_deref().unwrap_or("(untitled)")
        );
    }
}

fn print_event(event: &Event) {
    let branch = event.branch.as_ref().map(|b| format!(" [{}]", b.name)).unwrap_or_default();
    for item in &event.payload {
        match item {
            PayloadItem::Conversational(message) => {
                let text = message.content.text.replace('\n', "\n    ");
                println!(
                    "{}{branch} {}: {text}",
                    when(event.event_timestamp),
                    message.role.as_str()
                );
            }
            PayloadItem::Blob(value) => {
                println!("{}{branch} BLOB: {value}", when(event.event_timestamp));
            }
        }
    }
}

fn print_records(records: &[MemoryRecord]) {
    if records.is_empty() {
        println!("no memories yet (`agentdesk memory extract` reads new conversations)");
        return;
    }
    let mut strategies: Vec<&str> = records.iter().map(|r| r.memory_strategy_id.as_str()).collect();
    strategies.dedup();
    strategies.sort_unstable();
    strategies.dedup();
    for strategy in strategies {
        println!("{strategy}:");
        for record in records.iter().filter(|r| r.memory_strategy_id == strategy) {
            println!(
                "  - {}  ({}, from {} events)",
                record.content.text,
                record.memory_record_id,
                record.source_event_ids.len()
            );
        }
    }
}

fn print_hits(hits: &[ScoredRecord]) {
    if hits.is_empty() {
        println!("nothing found");
    }
    for hit in hits {
        println!(
            "{:.2}  {}  ({}, {})",
            hit.score,
            hit.record.content.text,
            hit.record.memory_strategy_id,
            hit.record.memory_record_id
        );
    }
}
