//! The table of config keys: the one place a setting is declared.
//!
//! Each [`Key`] knows its dotted name, what values it takes, and how to read and write it on
//! [`Settings`]. File validation, environment overrides, `agentdesk config get/set` and the
//! settings page are all driven by [`KEYS`], so a new setting is one row here plus a field.

use std::path::PathBuf;

use crate::settings::SendWith;
use crate::settings::{
    KeyringStore, Language, LogLevel, ModelProvider, Settings, Theme, ToolPolicy,
};

/// What values a key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One of a fixed list of names.
    Choice(&'static [&'static str]),
    /// A folder; empty means the platform default.
    Folder,
    /// Free text (a model name); empty means the default.
    Text,
    /// An `http://` or `https://` URL; empty means the default (or none).
    Url,
    /// An AWS region code; empty means us-east-1.
    Region,
    /// `true` or `false` (a TOML boolean in the file).
    Switch,
    /// A socket address `HOST:PORT` with an IP host; empty means the default.
    Address,
    /// A whole number within bounds.
    Count {
        /// The smallest value accepted.
        min: u32,
        /// The largest value accepted.
        max: u32,
    },
}

impl Kind {
    /// Describes the accepted values, for error messages.
    pub fn expected(&self) -> String {
        match self {
            Kind::Choice(names) => format!("one of {}", names.join(", ")),
            Kind::Folder => "a folder path, or \"\" for the platform default".to_owned(),
            Kind::Text => "text on one line, or \"\" for the default".to_owned(),
            Kind::Url => {
                "an http:// or https:// URL such as http://localhost:4318, or \"\" for the default"
                    .to_owned()
            }
            Kind::Region => {
                "an AWS region code such as ap-northeast-1, or \"\" for us-east-1".to_owned()
            }
            Kind::Count { min, max } => format!("a whole number from {min} to {max}"),
            Kind::Switch => "true or false".to_owned(),
            Kind::Address => {
                "HOST:PORT such as 127.0.0.1:8080 or 0.0.0.0:8080, or \"\" for the default"
                    .to_owned()
            }
        }
    }
}

/// One setting in the config file.
#[derive(Debug)]
pub struct Key {
    /// The dotted name: `section.key`, or `key` at the top level.
    pub name: &'static str,
    /// The values it takes.
    pub kind: Kind,
    /// One line saying what it does.
    pub summary: &'static str,
    get: fn(&Settings) -> String,
    set: fn(&mut Settings, &str) -> Option<()>,
}

impl Key {
    /// The environment variable that overrides this key: `AGENTDESK_` and the dotted name in
    /// upper case with dots as underscores (`ui.theme` → `AGENTDESK_UI_THEME`).
    pub fn env_var(&self) -> String {
        format!("AGENTDESK_{}", self.name.replace('.', "_").to_ascii_uppercase())
    }

    /// The section and the key inside it; the section is `None` at the top level.
    pub fn path(&self) -> (Option<&'static str>, &'static str) {
        match self.name.split_once('.') {
            Some((section, key)) => (Some(section), key),
            None => (None, self.name),
        }
    }

    /// The key's value in `settings`, as written on the command line.
    pub fn get(&self, settings: &Settings) -> String {
        (self.get)(settings)
    }

    /// Sets the key in `settings` from its command-line form, or says what was expected.
    pub fn set(&self, settings: &mut Settings, value: &str) -> Result<(), String> {
        let value = value.trim();
        // Counts are range-checked here, against the bounds the key declares, so the bounds
        // are written once.
        if let Kind::Count { min, max } = self.kind
            && !value.parse::<u32>().is_ok_and(|n| (min..=max).contains(&n))
        {
            return Err(self.kind.expected());
        }
        (self.set)(settings, value).ok_or_else(|| self.kind.expected())
    }

    /// The key's value in `settings` as a TOML value (a number for counts, else a string).
    pub fn to_toml(&self, settings: &Settings) -> toml_edit::Value {
        let text = self.get(settings);
        match (self.kind, text.parse::<i64>()) {
            (Kind::Count { .. }, Ok(number)) => number.into(),
            (Kind::Switch, _) => (text == "true").into(),
            _ => text.into(),
        }
    }
}

