//! `agentdesk interpreters …`: remote code interpreters (`[interpreters.NAME]` in the config
//! file) — AgentCore's in a region, or a self-hosted data plane such as `agentdesk serve`.

use std::process::ExitCode;
use std::sync::Arc;

use agentdesk_config::{ConfigFile, InterpreterSettings, Settings};
use agentdesk_identity::{Identity, SystemBrowser};
use agentdesk_interpreter::{InterpreterStatus, RemoteInterpreter};
use anyhow::bail;
use serde_json::json;

use super::{Started, print_json};
use crate::args::{InterpretersAddArgs, InterpretersCommand};

pub(crate) fn run(started: &Started, command: InterpretersCommand) -> anyhow::Result<ExitCode> {
    match command {
        InterpretersCommand::Add(args) => add(started, &args),
        InterpretersCommand::List { json } => list(started, json),
        InterpretersCommand::Remove { name } => remove(started, &name),
    }
}

fn config_file(started: &Started) -> ConfigFile {
    ConfigFile::new(started.loaded.locations.config_file.clone())
}

fn add(started: &Started, args: &InterpretersAddArgs) -> anyhow::Result<ExitCode> {
    let settings = InterpreterSettings {
        region: args.region.clone().unwrap_or_default(),
        identifier: args.identifier.clone().unwrap_or_default(),
        endpoint: args.endpoint.clone().unwrap_or_default(),
        auth: args.auth.clone().unwrap_or_default(),
        session_timeout_seconds: args.session_timeout.unwrap_or(0),
        timeout_seconds: args.timeout.unwrap_or(0),
    };
    if args.session_timeout == Some(0) {
        bail!("--session-timeout must be from 1 to 28800 seconds; nothing was saved");
    }
    if let Some(problem) = settings.problems(&args.name).into_iter().next() {
        bail!("{problem}; nothing was saved");
    }
    let provider = &settings.auth;
    if !provider.is_empty() && !started.loaded.settings.providers.contains_key(provider) {
        bail!(
            "no credential provider named {provider:?}: add it with `agentdesk auth add {provider} …` first; nothing was saved"
        );
    }
    config_file(started).save_interpreter(&args.name, &settings)?;
    println!("added {} ({})", args.name, describe(&settings));
    println!(
        "use it with `agentdesk sandbox run --interpreter {0} -c CODE`, or for the agent: `agentdesk config set tools.interpreter {0}`",
        args.name
    );
    Ok(ExitCode::SUCCESS)
}

/// Where an interpreter is and how it is called, in a few words.
fn describe(settings: &InterpreterSettings) -> String {
    let via = match settings.auth.as_str() {
        "" => "SigV4".to_owned(),
        provider => format!("bearer from {provider}"),
    };
    format!(
        "{} ({}), {via}, sessions {} s, calls {} s",
        settings.location(),
        settings.identifier(),
        settings.session_timeout_seconds(),
        settings.timeout_seconds()
    )
}

/// The identity service, when an interpreter's calls carry a provider's token.
pub(crate) fn identity_for(
    settings: &Settings,
    interpreter: &InterpreterSettings,
) -> Option<Arc<Identity>> {
    (!interpreter.auth.is_empty()).then(|| {
        let vault = agentdesk_agent::open_vault(settings.keyring.store);
        Arc::new(Identity::new(settings.providers.clone(), vault, Arc::new(SystemBrowser)))
    })
}

fn list(started: &Started, json: bool) -> anyhow::Result<ExitCode> {
    let settings = &started.loaded.settings;
    let interpreters = &settings.interpreters;
    if interpreters.is_empty() && !json {
        println!(
            "no remote interpreters yet (Python runs in the local sandbox): agentdesk interpreters add NAME --region REGION, or --endpoint URL"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let statuses: Vec<(String, InterpreterStatus)> = super::block_on(async {
        let mut statuses = Vec::new();
        for (name, interpreter) in interpreters {
            let status = match RemoteInterpreter::from_settings(
                name,
                interpreter,
                identity_for(settings, interpreter),
            ) {
                Ok(remote) => remote.probe().await,
                Err(error) => InterpreterStatus {
                    name: name.clone(),
                    reachable: false,
                    round_trip_ms: None,
                    code: Some(error.code().to_owned()),
                    message: Some(error.to_string()),
                },
            };
            statuses.push((name.clone(), status));
        }
        Ok::<_, anyhow::Error>(statuses)
    })?;
    let chosen = settings.tools.remote_interpreter();
    if json {
        let listed: Vec<serde_json::Value> = statuses
            .iter()
            .map(|(name, status)| {
                let interpreter = &interpreters[name];
                json!({
                    "name": name,
                    "region": interpreter.region,
                    "endpoint": interpreter.endpoint,
                    "identifier": interpreter.identifier(),
                    "auth": interpreter.auth,
                    "session_timeout_seconds": interpreter.session_timeout_seconds(),
                    "timeout_seconds": interpreter.timeout_seconds(),
                    "used_by_agent": chosen == Some(name.as_str()),
                    "reachable": status.reachable,
                    "round_trip_ms": status.round_trip_ms,
                    "code": status.code,
                    "message": status.message,
                })
            })
            .collect();
        print_json(&listed)?;
    } else {
        for (name, status) in &statuses {
            let state = match (status.reachable, status.round_trip_ms) {
                (true, Some(ms)) => format!("reachable ({ms:.0} ms)"),
                (true, None) => "reachable".to_owned(),
                (false, _) => {
                    format!("NOT REACHABLE: {}", status.message.as_deref().unwrap_or("no answer"))
                }
            };
            let used = if chosen == Some(name.as_str()) { "  [the agent's]" } else { "" };
            println!("{name}  {}{used}\n    {state}", describe(&interpreters[name]));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(started: &Started, name: &str) -> anyhow::Result<ExitCode> {
    if !config_file(started).remove_interpreter(name)? {
        bail!("no interpreter named {name:?}: `agentdesk interpreters list` shows them");
    }
    if started.loaded.settings.tools.remote_interpreter() == Some(name) {
        eprintln!(
            "note: tools.interpreter still names {name}; the agent will say so until you set it back with `agentdesk config set tools.interpreter local`"
        );
    }
    println!("removed {name}");
    Ok(ExitCode::SUCCESS)
}
