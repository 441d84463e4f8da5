//! The typed settings, as the rest of AgentDesk reads them.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Declares a closed set of choices stored in the config file as lowercase strings.
macro_rules! choices {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[ts(export_to = "Settings.ts")]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// The names accepted in the config file, in the order users are offered them.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The name written in the config file.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// Parses a config-file name.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

choices! {
    /// The language of the user interface.
    Language {
        /// Follow the operating system's locale (Japanese if it is Japanese, else English).
        #[default]
        System = "system",
        /// English.
        English = "en",
        /// Japanese.
        Japanese = "ja",
    }
}

choices! {
    /// The colour theme of the desktop app.
    Theme {
        /// Follow the operating system's light or dark preference.
        #[default]
        System = "system",
        /// Always light.
        Light = "light",
        /// Always dark.
        Dark = "dark",
    }
}

choices! {
    /// How much the log file records.
    LogLevel {
        /// Only failures.
        Error = "error",
        /// Failures and things the user should look at.
        Warn = "warn",
        /// What happened, at the level of user actions.
        #[default]
        Info = "info",
        /// Enough to debug AgentDesk itself.
        Debug = "debug",
        /// Everything.
        Trace = "trace",
    }
}

choices! {
    /// Which keyring holds tokens and keys.
    KeyringStore {
        /// The platform keyring (Secret Service on Linux). Survives reboots.
        #[default]
        Os = "os",
        /// The Linux kernel session keyring: lost at reboot, so opt-in only.
        Keyutils = "keyutils",
    }
}

choices! {
    /// Which key sends a chat message (the other way round inserts a new line).
    SendWith {
        /// Enter sends; Shift+Enter starts a new line.
        #[default]
        Enter = "enter",
        /// Ctrl+Enter (⌘+Enter) sends; Enter starts a new line.
        CtrlEnter = "ctrl-enter",
    }
}

/// Everything the config file can say, with defaults for what it does not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub struct Settings {
    /// Where conversations, memory, traces and sandbox files live; `None` for the
    /// platform's data folder.
    pub data_dir: Option<PathBuf>,
    /// Where compiled modules and other rebuildable files live; `None` for the platform's
    /// cache folder.
    pub cache_dir: Option<PathBuf>,
    /// The desktop app's look and language.
    pub ui: UiSettings,
    /// The log file.
    pub log: LogSettings,
    /// The keyring that holds secrets.
    pub keyring: KeyringSettings,
    /// Conversation memory.
    pub memory: MemorySettings,
    /// The model agents use.
    pub model: ModelSettings,
    /// Cost estimates.
    pub estimate: EstimateSettings,
    /// Which agent tools run without asking.
    pub tools: ToolSettings,
    /// The Python sandbox's sessions.
    pub sandbox: SandboxSettings,
    /// Traces of agent runs.
    pub telemetry: TelemetrySettings,
    /// Credential providers by name (`[providers.NAME]`).
    pub providers: std::collections::BTreeMap<String, crate::providers::ProviderSettings>,
    /// MCP servers by name (`[mcp_servers.NAME]`).
    pub mcp_servers: std::collections::BTreeMap<String, crate::mcp_servers::McpServerSettings>,
    /// `agentdesk serve` (`[serve]`); the desktop does not edit it.
    #[serde(default)]
    #[ts(skip)]
    pub serve: crate::serve::ServeSettings,
    /// Remote agents by name (`[agents.NAME]`).
    pub agents: std::collections::BTreeMap<String, crate::agents::AgentSettings>,
    /// Remote code interpreters by name (`[interpreters.NAME]`).
    pub interpreters: std::collections::BTreeMap<String, crate::interpreters::InterpreterSettings>,
}

/// The desktop app's look and language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub struct UiSettings {
    /// The interface language.
    pub language: Language,
    /// Light, dark, or following the system.
    pub theme: Theme,
    /// Which key sends a chat message.
    pub send_with: SendWith,
}

/// The log file's level and rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub struct LogSettings {
    /// The least severe level written to the log file.
    pub level: LogLevel,
    /// How many daily log files are kept before the oldest is deleted.
    pub max_files: u32,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { level: LogLevel::default(), max_files: 7 }
    }
}

/// The keyring that holds secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub struct KeyringSettings {
    /// Which keyring to use.
    pub store: KeyringStore,
}

/// When long-term memories are extracted from conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub struct MemorySettings {
    /// Extract after this many new user turns in a conversation.
    pub extract_after_turns: u32,
    /// Or once a conversation with new turns has been quiet this many seconds.
    pub extract_idle_seconds: u32,
}

