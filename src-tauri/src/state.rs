//! What the app holds between commands: where its files are and the settings in force.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use agentdesk_memory::{
    Error as MemoryError, ExtractionPolicy, ExtractionWorker, MemoryStore, RuleExtractor,
};

use agentdesk_wasm_sandbox::{Sandbox, SandboxConfig, SandboxError};

use agentdesk_identity::Identity;
use agentdesk_mcp::{Connections, McpServer, McpServerSettings};

/// How often the app pings a connected MCP server, so its status stays true while idle.
const KEEP_ALIVE: Duration = Duration::from_secs(30);
/// The longest wait between attempts to reopen a session that went down.
const LONGEST_RECONNECT_WAIT: Duration = Duration::from_secs(300);

/// The `[mcp_servers]` a set of connections was made for.
type McpServers = std::collections::BTreeMap<String, McpServerSettings>;

use crate::commands::auth::{AuthEvent, WindowInteraction, forward_statuses};
use crate::commands::chat::RunningTurns;
use crate::commands::connections::{ServerView, view};

use agentdesk_config::{
    ConfigError, Environment, InterpreterSettings, Loaded, Overrides, Problem, Settings, load,
};
use agentdesk_interpreter::Calculator;
use agentdesk_telemetry::{LogGuard, LogOptions};
use serde::Serialize;
use tracing::level_filters::LevelFilter;
use ts_rs::TS;

/// The app's state: how it was started, the configuration last loaded, and the sandbox
/// (opened on first use).
#[derive(Debug)]
pub struct AppState {
    overrides: Overrides,
    env: Environment,
    loaded: Mutex<Loaded>,
    sandbox: OnceLock<Sandbox>,
    memory: tokio::sync::OnceCell<MemoryDesk>,
    /// The chat turns running now.
    pub turns: RunningTurns,
    identity: tokio::sync::OnceCell<Arc<Identity>>,
    connections: tokio::sync::Mutex<Option<(McpServers, Arc<Connections>)>>,
    /// Where the agent's Python runs, for the settings it was made for; its sessions live
    /// across turns and end when the choice changes or the app quits.
    calculator: tokio::sync::Mutex<Option<(CalculatorChoice, Option<Calculator>)>>,
    /// The remote interpreters the Sandbox page uses, and its sessions on them.
    pub interpreters: crate::commands::interpreters::PageInterpreters,
    /// Sign-in events for the window (statuses, where to finish a sign-in).
    pub auth_events: tokio::sync::broadcast::Sender<AuthEvent>,
    /// MCP servers' status changes for the window.
    pub mcp_events: tokio::sync::broadcast::Sender<ServerView>,
    /// The Traces page's store and prices.
    pub(crate) traces: crate::commands::traces::TracesDesk,
}

/// What the agent's calculator was made from: when any of it changes, it is made again.
#[derive(Debug, Clone, PartialEq)]
struct CalculatorChoice {
    interpreter: String,
    fallback_to_local: bool,
    remote: Option<InterpreterSettings>,
    python_installed: bool,
}

impl CalculatorChoice {
    fn of(settings: &Settings, sandbox: Option<&Sandbox>) -> CalculatorChoice {
        let remote = settings.tools.remote_interpreter();
        CalculatorChoice {
            interpreter: remote.unwrap_or_default().to_owned(),
            fallback_to_local: settings.tools.interpreter_fallback_to_local,
            remote: remote.and_then(|name| settings.interpreters.get(name)).cloned(),
            python_installed: sandbox.is_some_and(|sandbox| {
                sandbox.runtimes().iter().any(|status| {
                    status.id == agentdesk_wasm_sandbox::RuntimeId::Python && status.installed
                })
            }),
        }
    }
}

/// The memory database with its background extraction, opened on first use.
#[derive(Debug)]
pub struct MemoryDesk {
    /// The store.
    pub store: MemoryStore,
    /// The memory the app's conversations go to.
    pub memory_id: String,
    /// Extraction in the background (offline rules until a model is configured).
    pub worker: ExtractionWorker,
}

/// A key that an environment variable overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Api.ts")]
pub struct Overridden {
    /// The dotted key.
    pub key: String,
    /// The variable that overrides it.
    pub variable: String,
}

/// What the Settings page shows: the file's settings to edit, what is in force, and why
/// they differ.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Api.ts")]
pub struct SettingsView {
    /// What the config file says (defaults where it is silent or wrong): what the page edits.
    pub settings: Settings,
    /// What is in force, after environment overrides.
    pub effective: Settings,
    /// Keys overridden by the environment; editing them changes the file but not the app
    /// while the variable is set.
    pub overridden: Vec<Overridden>,
    /// Everything wrong with the configuration.
    pub problems: Vec<Problem>,
    /// The config file.
    pub config_file: String,
    /// The data folder in force.
    pub data_dir: String,
    /// The cache folder in force.
    pub cache_dir: String,
    /// The folder of the log files.
    pub log_dir: String,
}

