//! Runs a parsed command line.

mod agents;
mod auth;
mod chat;
mod config;
mod doctor;
mod estimate;
mod gateway;
mod interpreters;
mod mcp;
mod memory;
mod model;
mod prices;
mod sandbox;
mod serve;
mod traces;

use std::process::ExitCode;

use agentdesk_config::{Environment, Loaded, Overrides, load};
use agentdesk_telemetry::{LogGuard, LogOptions};
use anyhow::Context;
use tracing::level_filters::LevelFilter;

use crate::args::{Cli, Command, Global};

/// What every command starts from: the configuration in force and the log.
pub(crate) struct Started {
    pub(crate) loaded: Loaded,
    _log: LogGuard,
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let context = start(&cli.global, !matches!(cli.command, Command::Gateway(_)))?;
    match cli.command {
        Command::Doctor { json } => doctor::run(&context, json),
        Command::Config(command) => config::run(&context, command),
        Command::Sandbox(command) => sandbox::run(&context, command),
        Command::Memory(command) => memory::run(&context, command),
        Command::Chat(args) => chat::run(&context, args),
        Command::Model(command) => model::run(&context, command),
        Command::Auth(command) => auth::run(&context, command),
        Command::Mcp(command) => mcp::run(&context, command),
        Command::Agents(command) => agents::run(&context, command),
        Command::Interpreters(command) => interpreters::run(&context, command),
        Command::Gateway(command) => gateway::run(command),
        Command::Estimate(args) => estimate::run(&context, &args),
        Command::Estimates(command) => estimate::saved(&context, command),
        Command::Prices(command) => prices::run(&context, command, cli.global.quiet),
        Command::Serve(args) => serve::run(&context, &args),
        Command::Traces(command) => traces::run(&context, command),
    }
}

/// Loads the configuration and starts the log. The gateway has its own config file, which
/// `gateway serve --config` names (clap hands that value to the global `--config` too): it
/// reads nothing of the app's configuration but where to log, and says nothing about it.
fn start(global: &Global, reads_app_config: bool) -> anyhow::Result<Started> {
    let overrides = Overrides {
        config_file: global.config.clone().filter(|_| reads_app_config),
        data_dir: global.data_dir.clone(),
        cache_dir: global.cache_dir.clone(),
    };
    let loaded = load(&overrides, &Environment::from_process()).context("cannot start")?;
    let console = match (global.quiet, global.verbose) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::WARN,
        (false, 1) => LevelFilter::INFO,
        (false, 2) => LevelFilter::DEBUG,
        (false, _) => LevelFilter::TRACE,
    };
    let log = agentdesk_telemetry::init(&LogOptions {
        console,
        // Every config level name is also a tracing level name.
        file: loaded.settings.log.level.as_str().parse().unwrap_or(LevelFilter::INFO),
        folder: Some(loaded.locations.log_dir()),
        file_prefix: "agentdesk-cli",
        max_files: loaded.settings.log.max_files,
        traces: Some(loaded.locations.data_dir.join(agentdesk_telemetry::traces::TRACES_FILE)),
        traces_retention: agentdesk_telemetry::traces::Retention::new(
            loaded.settings.telemetry.retention_days,
            loaded.settings.telemetry.max_megabytes,
        ),
        capture_content: loaded.settings.telemetry.capture_content,
        otlp: otlp_config(&loaded.settings.telemetry),
    });
    if let Some(problem) = log.file_problem() {
        tracing::warn!("{problem}; logging to the terminal only");
    }
    if let Some(problem) = log.traces_problem() {
        tracing::warn!("{problem}");
    }
    for problem in loaded.problems.iter().filter(|_| reads_app_config) {
        tracing::warn!("{problem}");
    }
    Ok(Started { loaded, _log: log })
}

/// Where `[telemetry]` sends spans over OTLP.
fn otlp_config(
    telemetry: &agentdesk_config::TelemetrySettings,
) -> agentdesk_telemetry::traces::OtlpConfig {
    agentdesk_telemetry::traces::OtlpConfig {
        endpoint: telemetry.otlp_endpoint.clone(),
        protocol: telemetry.otlp_protocol.clone(),
    }
}

/// Runs a command's async work to completion on a fresh tokio runtime.
fn block_on<T>(work: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(work)
}

/// The keyring `keyring.store` names, or `None` (logged) when it cannot be opened: keys are
/// then looked up in the environment only.
fn vault(settings: &agentdesk_config::Settings) -> Option<agentdesk_identity::Vault> {
    match agentdesk_agent::open_vault(settings.keyring.store) {
        Ok(vault) => Some(vault),
        Err(error) => {
            tracing::info!(%error, "no keyring; API keys come from the environment only");
            None
        }
    }
}

/// What is wrong with the keyring and what to do about it, in one sentence pair.
fn keyring_problem(error: &agentdesk_identity::VaultError) -> String {
    format!("{error}. {}", error.fix())
}

/// Reads a secret typed at `prompt` without echo, or piped on standard input.
fn read_secret(prompt: &str) -> anyhow::Result<agentdesk_identity::Secret> {
    use std::io::{IsTerminal, Read};
    let typed = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).context("cannot read from the terminal")?
    } else {
        let mut piped = String::new();
        std::io::stdin().read_to_string(&mut piped).context("cannot read standard input")?;
        piped
    };
    let secret = typed.trim();
    if secret.is_empty() {
        anyhow::bail!(
            "nothing was given: type it at the prompt, or pipe it in (printf %s \"$SECRET\" | agentdesk …); nothing was saved"
        );
    }
    if secret.contains(char::is_whitespace) {
        anyhow::bail!("a key or secret has no spaces or line breaks; nothing was saved");
    }
    Ok(agentdesk_identity::Secret::new(secret))
}

/// Prints `value` as pretty JSON on standard output.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value).context("cannot encode JSON")?);
    Ok(())
}
