//! `agentdesk estimate`: with the configured model, which reads the description into
//! resources and prices them with the `estimate_costs` tool; otherwise (or `--offline`,
//! `--spec`) the offline estimator. Either way a connected pricing MCP server is asked for
//! live prices first, the arithmetic runs in the sandbox when the Python runtime is
//! installed, and the estimate is saved.

use std::process::ExitCode;
use std::sync::Arc;

use agentdesk_agent::estimator::{
    EstimateStore, LivePrices, SavedEstimate, calculate, catalog_for, estimate, estimate_spec,
    is_japanese,
};
use agentdesk_agent::{
    AgentEvent, EstimatorParts, MemoryLink, SetupError, connect_configured, cost_estimator,
    mcp_connections,
};
use agentdesk_interpreter::Calculator;
use agentdesk_memory::{LOCAL_ACTOR, MemoryStore};
use agentdesk_wasm_sandbox::{Sandbox, SandboxConfig};
use anyhow::Context;

use super::chat::{TerminalApprover, new_session_id};
use super::{Started, print_json};
use crate::args::{EstimateArgs, EstimatesCommand};

pub(crate) fn run(started: &Started, args: &EstimateArgs) -> anyhow::Result<ExitCode> {
    let settings = &started.loaded.settings;
    if !args.offline && args.spec.is_none() {
        match connect_configured(settings) {
            Ok(connected) => {
                if let Some(code) = with_model(started, args, connected)? {
                    return Ok(code);
                }
                eprintln!(
                    "note: the model answered without pricing through estimate_costs, so the offline estimator did"
                );
            }
            Err(SetupError::NoModel) => {}
            Err(error) => {
                return Err(anyhow::Error::new(error).context(
                    "the configured model cannot be used (add --offline to estimate without it)",
                ));
            }
        }
    }
    offline(started, args)
}

/// The model reads the description; `estimate_costs` prices, calculates and saves. `None`
/// when the model answered without calling it.
fn with_model(
    started: &Started,
    args: &EstimateArgs,
    connected: agentdesk_agent::Connected,
) -> anyhow::Result<Option<ExitCode>> {
    let description = args.description.join(" ");
    if description.trim().is_empty() {
        anyhow::bail!(
            "describe the architecture, for example: agentdesk estimate \"an ALB and 2 EC2 t3.medium in us-east-1\""
        );
    }
    let settings = &started.loaded.settings;
    let region = args.region.clone().unwrap_or_else(|| settings.estimate.region.clone());
    super::block_on(async {
        let store = MemoryStore::open_in(&started.loaded.locations.data_dir)
            .await
            .context("cannot open the memory database")?;
        let memory_id = store.default_memory().await?.memory_id;
        let agent = cost_estimator(EstimatorParts {
            connected,
            memory: MemoryLink { store: store.clone(), memory_id, actor_id: LOCAL_ACTOR.into() },
            estimates: self::store(started),
            calculator: calculator(started)?,
            region,
            catalog: catalog_for(&started.loaded.locations.data_dir)?,
            python: settings.tools.execute_python,
            // MCP tools join the conversation in `chat`; here only a pricing server is asked.
            mcp: Vec::new(),
            live_prices: live_prices(started).await,
        })?;
        let mut saved: Option<SavedEstimate> = None;
        let mut on_event = |event: AgentEvent| {
            if let AgentEvent::ToolFinished { output, .. } = event
                && let Some(data) = output.structured_content
                && let Ok(estimate) = serde_json::from_value::<SavedEstimate>(data)
            {
                saved = Some(estimate);
            }
        };
        let approver = TerminalApprover { yes: args.yes };
        let outcome =
            agent.run_turn(&new_session_id(), &description, &mut on_event, &approver).await;
        store.close().await;
        let outcome = outcome?;
        let Some(saved) = saved else {
            return Ok(None);
        };
        if args.json {
            print_json(&saved.estimate)?;
        } else {
            println!("{}", outcome.text);
        }
        eprintln!("saved as {} (agentdesk estimates show {})", saved.id, saved.id);
        Ok(Some(ExitCode::SUCCESS))
    })
}

