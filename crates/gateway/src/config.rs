//! `gateway.toml`: where the gateway listens, who may call it, and its targets.
//!
//! ```toml
//! listen = "127.0.0.1:8787"
//! call_timeout_seconds = 55
//! search = true
//!
//! [authorizer]            # or: type = "none", for local development only
//! type = "jwt"
//! discovery_url = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC/.well-known/openid-configuration"
//! allowed_clients = ["4abc…"]
//!
//! [[targets]]
//! name = "cost"
//! type = "runtime"
//! url = "http://127.0.0.1:8080"
//! [[targets.tools]]
//! name = "aws_cost_estimation"
//! description = "Estimate AWS costs for a given architecture description"
//! prompt_argument = "architecture_description"
//! input_schema = { type = "object", required = ["architecture_description"], properties = { architecture_description = { type = "string" } } }
//!
//! [[targets]]             # an MCP server started as a child process (stdio)
//! name = "everything"
//! type = "mcp"
//! command = "npx"
//! args = ["-y", "@modelcontextprotocol/server-everything"]
//!
//! [[targets]]             # an MCP server over streamable HTTP, with its own bearer token
//! name = "pricing"
//! type = "mcp"
//! url = "https://tools.example.com/mcp"
//! auth = "tools-idp"      # a [providers.NAME] table below; its secret is in the OS keyring
//!
//! [providers.tools-idp]
//! issuer = "https://idp.example.com"
//! client_id = "gateway"
//! flow = "client-credentials"
//! ```

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use agentdesk_identity::{
    Identity, KeyringBackend, ProviderSettings, SystemBrowser, Vault, is_secure_url,
};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::runtime::RuntimeTool;
use crate::server::{Endpoint, Gateway};
use crate::upstream::{Upstream, UpstreamSource};
use agentdesk_identity::{JwtAuthorizer, JwtSettings};

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// The address to listen on (default 127.0.0.1:8787).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The URL clients reach the gateway at, for the protected-resource metadata
    /// (default `http://` and the address it listens on).
    #[serde(default)]
    pub public_url: Option<String>,
    /// Seconds a tool call may take before the caller gets an error (default 55, as AWS's).
    #[serde(default = "default_timeout")]
    pub call_timeout_seconds: u64,
    /// Seconds a session may stay idle before it is closed (default 600).
    #[serde(default = "default_session_idle")]
    pub session_idle_seconds: u64,
    /// Whether to offer the built-in search tool.
    #[serde(default)]
    pub search: bool,
    /// Who may call.
    pub authorizer: AuthorizerConfig,
    /// What is behind the gateway.
    #[serde(default)]
    pub targets: Vec<TargetConfig>,
    /// Identity providers that upstream servers' tokens come from (`[providers.NAME]`, as in
    /// AgentDesk's config.toml; secrets in the OS keyring).
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderSettings>,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8787))
}

fn default_timeout() -> u64 {
    55
}

fn default_session_idle() -> u64 {
    600
}

/// `[authorizer]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AuthorizerConfig {
    /// A bearer JWT from the issuer behind `discovery_url`.
    Jwt(JwtSettings),
    /// Anyone: for local development only, and said so loudly at start.
    None,
}

/// `[[targets]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TargetConfig {
    /// An agent runtime (AgentCore Runtime's contract) answering the listed tools.
    Runtime {
        /// The target's name: the prefix of its tools.
        name: String,
        /// Where the runtime listens.
        url: String,
        /// The tools it answers.
        tools: Vec<RuntimeTool>,
    },
    /// An MCP server: a command to start (stdio) or a streamable HTTP URL.
    Mcp {
        /// The target's name: the prefix of its tools.
        name: String,
        /// The program to start, speaking MCP on stdin/stdout.
        #[serde(default)]
        command: Option<String>,
        /// Its arguments.
        #[serde(default)]
        args: Vec<String>,
        /// Extra environment variables for it.
        #[serde(default)]
        env: BTreeMap<String, String>,
        /// The folder it runs in.
        #[serde(default)]
        cwd: Option<PathBuf>,
        /// The server's streamable HTTP endpoint, instead of a command.
        #[serde(default)]
        url: Option<String>,
        /// The provider (in `[providers]`) whose token the server wants, for `url`.
        #[serde(default)]
        auth: Option<String>,
    },
}

impl TargetConfig {
    fn name(&self) -> &str {
        match self {
            TargetConfig::Runtime { name, .. } | TargetConfig::Mcp { name, .. } => name,
        }
    }
}

fn check_http_url(target: &str, url: &str) -> Result<(), String> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(format!("target {target}: url {url:?} must be http:// or https://"))
    }
}

