//! `agentdesk model`: which model agents use, and its API key in the OS keyring.

use std::process::ExitCode;

use agentdesk_agent::{ApiKey, open_vault};
use agentdesk_config::ModelProvider;
use anyhow::Context;
use serde::Serialize;

use super::Started;
use crate::args::ModelCommand;

/// What `model show --json` prints; see docs/cli.md.
#[derive(Debug, Serialize)]
struct ModelView {
    provider: String,
    name: String,
    base_url: String,
    /// `keyring`, `environment`, `missing`, or `not-needed`.
    key: String,
    /// The environment variable read when the keyring has no key.
    key_variable: Option<String>,
}

pub(crate) fn run(started: &Started, command: ModelCommand) -> anyhow::Result<ExitCode> {
    match command {
        ModelCommand::Show { json } => show(started, json),
        ModelCommand::SetKey { provider } => set_key(started, &provider),
        ModelCommand::ForgetKey { provider } => forget_key(started, &provider),
    }
}

fn show(started: &Started, json: bool) -> anyhow::Result<ExitCode> {
    let model = &started.loaded.settings.model;
    let api_key = ApiKey::of(model.provider);
    let key = match api_key {
        None => "not-needed",
        Some(api_key) => {
            let vault = super::vault(&started.loaded.settings);
            api_key.source(vault.as_ref()).unwrap_or("missing")
        }
    };
    let view = ModelView {
        provider: model.provider.as_str().to_owned(),
        name: model.name.clone(),
        base_url: model.base_url.clone(),
        key: key.to_owned(),
        key_variable: api_key.map(|api_key| api_key.variable.to_owned()),
    };
    if json {
        super::print_json(&view)?;
        return Ok(ExitCode::SUCCESS);
    }
    if model.provider == ModelProvider::None {
        println!("provider  none: chat answers with the offline estimator");
        println!("          choose one with `agentdesk config set model.provider openai`");
        return Ok(ExitCode::SUCCESS);
    }
    let or_default =
        |value: &str| if value.is_empty() { "(default)".to_owned() } else { value.to_owned() };
    println!("provider  {}", view.provider);
    println!("model     {}", or_default(&view.name));
    println!("base url  {}", or_default(&view.base_url));
    match (key, api_key) {
        ("keyring", _) => println!("key       in the keyring"),
        ("environment", Some(api_key)) => println!("key       from {}", api_key.variable),
        ("missing", Some(api_key)) => println!(
            "key       missing: `agentdesk model set-key {}` or set {}",
            api_key.provider, api_key.variable
        ),
        _ if model.provider == ModelProvider::Bedrock => {
            println!(
                "key       AWS credentials from the default chain (profile, SSO, environment)"
            );
        }
        _ => println!("key       not needed"),
    }
    Ok(ExitCode::SUCCESS)
}

fn api_key(provider: &str) -> anyhow::Result<ApiKey> {
    ApiKey::named(provider).with_context(|| {
        format!(
            "{provider:?} takes no API key here: keys are for openai, anthropic and openai-compatible \
             (bedrock uses AWS credentials; ollama and lmstudio need none)"
        )
    })
}

fn set_key(started: &Started, provider: &str) -> anyhow::Result<ExitCode> {
    let api_key = api_key(provider)?;
    let vault = open_vault(started.loaded.settings.keyring.store)
        .and_then(|vault| vault.probe().map(|()| vault))
        .map_err(|error| {
            anyhow::anyhow!(
                "the key was not saved: {} Or set {} in the environment instead.",
                super::keyring_problem(&error),
                api_key.variable
            )
        })?;
    let key = super::read_secret(&format!("{} API key (not shown): ", api_key.provider))?;
    vault
        .set_secret(&api_key.entry(), key.expose())
        .context("cannot store the key in the keyring")?;
    eprintln!("stored the {} key in the {}", api_key.provider, vault.backend().display_name());
    Ok(ExitCode::SUCCESS)
}

fn forget_key(started: &Started, provider: &str) -> anyhow::Result<ExitCode> {
    let api_key = api_key(provider)?;
    let vault =
        open_vault(started.loaded.settings.keyring.store).context("cannot open the keyring")?;
    let deleted = vault.delete_secret(&api_key.entry()).map_err(|error| {
        anyhow::anyhow!("cannot delete the key: {}", super::keyring_problem(&error))
    })?;
    if deleted {
        eprintln!("deleted the {} key from the keyring", api_key.provider);
    } else {
        eprintln!("the keyring had no {} key", api_key.provider);
    }
    Ok(ExitCode::SUCCESS)
}
