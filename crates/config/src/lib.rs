//! AgentDesk's configuration: one TOML file, `AGENTDESK_*` environment overrides, and the
//! platform folders for data and cache.
//!
//! Start reading at [`load`]: it resolves where the config file is ([`Locations`]), reads it,
//! applies environment overrides and returns [`Loaded`] — the effective [`Settings`] plus
//! every [`Problem`] found. Loading never fails because of the file's content: the app and
//! the CLI must start with a malformed config, say which line and key are wrong, and leave
//! the file untouched. Writing ([`ConfigFile::set`], [`ConfigFile::save`]) edits the file in
//! place with `toml_edit`, keeping the user's comments and layout, and refuses to write over
//! a file it cannot parse.
//!
//! Every key is declared once, in [`keys::KEYS`]; validation, `config get/set`, environment
//! variable names and the settings page all derive from that table. Credential providers are
//! and MCP servers are the open-ended parts: `[providers.NAME]` tables ([`ProviderSettings`]),
//! written with [`ConfigFile::save_provider`] and [`ConfigFile::remove_provider`], and
//! `[mcp_servers.NAME]` tables ([`McpServerSettings`]) with [`ConfigFile::save_mcp_server`]
//! and [`ConfigFile::remove_mcp_server`]; remote agents (`[agents.NAME]`, [`AgentSettings`])
//! and remote code interpreters (`[interpreters.NAME]`, [`InterpreterSettings`]) likewise.
//!
//! Secrets never live here: the config names keyring entries, the keyring holds the values.
//! It depends only on `agentdesk-identity`, for the shape of a credential provider, and on no
//! GUI toolkit.
#![deny(missing_docs)]

mod agents;
mod error;
mod file;
mod interpreters;
pub mod keys;
mod locations;
mod mcp_servers;
mod providers;
mod serve;
mod settings;

pub use agents::{
    AgentSettings, DEFAULT_AGENT_TIMEOUT_SECONDS, MAX_AGENT_TIMEOUT_SECONDS, RuntimeArn,
    parse_runtime_arn,
};
pub use error::{ConfigError, Problem, ProblemSource};
pub use file::{ConfigFile, Loaded, load};
pub use interpreters::{
    DEFAULT_INTERPRETER_IDENTIFIER, DEFAULT_INTERPRETER_SESSION_SECONDS,
    DEFAULT_INTERPRETER_TIMEOUT_SECONDS, InterpreterSettings, LOCAL_INTERPRETER,
    MAX_INTERPRETER_SESSION_SECONDS,
};
pub use locations::{Environment, Locations, Overrides};
pub use mcp_servers::{DEFAULT_MCP_TIMEOUT_SECONDS, McpServerSettings};
pub use providers::{AuthFlow, ProviderKind, ProviderSettings, is_provider_name, is_secure_url};
pub use serve::{DEFAULT_REQUEST_TIMEOUT_SECONDS, ServeSettings};
pub use settings::SendWith;
pub use settings::{
    EstimateSettings, KeyringSettings, KeyringStore, Language, LogLevel, LogSettings,
    MemorySettings, ModelProvider, ModelSettings, SandboxSettings, Settings, TelemetrySettings,
    Theme, ToolPolicy, ToolSettings, UiSettings,
};