impl GatewayConfig {
    /// Reads and checks a config file's text; errors say what to fix.
    pub fn parse(text: &str) -> Result<GatewayConfig, String> {
        let config: GatewayConfig =
            toml_edit::de::from_str(text).map_err(|error| error.to_string())?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        if !(1..=900).contains(&self.call_timeout_seconds) {
            return Err("call_timeout_seconds must be from 1 to 900".into());
        }
        if let AuthorizerConfig::Jwt(settings) = &self.authorizer
            && !is_secure_url(&settings.discovery_url)
        {
            return Err(format!(
                "authorizer.discovery_url {:?} must be https:// (http:// only on 127.0.0.1 or localhost)",
                settings.discovery_url
            ));
        }
        if self.session_idle_seconds == 0 {
            return Err("session_idle_seconds must be at least 1".into());
        }
        for (name, provider) in &self.providers {
            if let Some(problem) = provider.problems(name).into_iter().next() {
                return Err(problem);
            }
        }
        let mut targets = HashSet::new();
        let mut tools = HashSet::new();
        for target in &self.targets {
            let name = target.name();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(format!(
                    "target name {name:?}: use letters, digits and '-' (it prefixes its tools)"
                ));
            }
            if !targets.insert(name) {
                return Err(format!("two targets are named {name:?}"));
            }
            match target {
                TargetConfig::Runtime { url, tools: runtime_tools, .. } => {
                    check_http_url(name, url)?;
                    for tool in runtime_tools {
                        let full = format!("{name}___{}", tool.name);
                        if !tools.insert(full.clone()) {
                            return Err(format!("the tool {full} is listed twice"));
                        }
                        if tool.input_schema.get("type").and_then(|kind| kind.as_str())
                            != Some("object")
                        {
                            return Err(format!(
                                "{full}: input_schema must be a JSON Schema with type = \"object\""
                            ));
                        }
                    }
                }
                TargetConfig::Mcp { command, url, auth, .. } => match (command, url) {
                    (Some(_), Some(_)) | (None, None) => {
                        return Err(format!(
                            "target {name}: give either command (a server to start) or url (a server to reach)"
                        ));
                    }
                    (Some(command), None) => {
                        if command.trim().is_empty() {
                            return Err(format!("target {name}: command is empty"));
                        }
                        if auth.is_some() {
                            return Err(format!(
                                "target {name}: auth is for url targets; pass a started server's secrets in env"
                            ));
                        }
                    }
                    (None, Some(url)) => {
                        check_http_url(name, url)?;
                        if let Some(provider) = auth {
                            if !self.providers.contains_key(provider) {
                                return Err(format!(
                                    "target {name}: auth = {provider:?} names no [providers.{provider}] table"
                                ));
                            }
                            if !is_secure_url(url) {
                                return Err(format!(
                                    "target {name}: a token is sent only over https:// (http:// only on 127.0.0.1 or localhost), not to {url:?}"
                                ));
                            }
                        }
                    }
                },
            }
        }
        Ok(())
    }

    /// The gateway and its authorizer (`None` when the config says `type = "none"`).
    pub fn build(&self) -> Result<(Gateway, Option<JwtAuthorizer>), String> {
        let mut gateway = Gateway::new(Duration::from_secs(self.call_timeout_seconds), self.search);
        let wants_tokens = self
            .targets
            .iter()
            .any(|target| matches!(target, TargetConfig::Mcp { auth: Some(_), .. }));
        let identity = wants_tokens.then(|| {
            Arc::new(Identity::new(
                self.providers.clone(),
                Vault::open(KeyringBackend::Os),
                Arc::new(SystemBrowser),
            ))
        });
        for target in &self.targets {
            gateway = match target {
                TargetConfig::Runtime { name, url, tools } => {
                    gateway.with_runtime(name, url, tools.clone())
                }
                TargetConfig::Mcp { name, command, args, env, cwd, url, auth } => {
                    let source = match (command, url) {
                        (Some(command), _) => UpstreamSource::Stdio {
                            command: command.clone(),
                            args: args.clone(),
                            env: env.clone().into_iter().collect(),
                            cwd: cwd.clone(),
                        },
                        (None, Some(url)) => {
                            UpstreamSource::Http { url: url.clone(), auth: auth.clone() }
                        }
                        (None, None) => return Err(format!("target {name}: no command or url")),
                    };
                    gateway.with_upstream(Upstream::new(name, source, identity.clone()))
                }
            };
        }
        let authorizer = match &self.authorizer {
            AuthorizerConfig::Jwt(settings) => Some(JwtAuthorizer::new(settings.clone())?),
            AuthorizerConfig::None => None,
        };
        Ok((gateway, authorizer))
    }

    /// The issuer clients should sign in with (from the discovery URL), for the metadata.
    pub fn authorization_server(&self) -> String {
        match &self.authorizer {
            AuthorizerConfig::Jwt(settings) => settings
                .discovery_url
                .trim_end_matches("/.well-known/openid-configuration")
                .to_owned(),
            AuthorizerConfig::None => String::new(),
        }
    }

    /// Serves on `listener` until `shutdown` completes, then closes open sessions and
    /// finishes the calls in flight.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        let (gateway, authorizer) = self.build()?;
        if authorizer.is_none() {
            tracing::warn!(
                "the gateway accepts every caller: [authorizer] type = \"none\" is for local development only"
            );
        }
        gateway.warm_up().await;
        let stop = CancellationToken::new();
        let bound = listener.local_addr().map_err(|error| format!("no local address: {error}"))?;
        let endpoint = Endpoint::new(&self.public_url(bound), &self.authorization_server())
            .with_session_idle(Duration::from_secs(self.session_idle_seconds))
            .with_shutdown(stop.clone());
        let app = crate::server::router(gateway, authorizer, &endpoint);
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                // Event streams stay open until their sessions end: end them, or shutting
                // down would wait for every idle client.
                stop.cancel();
            })
            .await
            .map_err(|error| format!("the gateway stopped: {error}"))
    }

    /// Where clients reach the gateway: `public_url`, or the address it is `bound` to (which
    /// differs from `listen` when that asks for any free port).
    pub fn public_url(&self, bound: SocketAddr) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{bound}"))
    }
}