/// Every key the config file accepts.
pub static KEYS: &[Key] = &[
    Key {
        name: "data_dir",
        kind: Kind::Folder,
        summary: "Folder for conversations, memory, traces and sandbox files",
        get: |s| folder_text(s.data_dir.as_ref()),
        set: |s, v| {
            s.data_dir = parse_folder(v);
            Some(())
        },
    },
    Key {
        name: "cache_dir",
        kind: Kind::Folder,
        summary: "Folder for compiled modules and other files that can be rebuilt",
        get: |s| folder_text(s.cache_dir.as_ref()),
        set: |s, v| {
            s.cache_dir = parse_folder(v);
            Some(())
        },
    },
    Key {
        name: "ui.language",
        kind: Kind::Choice(Language::NAMES),
        summary: "Interface language: follow the system, English or Japanese",
        get: |s| s.ui.language.as_str().to_owned(),
        set: |s, v| Language::parse(v).map(|value| s.ui.language = value),
    },
    Key {
        name: "ui.theme",
        kind: Kind::Choice(Theme::NAMES),
        summary: "Colour theme: follow the system, light or dark",
        get: |s| s.ui.theme.as_str().to_owned(),
        set: |s, v| Theme::parse(v).map(|value| s.ui.theme = value),
    },
    Key {
        name: "ui.send_with",
        kind: Kind::Choice(SendWith::NAMES),
        summary: "Which key sends a chat message: enter (Shift+Enter for a new line) or ctrl-enter",
        get: |s| s.ui.send_with.as_str().to_owned(),
        set: |s, v| SendWith::parse(v).map(|value| s.ui.send_with = value),
    },
    Key {
        name: "log.level",
        kind: Kind::Choice(LogLevel::NAMES),
        summary: "The least severe level written to the log file",
        get: |s| s.log.level.as_str().to_owned(),
        set: |s, v| LogLevel::parse(v).map(|value| s.log.level = value),
    },
    Key {
        name: "log.max_files",
        kind: Kind::Count { min: 1, max: 365 },
        summary: "How many daily log files are kept",
        get: |s| s.log.max_files.to_string(),
        set: |s, v| v.parse().ok().map(|count| s.log.max_files = count),
    },
    Key {
        name: "keyring.store",
        kind: Kind::Choice(KeyringStore::NAMES),
        summary: "Keyring for tokens and keys: the OS keyring, or keyutils (lost at reboot)",
        get: |s| s.keyring.store.as_str().to_owned(),
        set: |s, v| KeyringStore::parse(v).map(|value| s.keyring.store = value),
    },
    Key {
        name: "memory.extract_after_turns",
        kind: Kind::Count { min: 1, max: 100 },
        summary: "Extract long-term memories after this many new user turns",
        get: |s| s.memory.extract_after_turns.to_string(),
        set: |s, v| v.parse().ok().map(|count| s.memory.extract_after_turns = count),
    },
    Key {
        name: "memory.extract_idle_seconds",
        kind: Kind::Count { min: 5, max: 86_400 },
        summary: "Or once a conversation has been quiet this many seconds",
        get: |s| s.memory.extract_idle_seconds.to_string(),
        set: |s, v| v.parse().ok().map(|count| s.memory.extract_idle_seconds = count),
    },
    Key {
        name: "model.provider",
        kind: Kind::Choice(ModelProvider::NAMES),
        summary: "The model agents use: none (offline), openai, anthropic, ollama, lmstudio, openai-compatible, bedrock",
        get: |s| s.model.provider.as_str().to_owned(),
        set: |s, v| ModelProvider::parse(v).map(|value| s.model.provider = value),
    },
    Key {
        name: "model.name",
        kind: Kind::Text,
        summary: "The model id (gpt-4o-mini, claude-sonnet-4-5, qwen2.5:7b); empty for the default",
        get: |s| s.model.name.clone(),
        set: |s, v| one_line(v).map(|value| s.model.name = value),
    },
    Key {
        name: "model.base_url",
        kind: Kind::Url,
        summary: "Where the model API is; empty for the provider's default",
        get: |s| s.model.base_url.clone(),
        set: |s, v| url(v).map(|url| s.model.base_url = url),
    },
    Key {
        name: "model.aws_region",
        kind: Kind::Text,
        summary: "Bedrock's AWS region; empty for AWS_REGION or the profile's, else us-east-1",
        get: |s| s.model.aws_region.clone(),
        set: |s, v| (v.is_empty() || is_region_code(v)).then(|| s.model.aws_region = v.to_owned()),
    },
    Key {
        name: "model.aws_profile",
        kind: Kind::Text,
        summary: "The AWS profile Bedrock is called as; empty for AWS_PROFILE or default",
        get: |s| s.model.aws_profile.clone(),
        set: |s, v| one_line(v).map(|value| s.model.aws_profile = value),
    },
    Key {
        name: "tools.execute_python",
        kind: Kind::Choice(ToolPolicy::NAMES),
        summary: "Whether the agent runs Python in the sandbox: ask (each time), allow, deny",
        get: |s| s.tools.execute_python.as_str().to_owned(),
        set: |s, v| ToolPolicy::parse(v).map(|value| s.tools.execute_python = value),
    },
    Key {
        name: "tools.interpreter",
        kind: Kind::Text,
        summary: "Where the agent's Python runs: local (the sandbox on this machine) or the name of an [interpreters.NAME]",
        get: |s| s.tools.remote_interpreter().unwrap_or(crate::LOCAL_INTERPRETER).to_owned(),
        set: |s, v| {
            let name = v.trim();
            let local = name.is_empty() || name == crate::LOCAL_INTERPRETER;
            (local || crate::is_provider_name(name))
                .then(|| s.tools.interpreter = if local { String::new() } else { name.to_owned() })
        },
    },
    Key {
        name: "tools.interpreter_fallback_to_local",
        kind: Kind::Switch,
        summary: "Whether Python runs in the local sandbox when the remote interpreter cannot be reached (saying so)",
        get: |s| s.tools.interpreter_fallback_to_local.to_string(),
        set: |s, v| v.parse().ok().map(|on| s.tools.interpreter_fallback_to_local = on),
    },
    Key {
        name: "telemetry.capture_content",
        kind: Kind::Switch,
        summary: "Whether traces keep prompts, answers and tool arguments and results (off: only names, timings and token counts)",
        get: |s| s.telemetry.capture_content.to_string(),
        set: |s, v| v.parse().ok().map(|on| s.telemetry.capture_content = on),
    },
    Key {
        name: "telemetry.retention_days",
        kind: Kind::Count { min: 1, max: 3650 },
        summary: "Days stored traces are kept",
        get: |s| s.telemetry.retention_days.to_string(),
        set: |s, v| v.parse().ok().map(|days| s.telemetry.retention_days = days),
    },
    Key {
        name: "telemetry.max_megabytes",
        kind: Kind::Count { min: 1, max: 1_000_000 },
        summary: "The most stored traces may take on disk, in MiB (the oldest are deleted first)",
        get: |s| s.telemetry.max_megabytes.to_string(),
        set: |s, v| v.parse().ok().map(|megabytes| s.telemetry.max_megabytes = megabytes),
    },
    Key {
        name: "telemetry.otlp_endpoint",
        kind: Kind::Url,
        summary: "The OTLP receiver traces are also sent to (http://localhost:4318 for HTTP, :4317 for gRPC); empty for none",
        get: |s| s.telemetry.otlp_endpoint.clone(),
        set: |s, v| url(v).map(|url| s.telemetry.otlp_endpoint = url),
    },
    Key {
        name: "telemetry.otlp_protocol",
        kind: Kind::Choice(&["http/protobuf", "grpc"]),
        summary: "How traces are sent to the OTLP receiver",
        get: |s| s.telemetry.otlp_protocol.clone(),
        set: |s, v| {
            let protocol = v.trim();
            ["http/protobuf", "grpc"]
                .contains(&protocol)
                .then(|| s.telemetry.otlp_protocol = protocol.to_owned())
        },
    },
    Key {
        name: "sandbox.idle_minutes",
        kind: Kind::Count { min: 1, max: 480 },
        summary: "Minutes a sandbox session may go unused before it ends and frees its memory",
        get: |s| s.sandbox.idle_minutes.to_string(),
        set: |s, v| v.parse().ok().map(|minutes| s.sandbox.idle_minutes = minutes),
    },
    Key {
        name: "sandbox.index_url",
        kind: Kind::Url,
        summary: "The PyPI simple index Python runtimes are installed from; empty for pypi.org",
        get: |s| s.sandbox.index_url.clone(),
        set: |s, v| url(v).map(|url| s.sandbox.index_url = url),
    },
    Key {
        name: "estimate.region",
        kind: Kind::Region,
        summary: "The AWS region priced when a description names none (e.g. ap-northeast-1)",
        get: |s| s.estimate.region.clone(),
        set: |s, v| {
            let region = if v.is_empty() { "us-east-1" } else { v };
            is_region_code(region).then(|| s.estimate.region = region.to_owned())
        },
    },
    Key {
        name: "serve.listen",
        kind: Kind::Address,
        summary: "Where `agentdesk serve` listens (HOST:PORT); empty for 127.0.0.1:8080, or 0.0.0.0:8080 in a container",
        get: |s| s.serve.listen.clone(),
        set: |s, v| crate::serve::is_listen_address(v).then(|| s.serve.listen = v.to_owned()),
    },
    Key {
        name: "serve.allow_unauthenticated",
        kind: Kind::Switch,
        summary: "Let `agentdesk serve` take callers without a token beyond this machine when [serve.authorizer] is not set",
        get: |s| s.serve.allow_unauthenticated.to_string(),
        set: |s, v| v.parse().ok().map(|allowed| s.serve.allow_unauthenticated = allowed),
    },
    Key {
        name: "serve.request_timeout_seconds",
        kind: Kind::Count { min: 1, max: 3600 },
        summary: "Seconds one `agentdesk serve` invocation may run before it is cancelled",
        get: |s| s.serve.request_timeout_seconds.to_string(),
        set: |s, v| v.parse().ok().map(|seconds| s.serve.request_timeout_seconds = seconds),
    },
];

