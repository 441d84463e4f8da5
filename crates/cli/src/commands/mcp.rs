//! `agentdesk mcp`: MCP servers in the config file, their status, tools and calls.

use std::process::ExitCode;
use std::sync::Arc;

use agentdesk_config::{ConfigFile, McpServerSettings};
use agentdesk_identity::Vault;
use agentdesk_mcp::{Connections, McpServer, ServerSecret, ServerState, ServerStatus};
use anyhow::{Context, bail};
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Map, Value};

use super::auth::Terminal;
use super::{Started, print_json, read_secret};
use crate::args::{McpAddArgs, McpCommand};

pub(crate) fn run(started: &Started, command: McpCommand) -> anyhow::Result<ExitCode> {
    match command {
        McpCommand::Add(args) => add(started, &args),
        McpCommand::List { json } => list(started, json),
        McpCommand::Tools { server, json } => tools(started, &server, json),
        McpCommand::Call { server, tool, args, json } => call(started, &server, &tool, &args, json),
        McpCommand::Login { server } => login(started, &server),
        McpCommand::Remove { server } => remove(started, &server),
        McpCommand::ImportClaudeConfig { path } => import(started, path),
    }
}

fn config_file(started: &Started) -> ConfigFile {
    ConfigFile::new(started.loaded.locations.config_file.clone())
}

fn vault(started: &Started) -> Option<Vault> {
    super::vault(&started.loaded.settings)
}

fn connections(started: &Started) -> Connections {
    agentdesk_agent::mcp_connections(&started.loaded.settings, Arc::new(Terminal))
}

fn server(started: &Started, name: &str) -> anyhow::Result<Arc<McpServer>> {
    Ok(connections(started).server(name)?)
}

fn add(started: &Started, args: &McpAddArgs) -> anyhow::Result<ExitCode> {
    let mut settings = McpServerSettings {
        url: args.url.clone().unwrap_or_default(),
        auth: args.auth.clone().unwrap_or_default(),
        oauth_client_id: args.oauth_client_id.clone().unwrap_or_default(),
        cwd: args.cwd.clone().unwrap_or_default(),
        timeout_seconds: args.timeout.unwrap_or(0),
        enabled: !args.disabled,
        ..McpServerSettings::default()
    };
    if let Some((command, rest)) = args.command.split_first() {
        settings.command = command.clone();
        settings.args = rest.to_vec();
    }
    for header in &args.header {
        let Some((name, value)) = header.split_once(':') else {
            bail!("--header {header:?}: write it as 'Name: value'; nothing was saved");
        };
        settings.headers.insert(name.trim().to_owned(), value.trim().to_owned());
    }
    for variable in &args.env {
        let Some((name, value)) = variable.split_once('=') else {
            bail!("--env {variable:?}: write it as NAME=value; nothing was saved");
        };
        settings.env.insert(name.to_owned(), value.to_owned());
    }
    let provider = &settings.auth;
    if !provider.is_empty() && !started.loaded.settings.providers.contains_key(provider) {
        bail!(
            "no credential provider named {provider:?}: add it with `agentdesk auth add {provider} …` first; nothing was saved"
        );
    }
    let mut secrets = Vec::new();
    if let Some(header) = &args.secret_header {
        let value = read_secret(&format!("{header} for {}: ", args.server))?;
        secrets.push(ServerSecret::header(header, value));
    }
    if let Some(variable) = &args.secret_env {
        let value = read_secret(&format!("{variable} for {}: ", args.server))?;
        secrets.push(ServerSecret::env(variable, value));
    }
    // The keyring is opened only when there is a secret to keep.
    let vault = if secrets.is_empty() { None } else { vault(started) };
    let settings = agentdesk_mcp::save_server(
        &config_file(started),
        vault.as_ref(),
        &args.server,
        settings,
        &secrets,
    )?;
    println!("added {} ({})", args.server, if settings.is_stdio() { "stdio" } else { "http" });
    Ok(ExitCode::SUCCESS)
}

fn describe(status: &ServerStatus) -> String {
    let state = match status.state {
        ServerState::Disabled => "disabled".to_owned(),
        ServerState::Idle => "not connected".to_owned(),
        ServerState::Connecting => "connecting".to_owned(),
        ServerState::Connected => match status.tools {
            Some(count) => format!("connected, {count} tools"),
            None => "connected".to_owned(),
        },
        ServerState::NeedsSignIn => "needs sign-in".to_owned(),
        ServerState::Expired => "credentials refused".to_owned(),
        ServerState::Failed => "failed".to_owned(),
    };
    let mut line = format!("{}  {}  {}  {state}", status.name, status.transport, status.target);
    if let Some(error) = &status.error {
        line.push_str(&format!("\n    {error}"));
    }
    line
}