impl AppState {
    /// Loads the configuration. Fails only when no config location can be found at all.
    pub fn load(overrides: Overrides, env: Environment) -> Result<AppState, ConfigError> {
        let loaded = load(&overrides, &env)?;
        Ok(AppState {
            overrides,
            env,
            loaded: Mutex::new(loaded),
            sandbox: OnceLock::new(),
            memory: tokio::sync::OnceCell::new(),
            turns: RunningTurns::default(),
            identity: tokio::sync::OnceCell::new(),
            connections: tokio::sync::Mutex::new(None),
            calculator: tokio::sync::Mutex::new(None),
            interpreters: crate::commands::interpreters::PageInterpreters::default(),
            auth_events: tokio::sync::broadcast::channel(64).0,
            mcp_events: tokio::sync::broadcast::channel(64).0,
            traces: crate::commands::traces::TracesDesk::default(),
        })
    }

    /// Starts logging to the data folder; keep the guard for the life of the app.
    pub fn start_logging(&self, file_prefix: &'static str) -> LogGuard {
        let loaded = self.loaded();
        let guard = agentdesk_telemetry::init(&LogOptions {
            console: LevelFilter::WARN,
            // Every config level name is also a tracing level name.
            file: loaded.settings.log.level.as_str().parse().unwrap_or(LevelFilter::INFO),
            folder: Some(loaded.locations.log_dir()),
            file_prefix,
            max_files: loaded.settings.log.max_files,
            traces: Some(loaded.locations.data_dir.join(agentdesk_telemetry::traces::TRACES_FILE)),
            traces_retention: agentdesk_telemetry::traces::Retention::new(
                loaded.settings.telemetry.retention_days,
                loaded.settings.telemetry.max_megabytes,
            ),
            capture_content: loaded.settings.telemetry.capture_content,
            otlp: agentdesk_telemetry::traces::OtlpConfig {
                endpoint: loaded.settings.telemetry.otlp_endpoint.clone(),
                protocol: loaded.settings.telemetry.otlp_protocol.clone(),
            },
        });
        if let Some(problem) = guard.file_problem() {
            tracing::warn!("{problem}; logging to the terminal only");
        }
        if let Some(problem) = guard.traces_problem() {
            tracing::warn!("{problem}");
        }
        for problem in &loaded.problems {
            tracing::warn!("{problem}");
        }
        guard
    }

    /// The configuration last loaded.
    pub fn loaded(&self) -> MutexGuard<'_, Loaded> {
        // A panic while holding the lock cannot leave `Loaded` half-written (it is replaced
        // whole), so a poisoned lock is safe to keep using.
        self.loaded.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The sandbox, opened on first use in the data and cache folders in force then.
    pub fn sandbox(&self) -> Result<Sandbox, SandboxError> {
        if let Some(sandbox) = self.sandbox.get() {
            return Ok(sandbox.clone());
        }
        let locations = self.loaded().locations.clone();
        // One warm spare: the next session of a runtime in use starts without a boot.
        let config = SandboxConfig::in_folders(&locations.data_dir, &locations.cache_dir, 1);
        let opened = Sandbox::open(&config)?;
        opened.set_idle_timeout(crate::commands::sandbox::idle_timeout(&self.loaded().settings));
        Ok(self.sandbox.get_or_init(|| opened).clone())
    }

    /// The memory database in the data folder in force when first asked, with extraction
    /// running under the settings of that moment. Must be called inside the async runtime.
    pub async fn memory(&self) -> Result<&MemoryDesk, MemoryError> {
        self.memory
            .get_or_try_init(|| async {
                let (data_dir, settings) = {
                    let loaded = self.loaded();
                    (loaded.locations.data_dir.clone(), loaded.settings.memory.clone())
                };
                let store = MemoryStore::open_in(&data_dir).await?;
                let memory_id = store.default_memory().await?.memory_id;
                let policy = ExtractionPolicy {
                    after_turns: settings.extract_after_turns,
                    idle: Duration::from_secs(u64::from(settings.extract_idle_seconds)),
                };
                let worker = ExtractionWorker::spawn(
                    store.clone(),
                    &memory_id,
                    Arc::new(RuleExtractor),
                    policy,
                );
                Ok(MemoryDesk { store, memory_id, worker })
            })
            .await
    }

    /// Where the agent's Python runs (`tools.interpreter`): the same calculator, with its
    /// conversations' sessions, while the choice stays the same; a new one, the old one's
    /// sessions stopped, when it changed. `None` when no Python is available. Must be called
    /// inside the runtime.
    pub async fn calculator(&self) -> Option<Calculator> {
        let settings = self.loaded().settings.clone();
        let sandbox = self.sandbox().ok();
        let choice = CalculatorChoice::of(&settings, sandbox.as_ref());
        let mut cached = self.calculator.lock().await;
        if let Some((made_for, calculator)) = cached.as_ref()
            && *made_for == choice
        {
            return calculator.clone();
        }
        let identity = match &choice.remote {
            Some(remote) if !remote.auth.is_empty() => Some(self.identity().await),
            _ => None,
        };
        let calculator = Calculator::from_settings(&settings, sandbox, identity);
        if let Some((_, Some(replaced))) = cached.replace((choice, calculator.clone())) {
            tokio::spawn(async move { replaced.close_all().await });
        }
        calculator
    }

