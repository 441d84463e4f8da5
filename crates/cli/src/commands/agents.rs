//! `agentdesk agents …`: remote agents serving AgentCore Runtime's contract, by URL or by
//! AgentCore ARN (`[agents.NAME]` in the config file), and invoking them from the terminal.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use agentdesk_agent::MemoryLink;
use agentdesk_config::{AgentSettings, ConfigFile};
use agentdesk_identity::{Identity, SystemBrowser};
use agentdesk_memory::{LOCAL_ACTOR, MemoryStore};
use agentdesk_runtime::client::{
    Invocation, RemoteAgent, answer_text, new_session_id, remote_turn,
};
use agentdesk_runtime::items::{MAX_SESSION_ID, MIN_SESSION_ID};
use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::{Started, print_json};
use crate::args::{AgentsAddArgs, AgentsCommand, AgentsInvokeArgs};

pub(crate) fn run(started: &Started, command: AgentsCommand) -> anyhow::Result<ExitCode> {
    match command {
        AgentsCommand::Add(args) => add(started, &args),
        AgentsCommand::List { json } => list(started, json),
        AgentsCommand::Invoke(args) => invoke(started, args),
        AgentsCommand::Remove { name } => remove(started, &name),
    }
}

fn config_file(started: &Started) -> ConfigFile {
    ConfigFile::new(started.loaded.locations.config_file.clone())
}

fn add(started: &Started, args: &AgentsAddArgs) -> anyhow::Result<ExitCode> {
    let settings = AgentSettings {
        url: args.url.clone().unwrap_or_default(),
        arn: args.arn.clone().unwrap_or_default(),
        region: args.region.clone().unwrap_or_default(),
        endpoint: args.endpoint.clone().unwrap_or_default(),
        auth: args.auth.clone().unwrap_or_default(),
        timeout_seconds: args.timeout.unwrap_or(0),
    };
    if let Some(problem) = settings.problems(&args.name).into_iter().next() {
        bail!("{problem}; nothing was saved");
    }
    let provider = &settings.auth;
    if !provider.is_empty() && !started.loaded.settings.providers.contains_key(provider) {
        bail!(
            "no credential provider named {provider:?}: add it with `agentdesk auth add {provider} …` first; nothing was saved"
        );
    }
    config_file(started).save_agent(&args.name, &settings)?;
    println!("added {} ({})", args.name, describe(&settings));
    Ok(ExitCode::SUCCESS)
}

/// Where an agent is and how it is called, in a few words.
fn describe(settings: &AgentSettings) -> String {
    let place = if settings.url.is_empty() {
        format!("{} in {}", settings.arn, settings.effective_region())
    } else {
        settings.url.clone()
    };
    let via = match (settings.auth.as_str(), settings.url.is_empty()) {
        ("", true) => "SigV4".to_owned(),
        ("", false) => "no auth".to_owned(),
        (provider, _) => format!("bearer from {provider}"),
    };
    let endpoint = if settings.endpoint.is_empty() {
        String::new()
    } else {
        format!(" via {}", settings.endpoint)
    };
    format!("{place}{endpoint}, {via}, timeout {} s", settings.timeout_seconds())
}

