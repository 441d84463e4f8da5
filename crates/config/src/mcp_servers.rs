//! MCP servers in the config file: `[mcp_servers.NAME]` tables with the fields of the
//! `mcpServers` JSON that Claude Desktop, Cursor and LM Studio use (`command`, `args`, `env`,
//! `url`, `headers`), plus AgentDesk's own (`auth`, `timeout_seconds`, `enabled`, and which
//! headers and variables are secrets kept in the keyring instead of here).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::providers::{is_provider_name, is_secure_url};

/// Seconds a call may go without an answer or a progress notification, unless configured.
pub const DEFAULT_MCP_TIMEOUT_SECONDS: u64 = 60;

/// One MCP server: a command to start (stdio) or a streamable HTTP URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(export_to = "Settings.ts")]
pub struct McpServerSettings {
    /// The program to start, speaking MCP on stdin/stdout.
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Environment variables for it (not secrets: those are named in `secret_env`).
    pub env: BTreeMap<String, String>,
    /// Environment variables whose values are in the keyring (`mcp.NAME.env.VAR`).
    pub secret_env: Vec<String>,
    /// The folder it runs in; empty for the current one.
    pub cwd: String,
    /// The server's streamable HTTP endpoint, instead of a command.
    pub url: String,
    /// HTTP headers sent with every request (not secrets: those are in `secret_headers`).
    pub headers: BTreeMap<String, String>,
    /// Headers whose values are in the keyring (`mcp.NAME.header.HEADER`).
    pub secret_headers: Vec<String>,
    /// The credential provider (`[providers.NAME]`) whose token is the bearer; empty to
    /// follow the MCP authorization spec when the server asks for a sign-in.
    pub auth: String,
    /// For that spec sign-in: a client id the server's authorization server registered for
    /// AgentDesk, or the `https://` URL of a client ID metadata document. Empty to register
    /// a client dynamically (RFC 7591).
    pub oauth_client_id: String,
    /// Seconds a call may go without an answer or progress (0 for the default, 60).
    pub timeout_seconds: u64,
    /// Whether its tools are offered to agents.
    pub enabled: bool,
}

impl Default for McpServerSettings {
    fn default() -> Self {
        McpServerSettings {
            command: String::new(),
            args: Vec::new(),
            env: BTreeMap::new(),
            secret_env: Vec::new(),
            cwd: String::new(),
            url: String::new(),
            headers: BTreeMap::new(),
            secret_headers: Vec::new(),
            auth: String::new(),
            oauth_client_id: String::new(),
            timeout_seconds: 0,
            enabled: true,
        }
    }
}

impl McpServerSettings {
    /// What is wrong with it, as messages naming the field; empty when it is usable.
    pub fn problems(&self, name: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_provider_name(name) {
            problems.push(format!(
                "mcp_servers.{name}: a server's name uses letters, digits, '-' and '_'"
            ));
        }
        match (self.command.trim().is_empty(), self.url.trim().is_empty()) {
            (true, true) | (false, false) => problems.push(format!(
                "mcp_servers.{name}: give either command (a server to start) or url (a server to reach)"
            )),
            (false, true) => {
                if !self.auth.is_empty()
                    || !self.oauth_client_id.is_empty()
                    || !self.headers.is_empty()
                    || !self.secret_headers.is_empty()
                {
                    problems.push(format!(
                        "mcp_servers.{name}: auth and headers are for url servers; a started server gets env"
                    ));
                }
            }
            (true, false) => {
                if !self.url.starts_with("http://") && !self.url.starts_with("https://") {
                    problems.push(format!(
                        "mcp_servers.{name}.url: {:?} must start with http:// or https://",
                        self.url
                    ));
                } else if (!self.auth.is_empty() || !self.secret_headers.is_empty())
                    && !is_secure_url(&self.url)
                {
                    problems.push(format!(
                        "mcp_servers.{name}.url: credentials are sent only over https:// (http:// only on 127.0.0.1 or localhost)"
                    ));
                }
            }
        }
        if !self.auth.is_empty() && !is_provider_name(&self.auth) {
            problems
                .push(format!("mcp_servers.{name}.auth: {:?} is not a provider name", self.auth));
        }
        if !self.auth.is_empty() && !self.oauth_client_id.is_empty() {
            problems.push(format!(
                "mcp_servers.{name}: oauth_client_id is for the spec sign-in; with auth = {:?} the provider's own client id is used, so remove one of them",
                self.auth
            ));
        }
        if self.timeout_seconds > 3600 {
            problems.push(format!("mcp_servers.{name}.timeout_seconds: at most 3600"));
        }
        problems
    }