/// An AWS region code: `us-east-1`, `ap-northeast-1`, `eu-central-2`…
pub(crate) fn is_region_code(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && !parts[1].is_empty()
        && parts[1].chars().all(|c| c.is_ascii_lowercase())
        && parts[2].parse::<u8>().is_ok()
}

/// Text without line breaks (a config value is one line).
fn one_line(text: &str) -> Option<String> {
    (!text.contains(['\n', '\r'])).then(|| text.to_owned())
}

/// `text` when it is empty or an `http://` or `https://` URL on one line.
fn url(text: &str) -> Option<String> {
    let url = one_line(text)?;
    (url.is_empty() || url.starts_with("http://") || url.starts_with("https://")).then_some(url)
}

/// Finds a key by its dotted name.
pub fn find(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.name == name)
}

fn folder_text(folder: Option<&PathBuf>) -> String {
    folder.map(|path| path.display().to_string()).unwrap_or_default()
}

fn parse_folder(text: &str) -> Option<PathBuf> {
    (!text.is_empty()).then(|| PathBuf::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_round_trips_its_default() {
        let defaults = Settings::default();
        for key in KEYS {
            let mut settings = Settings::default();
            key.set(&mut settings, &key.get(&defaults)).expect(key.name);
            assert_eq!(settings, defaults, "{}", key.name);
        }
    }

    #[test]
    fn env_var_names_follow_the_dotted_name() {
        assert_eq!(find("ui.theme").map(Key::env_var).as_deref(), Some("AGENTDESK_UI_THEME"));
        assert_eq!(find("data_dir").map(Key::env_var).as_deref(), Some("AGENTDESK_DATA_DIR"));
    }

    #[test]
    fn regions_must_look_like_region_codes() {
        let key = find("estimate.region").expect("key");
        let mut settings = Settings::default();
        assert!(key.set(&mut settings, "Tokyo").is_err());
        assert!(key.set(&mut settings, "ap-northeast-1").is_ok());
        assert_eq!(settings.estimate.region, "ap-northeast-1");
    }

    #[test]
    fn out_of_range_counts_are_refused_with_the_range() {
        let key = find("log.max_files").expect("key");
        let mut settings = Settings::default();
        assert_eq!(key.set(&mut settings, "0"), Err("a whole number from 1 to 365".to_owned()));
        assert!(key.set(&mut settings, "many").is_err());
        assert_eq!(key.set(&mut settings, "30"), Ok(()));
        assert_eq!(settings.log.max_files, 30);
    }

    #[test]
    fn url_keys_refuse_a_bare_host_and_say_a_url_is_expected() {
        for name in ["model.base_url", "telemetry.otlp_endpoint", "sandbox.index_url"] {
            let key = find(name).expect("key");
            let mut settings = Settings::default();
            let refused = key.set(&mut settings, "localhost:4318").expect_err(name);
            assert!(refused.starts_with("an http:// or https:// URL"), "{name}: {refused}");
            assert_eq!(key.set(&mut settings, "http://localhost:4318"), Ok(()), "{name}");
            assert_eq!(key.get(&settings), "http://localhost:4318", "{name}");
        }
    }
}