fn list(started: &Started, json: bool) -> anyhow::Result<ExitCode> {
    let agents = &started.loaded.settings.agents;
    if json {
        let listed: Vec<Value> = agents
            .iter()
            .map(|(name, agent)| {
                json!({
                    "name": name,
                    "url": agent.url,
                    "arn": agent.arn,
                    "region": agent.effective_region(),
                    "endpoint": agent.endpoint,
                    "auth": agent.auth,
                    "timeout_seconds": agent.timeout_seconds(),
                })
            })
            .collect();
        print_json(&listed)?;
    } else if agents.is_empty() {
        println!("no agents yet: agentdesk agents add NAME --url URL, or --arn ARN");
    } else {
        for (name, agent) in agents {
            println!("{name}  {}", describe(agent));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(started: &Started, name: &str) -> anyhow::Result<ExitCode> {
    if !config_file(started).remove_agent(name)? {
        bail!("no agent named {name:?}: `agentdesk agents list` shows them");
    }
    println!("removed {name}");
    Ok(ExitCode::SUCCESS)
}

fn invoke(started: &Started, args: AgentsInvokeArgs) -> anyhow::Result<ExitCode> {
    let settings = &started.loaded.settings;
    let Some(agent_settings) = settings.agents.get(&args.name) else {
        bail!("no agent named {:?}: `agentdesk agents list` shows them", args.name);
    };
    let payload = match (&args.payload, &args.prompt) {
        (Some(payload), _) => serde_json::from_str::<Value>(payload).with_context(|| {
            format!("--payload must be JSON, such as '{{\"prompt\": \"hi\"}}'; {payload:?} is not")
        })?,
        (None, Some(prompt)) => json!({ "prompt": prompt }),
        (None, None) => bail!("give a prompt, or --payload JSON"),
    };
    let session_id = match args.session {
        Some(session) => {
            let length = session.chars().count();
            if !(MIN_SESSION_ID..=MAX_SESSION_ID).contains(&length) {
                bail!(
                    "--session must be {MIN_SESSION_ID} to {MAX_SESSION_ID} characters (AgentCore's limits); {session:?} has {length}"
                );
            }
            session
        }
        None => {
            let session = new_session_id();
            eprintln!("session {session} (continue with --session {session})");
            session
        }
    };
    let identity = (!agent_settings.auth.is_empty()).then(|| {
        let vault = agentdesk_agent::open_vault(settings.keyring.store);
        Arc::new(Identity::new(settings.providers.clone(), vault, Arc::new(SystemBrowser)))
    });
    let agent = RemoteAgent::from_settings(&args.name, agent_settings, identity)?;
    let invocation = Invocation { payload, session_id, headers: Vec::new() };
    let raw = args.json;
    let mut printed = Printed::default();
    let data_dir = started.loaded.locations.data_dir.clone();
    super::block_on(async move {
        let memory = match MemoryStore::open_in(&data_dir).await {
            Ok(store) => match store.default_memory().await {
                Ok(memory) => Some(MemoryLink {
                    store,
                    memory_id: memory.memory_id,
                    actor_id: LOCAL_ACTOR.into(),
                }),
                Err(error) => {
                    tracing::warn!("the conversation is not kept in memory: {error}");
                    None
                }
            },
            Err(error) => {
                tracing::warn!("the conversation is not kept in memory: {error}");
                None
            }
        };
        let mut on_item = |item: Value| printed.show(&item, raw);
        let answered = match &memory {
            Some(link) => remote_turn(&agent, link, invocation, &mut on_item).await,
            None => agent.invoke(invocation, &mut on_item).await,
        };
        if let Some(link) = memory {
            link.store.close().await;
        }
        printed.finish();
        answered?;
        Ok(ExitCode::SUCCESS)
    })
}

/// What has gone to the terminal, so the answer ends with a line break.
#[derive(Debug, Default)]
struct Printed {
    open_line: bool,
}

impl Printed {
    /// Text to stdout as it arrives; an item without text as one short line on stderr; with
    /// `raw`, every item as one line of JSON on stdout.
    fn show(&mut self, item: &Value, raw: bool) {
        let mut stdout = std::io::stdout().lock();
        if raw {
            let _ = writeln!(stdout, "{item}");
            return;
        }
        match answer_text(item) {
            Some(text) => {
                let _ = write!(stdout, "{text}");
                let _ = stdout.flush();
                self.open_line = !text.ends_with('\n');
            }
            None => {
                drop(stdout);
                // On one terminal the note would land mid-sentence; piped, the answer on
                // stdout stays exactly the agent's text.
                if std::io::stdout().is_terminal() && std::io::stderr().is_terminal() {
                    self.finish();
                }
                eprintln!("{}", summary(item));
            }
        }
    }

    fn finish(&mut self) {
        if self.open_line {
            println!();
            self.open_line = false;
        }
    }
}

/// An item with no text in one short line: its kind (or first key) and its start.
fn summary(item: &Value) -> String {
    let kind = item
        .get("kind")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| item.as_object().and_then(|object| object.keys().next().cloned()))
        .unwrap_or_else(|| "item".to_owned());
    let body = item.to_string();
    let mut short: String = body.chars().take(120).collect();
    if short.len() < body.len() {
        short.push('…');
    }
    format!("[{kind}] {short}")
}
