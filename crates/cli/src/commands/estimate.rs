//! `agentdesk estimate`: the offline estimator, with its arithmetic run in the sandbox when
//! the Python runtime is installed.

use std::process::ExitCode;

use agentdesk_agent::estimator::{
    EstimateStore, calculate_in_sandbox, estimate, estimate_spec, is_japanese,
};
use agentdesk_wasm_sandbox::{Sandbox, SandboxConfig};
use anyhow::Context;

use super::{Started, print_json};
use crate::args::{EstimateArgs, EstimatesCommand};

pub(crate) fn run(started: &Started, args: &EstimateArgs) -> anyhow::Result<ExitCode> {
    let region = args.region.as_deref().unwrap_or(&started.loaded.settings.estimate.region);
    let (description, mut result) = match &args.spec {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let result =
                estimate_spec(&text, region).with_context(|| path.display().to_string())?;
            (format!("spec {}", path.display()), result)
        }
        None => {
            let description = args.description.join(" ");
            if description.trim().is_empty() {
                anyhow::bail!(
                    "describe the architecture, for example: agentdesk estimate \"an ALB and 2 EC2 t3.medium in us-east-1\" (or give --spec FILE)"
                );
            }
            let result = estimate(&description, region)?;
            (description, result)
        }
    };
    let sandbox = open_sandbox(started)?;
    super::block_on(async {
        calculate_in_sandbox(&sandbox, &mut result, &description)
            .await
            .context("the sandbox's calculation could not be used")
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
                    println!(
                        "{}  {:>14}  ${:>10.2}  {}",
                        one.id, one.estimate.region, one.estimate.monthly_total, one.description
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
pub(crate) fn open_sandbox(started: &Started) -> anyhow::Result<Sandbox> {
    let locations = &started.loaded.locations;
    Sandbox::open(&SandboxConfig::in_folders(&locations.data_dir, &locations.cache_dir, 0))
        .context("cannot open the sandbox")
}