    /// Whether it is started as a child process (stdio) rather than reached over HTTP.
    pub fn is_stdio(&self) -> bool {
        !self.command.trim().is_empty()
    }

    /// The keyring entry holding the secret header `header`.
    pub fn header_entry(server: &str, header: &str) -> String {
        format!("mcp.{server}.header.{}", header.to_ascii_lowercase())
    }

    /// Every keyring entry of its secret headers and variables (removing the server deletes
    /// them).
    pub fn secret_entries(&self, server: &str) -> Vec<String> {
        let headers = self.secret_headers.iter().map(|header| Self::header_entry(server, header));
        let variables = self.secret_env.iter().map(|variable| Self::env_entry(server, variable));
        headers.chain(variables).collect()
    }

    /// The keyring entry holding the client registered for the spec sign-in.
    pub fn oauth_client_entry(server: &str) -> String {
        format!("mcp.{server}.oauth-client")
    }

    /// The keyring entry holding the secret environment variable `variable`.
    pub fn env_entry(server: &str, variable: &str) -> String {
        format!("mcp.{server}.env.{variable}")
    }
}

#[cfg(test)]
mod tests {
    use super::McpServerSettings;
    use crate::ConfigFile;

    #[test]
    fn servers_are_read_saved_and_removed_and_mistakes_are_named() {
        let folder = tempfile::tempdir().expect("temp");
        let path = folder.path().join("config.toml");
        std::fs::write(
            &path,
            "# mine\n[mcp_servers.everything]\ncommand = \"npx\"\nargs = [\"-y\", \"@modelcontextprotocol/server-everything\"]\n\n[mcp_servers.both]\ncommand = \"x\"\nurl = \"https://x.example/mcp\"\n\n[mcp_servers.plain]\nurl = \"http://tools.example/mcp\"\nauth = \"corp\"\n",
        )
        .expect("write");
        let file = ConfigFile::new(path.clone());
        let (settings, problems) = file.read();
        assert_eq!(settings.mcp_servers["everything"].args[0], "-y");
        assert!(settings.mcp_servers["everything"].enabled, "servers are on unless switched off");
        assert_eq!(settings.mcp_servers.len(), 1, "the broken ones are left out");
        let keys: Vec<_> = problems.iter().filter_map(|problem| problem.key.clone()).collect();
        assert_eq!(keys, ["mcp_servers.both", "mcp_servers.plain"], "{problems:?}");
        assert!(problems[0].message.contains("either command"), "{problems:?}");
        assert!(problems[1].message.contains("only over https://"), "{problems:?}");

        let gateway = McpServerSettings {
            url: "https://gw.example/mcp".into(),
            auth: "cognito".into(),
            secret_headers: vec!["X-Api-Key".into()],
            ..McpServerSettings::default()
        };
        file.save_mcp_server("gateway", &gateway).expect("save");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with("# mine\n") && text.contains("[mcp_servers.gateway]"), "{text}");
        assert!(!text.contains("enabled"), "defaults are left out: {text}");
        assert_eq!(file.read().0.mcp_servers["gateway"], gateway);
        assert!(file.remove_mcp_server("gateway").expect("remove"));
        assert!(!file.read().0.mcp_servers.contains_key("gateway"));
        let off = McpServerSettings { enabled: false, ..gateway };
        file.save_mcp_server("off", &off).expect("save");
        assert!(!file.read().0.mcp_servers["off"].enabled);
    }
}
