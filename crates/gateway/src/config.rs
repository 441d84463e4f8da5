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
//! ```

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

use crate::authorizer::{JwtAuthorizer, JwtSettings};
use crate::runtime::RuntimeTool;
use crate::server::Gateway;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// The address to listen on (default 127.0.0.1:8787).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The URL clients reach the gateway at, for the protected-resource metadata
    /// (default `http://{listen}`).
    #[serde(default)]
    pub public_url: Option<String>,
    /// Seconds a tool call may take before the caller gets an error (default 55, as AWS's).
    #[serde(default = "default_timeout")]
    pub call_timeout_seconds: u64,
    /// Whether to offer the built-in search tool.
    #[serde(default)]
    pub search: bool,
    /// Who may call.
    pub authorizer: AuthorizerConfig,
    /// What is behind the gateway.
    #[serde(default)]
    pub targets: Vec<TargetConfig>,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8787))
}

fn default_timeout() -> u64 {
    55
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
            && !agentdesk_identity::is_secure_url(&settings.discovery_url)
        {
            return Err(format!(
                "authorizer.discovery_url {:?} must be https:// (http:// only on 127.0.0.1 or localhost)",
                settings.discovery_url
            ));
        }
        let mut names = HashSet::new();
        for target in &self.targets {
            let TargetConfig::Runtime { name, url, tools } = target;
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(format!(
                    "target name {name:?}: use letters, digits and '-' (it prefixes its tools)"
                ));
            }
            if !url.starts_with("http://") && !url.starts_with("https://") {
                return Err(format!("target {name}: url {url:?} must be http:// or https://"));
            }
            for tool in tools {
                let full = format!("{name}___{}", tool.name);
                if !names.insert(full.clone()) {
                    return Err(format!("the tool {full} is listed twice"));
                }
                if tool.input_schema.get("type").and_then(|kind| kind.as_str()) != Some("object") {
                    return Err(format!(
                        "{full}: input_schema must be a JSON Schema with type = \"object\""
                    ));
                }
            }
        }
        Ok(())
    }

    /// The gateway and its authorizer (`None` when the config says `type = "none"`).
    pub fn build(&self) -> Result<(Gateway, Option<JwtAuthorizer>), String> {
        let mut gateway = Gateway::new(Duration::from_secs(self.call_timeout_seconds), self.search);
        for target in &self.targets {
            let TargetConfig::Runtime { name, url, tools } = target;
            gateway = gateway.with_runtime(name, url, tools.clone());
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

    /// Serves on `listener` until `shutdown` completes, then finishes the calls in flight.
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
        let app = crate::server::router(
            gateway,
            authorizer,
            &self.public_url(),
            &self.authorization_server(),
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|error| format!("the gateway stopped: {error}"))
    }

    /// Where clients reach the gateway.
    pub fn public_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen))
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
}