fn offline(started: &Started, args: &EstimateArgs) -> anyhow::Result<ExitCode> {
    let region = args.region.as_deref().unwrap_or(&started.loaded.settings.estimate.region);
    let catalog = catalog_for(&started.loaded.locations.data_dir)?;
    for skipped in catalog.skipped() {
        eprintln!(
            "warning: {skipped}; its prices are not used (`agentdesk prices update` writes it again)"
        );
    }
    let (description, mut result) = match &args.spec {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let result = estimate_spec(&catalog, &text, region)
                .with_context(|| path.display().to_string())?;
            (format!("spec {}", path.display()), result)
        }
        None => {
            let description = args.description.join(" ");
            if description.trim().is_empty() {
                anyhow::bail!(
                    "describe the architecture, for example: agentdesk estimate \"an ALB and 2 EC2 t3.medium in us-east-1\" (or give --spec FILE)"
                );
            }
            let result = estimate(&catalog, &description, region)?;
            (description, result)
        }
    };
    let calculator = calculator(started)?;
    super::block_on(async {
        if let Some(live_prices) = live_prices(started).await {
            live_prices.apply(&mut result, &description).await;
        }
        calculate(calculator.as_ref(), &mut result, &description)
            .await
            .context("the calculation could not be used")
    })?;
    let saved = store(started).save(&description, &result)?;
    if args.json {
        print_json(&saved.estimate)?;
    } else {
        print!("{}", result.report_markdown);
    }
    eprintln!("saved as {} (agentdesk estimates show {})", saved.id, saved.id);
    Ok(ExitCode::SUCCESS)
}

/// A connected pricing MCP server among the configured ones.
async fn live_prices(started: &Started) -> Option<LivePrices> {
    let settings = &started.loaded.settings;
    let connections = mcp_connections(settings, Arc::new(super::auth::Terminal));
    LivePrices::find(&connections).await
}

pub(crate) fn store(started: &Started) -> EstimateStore {
    EstimateStore::new(&started.loaded.locations.data_dir.join("estimates"))
}

/// `agentdesk estimates …`.
pub(crate) fn saved(started: &Started, command: EstimatesCommand) -> anyhow::Result<ExitCode> {
    let store = store(started);
    match command {
        EstimatesCommand::List { json } => {
            let saved = store.list()?;
            if json {
                print_json(&saved)?;
            } else if saved.is_empty() {
                println!("no saved estimates yet (agentdesk estimate \"…\" makes one)");
            } else {
                for one in saved {
                    let total = format!("{:.2}", one.estimate.monthly_total);
                    println!(
                        "{}  {:>14}  ${total:>10}  {}",
                        one.id, one.estimate.region, one.description
                    );
                }
            }
        }
        EstimatesCommand::Show { id, script, json } => {
            let one = store.get(&id)?;
            if json {
                print_json(&one)?;
            } else if script {
                print!("{}", one.estimate.calculation_script);
            } else {
                print!("{}", one.estimate.report_markdown);
            }
        }
        EstimatesCommand::Compare { ids, json } => {
            let japanese = ids
                .first()
                .and_then(|id| store.get(id).ok())
                .is_some_and(|one| is_japanese(&one.description));
            let comparison = store.compare(&ids, japanese)?;
            if json {
                print_json(&comparison)?;
            } else {
                print!("{}", comparison.report_markdown);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The sandbox in the data and cache folders in force (no warm spare: one calculation).
/// Where the agent's Python runs, as `tools.interpreter` says: the local sandbox (`None`
/// without its Python runtime) or a remote interpreter.
pub(crate) fn calculator(started: &Started) -> anyhow::Result<Option<Calculator>> {
    let settings = &started.loaded.settings;
    let identity = settings
        .tools
        .remote_interpreter()
        .and_then(|name| settings.interpreters.get(name))
        .and_then(|interpreter| super::interpreters::identity_for(settings, interpreter));
    Ok(Calculator::from_settings(settings, Some(open_sandbox(started)?), identity))
}

pub(crate) fn open_sandbox(started: &Started) -> anyhow::Result<Sandbox> {
    let locations = &started.loaded.locations;
    Sandbox::open(&SandboxConfig::in_folders(&locations.data_dir, &locations.cache_dir, 0))
        .context("cannot open the sandbox")
}