#[cfg(test)]
mod tests {
    use super::GatewayConfig;

    const EXAMPLE: &str = r#"
listen = "127.0.0.1:0"
search = true
[authorizer]
type = "jwt"
discovery_url = "https://idp.example/.well-known/openid-configuration"
allowed_clients = ["m2m"]
[[targets]]
name = "cost"
type = "runtime"
url = "http://127.0.0.1:8080"
[[targets.tools]]
name = "aws_cost_estimation"
description = "Estimate AWS costs for a given architecture description"
prompt_argument = "architecture_description"
input_schema = { type = "object", required = ["architecture_description"], properties = { architecture_description = { type = "string" } } }
"#;

    #[test]
    fn the_example_reads_and_mistakes_are_named() {
        let config = GatewayConfig::parse(EXAMPLE).expect("valid");
        assert_eq!(config.call_timeout_seconds, 55);
        assert_eq!(config.authorization_server(), "https://idp.example");
        assert!(config.build().is_ok());
        let typo = GatewayConfig::parse(&EXAMPLE.replace("allowed_clients", "allowed_client"));
        assert!(typo.is_err_and(|error| error.contains("allowed_client")));
        let bad_name =
            GatewayConfig::parse(&EXAMPLE.replace("name = \"cost\"", "name = \"co st\""));
        assert!(bad_name.is_err_and(|error| error.contains("co st")));
        let http_idp = GatewayConfig::parse(&EXAMPLE.replace("https://idp", "http://idp"));
        assert!(http_idp.is_err_and(|error| error.contains("must be https://")));
        let open = GatewayConfig::parse("[authorizer]\ntype = \"none\"\n").expect("none");
        assert!(open.build().is_ok_and(|(_, authorizer)| authorizer.is_none()));
    }

    #[test]
    fn mcp_targets_need_one_way_in_and_tokens_only_go_where_they_are_safe() {
        let with = |target: &str| {
            GatewayConfig::parse(&format!(
                "[authorizer]\ntype = \"none\"\n[[targets]]\nname = \"up\"\ntype = \"mcp\"\n{target}\n\
                 [providers.idp]\nissuer = \"https://idp.example\"\nclient_id = \"gw\"\nflow = \"client-credentials\"\n"
            ))
        };
        assert!(with("command = \"npx\"\nargs = [\"server\"]").is_ok());
        assert!(with("url = \"https://tools.example/mcp\"\nauth = \"idp\"").is_ok());
        let both = with("command = \"npx\"\nurl = \"https://tools.example/mcp\"");
        assert!(both.is_err_and(|error| error.contains("either command")));
        let neither = with("args = [\"x\"]");
        assert!(neither.is_err_and(|error| error.contains("either command")));
        let unknown = with("url = \"https://tools.example/mcp\"\nauth = \"other\"");
        assert!(unknown.is_err_and(|error| error.contains("[providers.other]")));
        let plain = with("url = \"http://tools.example/mcp\"\nauth = \"idp\"");
        assert!(plain.is_err_and(|error| error.contains("only over https://")));
        let stdio_auth = with("command = \"npx\"\nauth = \"idp\"");
        assert!(stdio_auth.is_err_and(|error| error.contains("auth is for url targets")));
    }
}
