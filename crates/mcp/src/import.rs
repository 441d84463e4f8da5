//! Servers from another client's `mcpServers` JSON (Claude Desktop, Cursor, LM Studio).
//!
//! Their files keep API keys in `env` and bearer tokens in `headers`; AgentDesk never writes
//! a secret to its config file, so values that look secret move to the keyring and the
//! server's settings only name them (`secret_env`, `secret_headers`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use agentdesk_config::McpServerSettings;
use serde::Deserialize;
use serde_json::Value;

use crate::McpError;

/// One imported server: its settings and the secrets to put in the keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The server's name in the file.
    pub name: String,
    /// Its settings, without secret values.
    pub settings: McpServerSettings,
    /// Keyring entries and their values.
    pub secrets: Vec<(String, String)>,
    /// What could not be carried over, for the user.
    pub notes: Vec<String>,
    /// Whether it can be saved: it was read, and its settings have no problem.
    pub usable: bool,
}

#[derive(Deserialize)]
struct ClientFile {
    #[serde(rename = "mcpServers", default)]
    mcp_servers: BTreeMap<String, Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entry {
    command: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    cwd: String,
    url: String,
    #[serde(rename = "serverUrl")]
    server_url: String,
    headers: BTreeMap<String, String>,
    #[serde(rename = "type")]
    kind: String,
    disabled: bool,
}

/// Where Claude Desktop keeps its config on this platform.
pub fn claude_config_path() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if cfg!(target_os = "macos") {
        home.map(|home| home.join("Library/Application Support/Claude/claude_desktop_config.json"))
    } else if cfg!(windows) {
        std::env::var_os("APPDATA")
            .map(|app_data| PathBuf::from(app_data).join("Claude/claude_desktop_config.json"))
    } else {
        std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| home.map(|home| home.join(".config")))
            .map(|config| config.join("Claude/claude_desktop_config.json"))
    }
}

/// Whether a header or variable named `name` most likely holds a secret.
fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["auth", "token", "key", "secret", "password", "credential", "cookie"]
        .iter()
        .any(|word| name.contains(word))
}

/// The servers in an `mcpServers` JSON text; a server that cannot be used is left out with
/// a note saying why.
pub fn read_client_config(text: &str) -> Result<Vec<Imported>, McpError> {
    let file: ClientFile = serde_json::from_str(text).map_err(|error| McpError::Import {
        message: format!("not an mcpServers JSON file: {error}"),
    })?;
    let mut imported = Vec::new();
    for (name, value) in file.mcp_servers {
        let mut notes = Vec::new();
        let entry: Entry = match serde_json::from_value(value) {
            Ok(entry) => entry,
            Err(error) => {
                imported.push(Imported {
                    name: name.clone(),
                    settings: McpServerSettings::default(),
                    secrets: Vec::new(),
                    notes: vec![format!("{name}: skipped, {error}")],
                    usable: false,
                });
                continue;
            }
        };
        if entry.kind == "sse" {
            notes.push(format!(
                "{name}: uses the deprecated HTTP+SSE transport, which AgentDesk does not speak; \
                 ask its maintainers for a streamable HTTP endpoint"
            ));
        }
        let mut settings = McpServerSettings {
            command: entry.command,
            args: entry.args,
            cwd: entry.cwd,
            url: if entry.url.is_empty() { entry.server_url } else { entry.url },
            enabled: !entry.disabled,
            ..McpServerSettings::default()
        };
        let mut secrets = Vec::new();
        for (variable, value) in entry.env {
            if looks_secret(&variable) {
                secrets.push((McpServerSettings::env_entry(&name, &variable), value));
                settings.secret_env.push(variable);
            } else {
                settings.env.insert(variable, value);
            }
        }
        for (header, value) in entry.headers {
            if looks_secret(&header) {
                secrets.push((McpServerSettings::header_entry(&name, &header), value));
                settings.secret_headers.push(header);
            } else {
                settings.headers.insert(header, value);
            }
        }
        let problems = settings.problems(&name);
        let usable = problems.is_empty();
        notes.extend(problems);
        imported.push(Imported { name, settings, secrets, notes, usable });
    }
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::read_client_config;

    #[test]
    fn secrets_move_out_and_everything_else_is_kept() {
        let text = r#"{"mcpServers": {
            "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                       "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_x", "LOG_LEVEL": "info"}},
            "remote": {"url": "https://tools.example/mcp",
                       "headers": {"Authorization": "Bearer abc", "X-Team": "blue"}},
            "old": {"type": "sse", "url": "https://old.example/sse"},
            "broken": {"args": 3}
        }}"#;
        let imported = read_client_config(text).expect("read");
        let github = imported.iter().find(|server| server.name == "github").expect("github");
        assert_eq!(github.settings.command, "npx");
        assert_eq!(github.settings.env.get("LOG_LEVEL").map(String::as_str), Some("info"));
        assert_eq!(github.settings.secret_env, ["GITHUB_PERSONAL_ACCESS_TOKEN"]);
        assert_eq!(
            github.secrets,
            [("mcp.github.env.GITHUB_PERSONAL_ACCESS_TOKEN".to_owned(), "ghp_x".to_owned())]
        );
        assert!(github.notes.is_empty() && github.usable, "{:?}", github.notes);
        let remote = imported.iter().find(|server| server.name == "remote").expect("remote");
        assert_eq!(remote.settings.secret_headers, ["Authorization"]);
        assert_eq!(remote.settings.headers.get("X-Team").map(String::as_str), Some("blue"));
        assert!(!format!("{:?}", remote.settings).contains("Bearer abc"));
        let old = imported.iter().find(|server| server.name == "old").expect("old");
        assert!(old.notes[0].contains("deprecated HTTP+SSE"), "{:?}", old.notes);
        let broken = imported.iter().find(|server| server.name == "broken").expect("broken");
        assert!(broken.notes[0].contains("skipped") && !broken.usable, "{:?}", broken.notes);
        assert!(read_client_config("[1, 2]").is_err());
    }
}