fn list(started: &Started, json: bool) -> anyhow::Result<ExitCode> {
    let connections = connections(started);
    super::block_on(async {
        let mut checks = tokio::task::JoinSet::new();
        for server in connections.servers().filter(|server| server.settings().enabled) {
            let server = Arc::clone(server);
            checks.spawn(async move {
                // The status records the outcome; the error is shown from there.
                let _checked = server.tools().await;
            });
        }
        checks.join_all().await;
        let statuses = connections.statuses();
        if json {
            print_json(&statuses)?;
        } else if statuses.is_empty() {
            println!("no MCP servers yet: agentdesk mcp add NAME --url URL, or -- COMMAND ARGS…");
        }
        for status in statuses.iter().filter(|_| !json) {
            println!("{}", describe(status));
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn tools(started: &Started, name: &str, json: bool) -> anyhow::Result<ExitCode> {
    let server = server(started, name)?;
    super::block_on(async {
        let tools = server.tools().await?;
        if json {
            print_json(&*tools)?;
            return Ok(ExitCode::SUCCESS);
        }
        for tool in tools.iter() {
            let description = tool.description.as_deref().unwrap_or_default();
            let first_line = description.lines().next().unwrap_or_default();
            println!("{}  {first_line}", tool.name);
            let required: Vec<&str> = tool
                .input_schema
                .get("required")
                .and_then(Value::as_array)
                .map(|names| names.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(properties) = tool.input_schema.get("properties").and_then(Value::as_object)
            {
                for (argument, schema) in properties {
                    let kind = schema["type"].as_str().unwrap_or("any");
                    let mark = if required.contains(&argument.as_str()) { "" } else { "?" };
                    println!("    {argument}{mark}: {kind}");
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn call(
    started: &Started,
    name: &str,
    tool: &str,
    arguments: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let arguments: Map<String, Value> = match serde_json::from_str(arguments) {
        Ok(Value::Object(arguments)) => arguments,
        Ok(_) => bail!("--args must be a JSON object, such as '{{\"message\": \"hi\"}}'"),
        Err(error) => bail!(
            "--args is not JSON ({error}): write a JSON object, such as '{{\"message\": \"hi\"}}'"
        ),
    };
    let server = server(started, name)?;
    super::block_on(async {
        let result = server.call(tool, arguments).await?;
        if json {
            print_json(&result)?;
        } else {
            print_result(&result)?;
        }
        if result.is_error == Some(true) {
            if json {
                eprintln!("{tool} reported an error");
            }
            return Ok(ExitCode::FAILURE);
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Text as it is; other content described; structured content as JSON.
fn print_result(result: &CallToolResult) -> anyhow::Result<()> {
    let failed = result.is_error == Some(true);
    for block in &result.content {
        let line = match block {
            ContentBlock::Text(text) => text.text.clone(),
            ContentBlock::Image(image) => {
                format!("[image {}, {} bytes as base64]", image.mime_type, image.data.len())
            }
            ContentBlock::Audio(audio) => {
                format!("[audio {}, {} bytes as base64]", audio.mime_type, audio.data.len())
            }
            other => serde_json::to_string(other).context("cannot encode the content")?,
        };
        if failed {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
    if let Some(structured) = &result.structured_content
        && result.content.is_empty()
    {
        print_json(structured)?;
    }
    Ok(())
}

fn login(started: &Started, name: &str) -> anyhow::Result<ExitCode> {
    let server = server(started, name)?;
    super::block_on(async {
        server.connect(true).await?;
        println!("{}", describe(&server.status()));
        Ok(ExitCode::SUCCESS)
    })
}

fn remove(started: &Started, name: &str) -> anyhow::Result<ExitCode> {
    let Some(settings) = started.loaded.settings.mcp_servers.get(name) else {
        bail!("no MCP server named {name:?}: agentdesk mcp list shows them");
    };
    let had_secrets = !settings.secret_entries(name).is_empty();
    let server = server(started, name)?;
    super::block_on(async { Ok(server.forget_secrets().await?) })
        .context("its secrets could not all be deleted, so it was kept")?;
    config_file(started).remove_mcp_server(name)?;
    println!("removed {name}{}", if had_secrets { " and its secrets" } else { "" });
    Ok(ExitCode::SUCCESS)
}

fn import(started: &Started, path: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    use agentdesk_mcp::{ImportAction, ImportPlan};
    let Some(path) = path.or_else(agentdesk_mcp::claude_config_path) else {
        bail!("cannot tell where Claude Desktop's config is: give its path");
    };
    let plan = ImportPlan::read(&path, &started.loaded.settings.mcp_servers)?;
    if !plan.found() {
        bail!("there is no {}: give the path of Claude Desktop's config file", path.display());
    }
    let vault = if plan.needs_keyring() { vault(started) } else { None };
    let done = plan.apply(&config_file(started), vault.as_ref());
    let (mut added, mut skipped, mut failed) = (0, 0, 0);
    for server in &done.items {
        if server.action != ImportAction::AlreadyConfigured {
            for note in &server.notes {
                println!("{note}");
            }
        }
        match server.action {
            ImportAction::Add => {
                let moved = server.secrets.len();
                let secrets = if moved > 0 {
                    format!(" ({moved} secrets moved to the keyring)")
                } else {
                    String::new()
                };
                println!("{}: imported{secrets}", server.name);
                added += 1;
            }
            ImportAction::AlreadyConfigured => {
                println!("{}: already configured here; left as it is", server.name);
                skipped += 1;
            }
            ImportAction::Unusable => skipped += 1,
            ImportAction::Failed => failed += 1,
        }
    }
    println!("{added} imported, {skipped} skipped, from {}", path.display());
    if failed > 0 {
        eprintln!("{failed} could not be imported (see above)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