    /// Stops the Python sessions of `conversation` (it was deleted), if the calculator has any.
    pub async fn close_conversation_sessions(&self, conversation: &str) {
        let calculator =
            self.calculator.lock().await.as_ref().and_then(|(_, calculator)| calculator.clone());
        if let Some(calculator) = calculator {
            calculator.close(conversation).await;
        }
    }

    /// Stops the sessions the agent's calculator holds (the app is quitting).
    pub async fn close_calculator(&self) {
        let calculator = self.calculator.lock().await.take();
        if let Some((_, Some(calculator))) = calculator {
            calculator.close_all().await;
        }
    }

    /// The identity service for the configured providers, on first use: the keyring is
    /// opened and probed then, off the async threads. Must be called inside the runtime.
    pub async fn identity(&self) -> Arc<Identity> {
        Arc::clone(
            self.identity
                .get_or_init(|| async {
                    let (store, providers) = {
                        let loaded = self.loaded();
                        (loaded.settings.keyring.store, loaded.settings.providers.clone())
                    };
                    let interaction =
                        Arc::new(WindowInteraction { events: self.auth_events.clone() });
                    let opened = tokio::task::spawn_blocking(move || {
                        Identity::new(providers, agentdesk_agent::open_vault(store), interaction)
                    })
                    .await;
                    let identity = Arc::new(opened.unwrap_or_else(|_| {
                        // Opening panicked: go on without a keyring rather than without sign-in.
                        Identity::new(
                            std::collections::BTreeMap::new(),
                            Err(agentdesk_identity::VaultError::Unsupported { backend: "keyring" }),
                            Arc::new(WindowInteraction { events: self.auth_events.clone() }),
                        )
                    }));
                    forward_statuses(&identity, self.auth_events.clone());
                    identity
                })
                .await,
        )
    }

    /// The MCP servers' sessions, signing in through [`AppState::identity`]: kept while the
    /// configured servers stay the same, made again (their sessions reopened on next use)
    /// when the config file changed them. Must be called inside the runtime.
    pub async fn connections(&self) -> Arc<Connections> {
        let mut current = self.connections.lock().await;
        let (servers, store) = {
            let loaded = self.loaded();
            (loaded.settings.mcp_servers.clone(), loaded.settings.keyring.store)
        };
        if let Some((made_for, connections)) = current.as_ref()
            && *made_for == servers
        {
            return Arc::clone(connections);
        }
        let identity = self.identity().await;
        let vault = tokio::task::spawn_blocking(move || agentdesk_agent::open_vault(store))
            .await
            .ok()
            .and_then(|opened| {
                opened
                    .map_err(|error| tracing::warn!(%error, "no keyring for MCP servers' secrets"))
                    .ok()
            })
            .map(Arc::new);
        let connections = Arc::new(Connections::new(&servers, Some(&identity), vault.as_ref()));
        for server in connections.servers() {
            let weak = Arc::downgrade(server);
            tokio::spawn(McpServer::keep_alive(weak.clone(), KEEP_ALIVE, LONGEST_RECONNECT_WAIT));
            let (mut changes, events) = (server.watch(), self.mcp_events.clone());
            // Ends with the server (a later config replaces it): the sender goes with it.
            tokio::spawn(async move {
                while changes.changed().await.is_ok() {
                    let Some(server) = weak.upgrade() else { return };
                    let _no_window = events.send(view(&server));
                }
            });
        }
        *current = Some((servers, Arc::clone(&connections)));
        connections
    }

    /// Reads the configuration again (after a save) and returns the new view.
    pub fn reload(&self) -> Result<SettingsView, ConfigError> {
        let fresh = load(&self.overrides, &self.env)?;
        let view = SettingsView::from(&fresh);
        if let Some(identity) = self.identity.get() {
            identity.set_providers(fresh.settings.providers.clone());
        }
        if let Some(sandbox) = self.sandbox.get() {
            sandbox.set_idle_timeout(crate::commands::sandbox::idle_timeout(&fresh.settings));
        }
        agentdesk_telemetry::traces::set_capture_content(fresh.settings.telemetry.capture_content);
        *self.loaded() = fresh;
        Ok(view)
    }
}

impl From<&Loaded> for SettingsView {
    fn from(loaded: &Loaded) -> SettingsView {
        SettingsView {
            settings: loaded.file_settings.clone(),
            effective: loaded.settings.clone(),
            overridden: loaded
                .overridden
                .iter()
                .map(|(key, variable)| Overridden {
                    key: (*key).to_owned(),
                    variable: variable.clone(),
                })
                .collect(),
            problems: loaded.problems.clone(),
            config_file: loaded.locations.config_file.display().to_string(),
            data_dir: loaded.locations.data_dir.display().to_string(),
            cache_dir: loaded.locations.cache_dir.display().to_string(),
            log_dir: loaded.locations.log_dir().display().to_string(),
        }
    }
}
