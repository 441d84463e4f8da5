//! `agentdesk chat`: the cost estimator in the terminal, streaming, with the Python sandbox as
//! its calculator and every turn kept in memory.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use agentdesk_agent::estimator::{OfflineTurn, answer_offline};
use agentdesk_agent::{
    Agent, AgentEvent, Approval, Approver, BoxFuture, CompareEstimates, ExecutePython, GetPrice,
    ListServices, MemoryLink, ProposeArchitecture, Recall, SetupError, ToolCall, ToolRegistry,
    connect, prompts,
};
use agentdesk_memory::{LOCAL_ACTOR, MemoryStore};
use agentdesk_pricing::Catalog;
use agentdesk_wasm_sandbox::{Limits, RuntimeId, Sandbox, SandboxConfig};
use anyhow::Context;

use super::Started;
use crate::args::ChatArgs;

/// Tools here run without asking: the only one is the sandbox, which reaches nothing outside
/// its own session.
#[derive(Debug)]
struct NoQuestions;

impl Approver for NoQuestions {
    fn approve<'a>(&'a self, _: &'a ToolCall) -> BoxFuture<'a, bool> {
        Box::pin(async { true })
    }
}

pub(crate) fn run(started: &Started, args: ChatArgs) -> anyhow::Result<ExitCode> {
    let settings = &started.loaded.settings;
    let connected = match connect(&settings.model, &|variable| std::env::var(variable).ok()) {
        Ok(connected) => connected,
        Err(SetupError::NoModel) => return offline(started, args),
        Err(error) => return Err(error.into()),
    };
    super::block_on(async {
        let locations = &started.loaded.locations;
        let store = MemoryStore::open_in(&locations.data_dir)
            .await
            .context("cannot open the memory database")?;
        let memory_id = store.default_memory().await?.memory_id;
        let mut tools = ToolRegistry::default();
        let catalog = Catalog::bundled()?;
        tools.register(Arc::new(GetPrice::new(catalog.clone())), Approval::Allow);
        tools.register(Arc::new(ListServices::new(catalog)), Approval::Allow);
        tools.register(
            Arc::new(Recall::new(store.clone(), &memory_id, LOCAL_ACTOR)),
            Approval::Allow,
        );
        let saved = CompareEstimates::new(super::estimate::store(started));
        tools.register(Arc::new(saved), Approval::Allow);
        let region = &settings.estimate.region;
        let propose = ProposeArchitecture::new(store.clone(), &memory_id, LOCAL_ACTOR, region);
        tools.register(Arc::new(propose), Approval::Allow);
        let sandbox =
            Sandbox::open(&SandboxConfig::in_folders(&locations.data_dir, &locations.cache_dir, 1))
                .context("cannot open the sandbox")?;
        if sandbox
            .runtimes()
            .iter()
            .any(|status| status.id == RuntimeId::Python && status.installed)
        {
            tools.register(
                Arc::new(ExecutePython::new(sandbox, RuntimeId::Python, Limits::default())),
                Approval::Allow,
            );
        } else {
            eprintln!(
                "note: the Python sandbox is not installed, so the model cannot calculate in it (agentdesk sandbox install python)"
            );
        }
        let agent = Agent {
            name: "cost-estimator".into(),
            provider: connected.provider,
            model: connected.model,
            system: prompts::cost_estimator(&settings.estimate.region),
            tools,
            max_steps: 12,
            history_turns: 10,
            memory: MemoryLink { store: store.clone(), memory_id, actor_id: LOCAL_ACTOR.into() },
        };
        let session = args.session.unwrap_or_else(new_session_id);
        let interactive = std::io::stdin().is_terminal();
        if args.message.is_empty() && interactive {
            eprintln!("conversation {session} with {} (Ctrl+D to end)", agent.model);
        }
        let code = if args.message.is_empty() {
            let mut code = ExitCode::SUCCESS;
            for line in std::io::stdin().lock().lines() {
                let line = line.context("cannot read standard input")?;
                if line.trim().is_empty() {
                    continue;
                }
                code = turn(&agent, &session, &line).await;
            }
            code
        } else {
            turn(&agent, &session, &args.message.join(" ")).await
        };
        store.close().await;
        Ok(code)
    })
}

async fn turn(agent: &Agent, session: &str, message: &str) -> ExitCode {
    let mut stdout = std::io::stdout();
    let mut on_event = |event: AgentEvent| match event {
        AgentEvent::Text { text } => {
            print!("{text}");
            let _ignored = stdout.flush();
        }
        AgentEvent::ToolRequested { call, .. } => eprintln!("\n[{}] running", call.name),
        AgentEvent::ToolFinished { output, elapsed_ms, .. } => {
            let status = if output.is_error { "failed" } else { "done" };
            eprintln!("[{status} in {elapsed_ms} ms]");
        }
        AgentEvent::ToolRefused { reason, .. } => eprintln!("[not run: {reason}]"),
        AgentEvent::Notice { message, .. } => eprintln!("\nnote: {message}"),
    };
    match agent.run_turn(session, message, &mut on_event, &NoQuestions).await {
        Ok(_) => {
            println!();
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("\nerror: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Without a model, each message is answered by the offline estimator, and kept in memory
/// like any conversation.
fn offline(started: &Started, args: ChatArgs) -> anyhow::Result<ExitCode> {
    eprintln!(
        "note: no model is configured, so the offline estimator answers (agentdesk config set model.provider … to use a model)"
    );
    super::block_on(async {
        let store = MemoryStore::open_in(&started.loaded.locations.data_dir)
            .await
            .context("cannot open the memory database")?;
        let memory_id = store.default_memory().await?.memory_id;
        let session = args.session.unwrap_or_else(new_session_id);
        let messages: Vec<String> = if args.message.is_empty() {
            std::io::stdin()
                .lock()
                .lines()
                .collect::<Result<_, _>>()
                .context("cannot read standard input")?
        } else {
            vec![args.message.join(" ")]
        };
        let estimates = super::estimate::store(started);
        let sandbox = super::estimate::open_sandbox(started)?;
        let turn = OfflineTurn {
            memory: (&store, &memory_id, LOCAL_ACTOR),
            session_id: &session,
            estimates: &estimates,
            sandbox: Some(&sandbox),
            default_region: &started.loaded.settings.estimate.region,
        };
        for message in messages.iter().filter(|message| !message.trim().is_empty()) {
            let saved = answer_offline(turn, message).await?;
            println!("{}", saved.estimate.report_markdown);
            eprintln!("saved as {}", saved.id);
        }
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// `cli-` and the time to the second: sortable, and readable in `agentdesk memory sessions`.
fn new_session_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "cli-{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}