impl Default for MemorySettings {
    fn default() -> Self {
        MemorySettings { extract_after_turns: 4, extract_idle_seconds: 300 }
    }
}

choices! {
    /// Which model API agents use.
    ModelProvider {
        /// No model: agents run offline.
        #[default]
        None = "none",
        /// OpenAI (`https://api.openai.com/v1`), key from `OPENAI_API_KEY` or the keyring.
        OpenAi = "openai",
        /// Anthropic (`https://api.anthropic.com`), key from `ANTHROPIC_API_KEY` or the keyring.
        Anthropic = "anthropic",
        /// Ollama on this machine (`http://127.0.0.1:11434/v1`), no key.
        Ollama = "ollama",
        /// LM Studio on this machine (`http://127.0.0.1:1234/v1`), no key.
        LmStudio = "lmstudio",
        /// Any other OpenAI-compatible server (vLLM, llama.cpp) at `model.base_url`.
        OpenAiCompatible = "openai-compatible",
        /// Amazon Bedrock's Converse API, with credentials from the AWS default chain.
        Bedrock = "bedrock",
    }
}

/// The model agents use. Keys never live here: they come from the environment or the keyring.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub struct ModelSettings {
    /// The API.
    pub provider: ModelProvider,
    /// The model id (`gpt-4o-mini`, `claude-sonnet-4-5`, `qwen2.5:7b`); empty for the
    /// provider's default.
    pub name: String,
    /// Where the API is; empty for the provider's default.
    pub base_url: String,
    /// Bedrock's region; empty for the AWS chain's (`AWS_REGION`, the profile), else us-east-1.
    pub aws_region: String,
    /// The AWS profile Bedrock is called as; empty for `AWS_PROFILE` or `default`.
    pub aws_profile: String,
}

choices! {
    /// Whether an agent tool runs without asking.
    ToolPolicy {
        /// Runs without asking.
        Allow = "allow",
        /// Asks each time, showing the call's arguments.
        #[default]
        Ask = "ask",
        /// Never runs; the model is told it is switched off.
        Deny = "deny",
    }
}

/// Which agent tools run without asking. The others only read AgentDesk's own catalog,
/// estimates and memory, and always run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub struct ToolSettings {
    /// Running Python in the sandbox (`execute_python`).
    pub execute_python: ToolPolicy,
    /// Where `execute_python` and the estimator's arithmetic run: empty for the local
    /// sandbox, else the name of an `[interpreters.NAME]`.
    pub interpreter: String,
    /// Whether a turn whose remote interpreter cannot be reached runs in the local sandbox
    /// instead (saying so); off by default, so code never moves without the user's consent.
    pub interpreter_fallback_to_local: bool,
}

impl ToolSettings {
    /// The remote interpreter chosen, or `None` for the local sandbox.
    pub fn remote_interpreter(&self) -> Option<&str> {
        let name = self.interpreter.trim();
        (!name.is_empty() && name != crate::interpreters::LOCAL_INTERPRETER).then_some(name)
    }
}

/// The Python sandbox's sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub struct SandboxSettings {
    /// Minutes a session may go unused before it ends and its memory is freed.
    pub idle_minutes: u32,
    /// The PyPI simple index runtimes are installed from (a mirror); empty for PyPI's.
    pub index_url: String,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        SandboxSettings { idle_minutes: 15, index_url: String::new() }
    }
}

/// Traces of agent runs (`[telemetry]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub struct TelemetrySettings {
    /// Whether prompts, answers and tool arguments and results are kept on spans
    /// (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` also turns it on).
    pub capture_content: bool,
    /// Days stored traces are kept before they are deleted.
    pub retention_days: u32,
    /// The most stored traces may take on disk, in MiB; the oldest go first.
    pub max_megabytes: u32,
    /// The OTLP receiver spans are also sent to (`http://localhost:4318`), empty for none;
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` wins over it.
    pub otlp_endpoint: String,
    /// `http/protobuf` or `grpc`; `OTEL_EXPORTER_OTLP_PROTOCOL` wins over it.
    pub otlp_protocol: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        TelemetrySettings {
            capture_content: false,
            retention_days: 30,
            max_megabytes: 500,
            otlp_endpoint: String::new(),
            otlp_protocol: "http/protobuf".to_owned(),
        }
    }
}

/// Cost estimates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Settings.ts")]
pub struct EstimateSettings {
    /// The region priced when a description names none.
    pub region: String,
}

impl Default for EstimateSettings {
    fn default() -> Self {
        EstimateSettings { region: "us-east-1".to_owned() }
    }
}
