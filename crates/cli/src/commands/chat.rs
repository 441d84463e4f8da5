//! `agentdesk chat`: the cost estimator in the terminal, streaming, with the Python sandbox as
//! its calculator and every turn kept in memory.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use agentdesk_agent::estimator::{LivePrices, OfflineTurn, answer_offline, catalog_for};
use agentdesk_agent::{
    Agent, AgentEvent, Approval, Approver, BoxFuture, EstimatorParts, MemoryLink, Narrowing,
    SetupError, ToolCall, connect_configured, cost_estimator, mcp_connections, mcp_tools,
};
use agentdesk_memory::{LOCAL_ACTOR, MemoryStore};
use anyhow::Context;

use super::Started;
use crate::args::ChatArgs;

/// Asks on the terminal before a tool whose policy is "ask" runs, showing its arguments;
/// with `--yes` every such call runs, and with no terminal to ask on none does.
#[derive(Debug)]
pub(crate) struct TerminalApprover {
    /// Run every "ask" call without asking.
    pub(crate) yes: bool,
}

impl Approver for TerminalApprover {
    fn approve<'a>(&'a self, call: &'a ToolCall) -> BoxFuture<'a, bool> {
        let yes = self.yes;
        let arguments = render_arguments(&call.arguments);
        let name = call.name.clone();
        Box::pin(async move {
            if yes {
                return true;
            }
            // The question goes to the terminal itself, so piped input stays the messages.
            let asked = tokio::task::spawn_blocking(move || ask_on_terminal(&name, &arguments));
            asked.await.unwrap_or(false)
        })
    }
}

fn render_arguments(arguments: &serde_json::Value) -> String {
    match arguments.get("code").and_then(serde_json::Value::as_str) {
        Some(code) => code.lines().map(|line| format!("    {line}\n")).collect(),
        None => format!("    {arguments}\n"),
    }
}

fn ask_on_terminal(name: &str, arguments: &str) -> bool {
    let Ok(tty) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty") else {
        eprintln!(
            "\n[{name} not run: no terminal to ask on; pass --yes or set tools.{name} = allow]"
        );
        return false;
    };
    let mut writer = &tty;
    let _ignored = write!(writer, "\n{name} wants to run:\n{arguments}Run it? [y/N] ");
    let _ignored = writer.flush();
    let mut answer = String::new();
    if std::io::BufReader::new(&tty).read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_lowercase().as_str(), "y" | "yes" | "はい")
}

pub(crate) fn run(started: &Started, args: ChatArgs) -> anyhow::Result<ExitCode> {
    let settings = &started.loaded.settings;
    let connected = match connect_configured(settings) {
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
        let calculator = super::estimate::calculator(started)?;
        if calculator.is_none() {
            eprintln!(
                "note: the Python sandbox is not installed, so the model cannot calculate in it (agentdesk sandbox install python)"
            );
        }
        let connections = mcp_connections(settings, Arc::new(super::auth::Terminal));
        let one_message = (!args.message.is_empty()).then(|| args.message.join(" "));
        let agent = cost_estimator(EstimatorParts {
            connected,
            memory: MemoryLink { store: store.clone(), memory_id, actor_id: LOCAL_ACTOR.into() },
            estimates: super::estimate::store(started),
            calculator: calculator.clone(),
            region: settings.estimate.region.clone(),
            catalog: catalog_for(&started.loaded.locations.data_dir)?,
            python: settings.tools.execute_python,
            // One message narrows a large gateway's tools to what it needs; a conversation on
            // standard input is offered them all.
            mcp: mcp_tools(&connections, one_message.as_deref().map(Narrowing::for_message)).await,
            live_prices: LivePrices::find(&connections).await,
        })?;
        let approver = TerminalApprover { yes: args.yes };
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
                code = turn(&agent, &session, &line, &approver).await;
            }
            code
        } else {
            turn(&agent, &session, &args.message.join(" "), &approver).await
        };
        // A remote interpreter's session would otherwise run, and be paid for, until its
        // timeout.
        if let Some(calculator) = &calculator {
            calculator.close_all().await;
        }
        store.close().await;
        Ok(code)
    })
}

async fn turn(
    agent: &Agent,
    session: &str,
    message: &str,
    approver: &TerminalApprover,
) -> ExitCode {
    let mut stdout = std::io::stdout();
    let mut on_event = |event: AgentEvent| match event {
        AgentEvent::Text { text } => {
            print!("{text}");
            let _ignored = stdout.flush();
        }
        AgentEvent::ToolRequested { call, approval } => {
            if approval != Approval::Ask {
                eprintln!("\n[{}] running", call.name);
            }
        }
        AgentEvent::ToolFinished { output, elapsed_ms, .. } => {
            let status = if output.is_error { "failed" } else { "done" };
            eprintln!("[{status} in {elapsed_ms} ms]");
        }
        AgentEvent::ToolRefused { reason, .. } => eprintln!("[not run: {reason}]"),
        AgentEvent::Notice { message, .. } => eprintln!("\nnote: {message}"),
    };
    match agent.run_turn(session, message, &mut on_event, approver).await {
        Ok(outcome) => {
            println!();
            let used = outcome.usage;
            if used.input_tokens + used.output_tokens > 0 {
                eprintln!("[{} in, {} out tokens]", used.input_tokens, used.output_tokens);
            }
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
        let calculator = super::estimate::calculator(started)?;
        let connections =
            mcp_connections(&started.loaded.settings, Arc::new(super::auth::Terminal));
        let live_prices = LivePrices::find(&connections).await;
        let catalog = catalog_for(&started.loaded.locations.data_dir)?;
        let turn = OfflineTurn {
            memory: (&store, &memory_id, LOCAL_ACTOR),
            session_id: &session,
            estimates: &estimates,
            calculator: calculator.as_ref(),
            default_region: &started.loaded.settings.estimate.region,
            catalog: &catalog,
            live_prices: live_prices.as_ref(),
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
pub(crate) fn new_session_id() -> String {
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
