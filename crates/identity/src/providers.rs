//! Named credential providers, as the config file's `[providers.NAME]` tables describe them:
//! where and how to sign in, or the name of an API key. Their secrets (client secrets, keys,
//! tokens) live in the keyring, never in the file.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a provider gives: OAuth tokens, or one API key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export_to = "Settings.ts")]
pub enum ProviderKind {
    /// OAuth 2.0 / OpenID Connect: tokens from an authorization server.
    #[default]
    #[serde(rename = "oauth")]
    OAuth,
    /// A named API key kept in the keyring (a model provider's, a tool's).
    #[serde(rename = "api-key")]
    ApiKey,
}

impl ProviderKind {
    /// The names accepted in the config file.
    pub const NAMES: &'static [&'static str] = &["oauth", "api-key"];

    /// Parses a config-file name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "oauth" => Some(Self::OAuth),
            "api-key" => Some(Self::ApiKey),
            _ => None,
        }
    }

    /// The name written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OAuth => "oauth",
            Self::ApiKey => "api-key",
        }
    }
}

/// How an OAuth provider signs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export_to = "Settings.ts")]
pub enum AuthFlow {
    /// Authorization code with PKCE in the system browser, redirected to 127.0.0.1.
    #[default]
    #[serde(rename = "code")]
    Code,
    /// The device flow (RFC 8628): a code to type on another device; for headless use.
    #[serde(rename = "device")]
    Device,
    /// Client credentials: the app itself, with a client secret (machine to machine).
    #[serde(rename = "client-credentials")]
    ClientCredentials,
}

impl AuthFlow {
    /// The names accepted in the config file and on the command line.
    pub const NAMES: &'static [&'static str] = &["code", "device", "client-credentials"];

    /// Parses a config-file name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "code" => Some(Self::Code),
            "device" => Some(Self::Device),
            "client-credentials" => Some(Self::ClientCredentials),
            _ => None,
        }
    }

    /// The name written in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Device => "device",
            Self::ClientCredentials => "client-credentials",
        }
    }
}

/// One credential provider, as `[providers.NAME]` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(export_to = "Settings.ts")]
pub struct ProviderSettings {
    /// OAuth tokens or an API key.
    pub kind: ProviderKind,
    /// The OpenID issuer; its `/.well-known/openid-configuration` (or OAuth's
    /// `/.well-known/oauth-authorization-server`) names the endpoints not given below.
    pub issuer: String,
    /// The authorization endpoint, when not discovered.
    pub authorization_endpoint: String,
    /// The token endpoint, when not discovered.
    pub token_endpoint: String,
    /// The device authorization endpoint (RFC 8628), when not discovered.
    pub device_authorization_endpoint: String,
    /// The revocation endpoint (RFC 7009), when not discovered.
    pub revocation_endpoint: String,
    /// The client id registered with the provider.
    pub client_id: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// The resource the tokens are for (RFC 8707), such as an MCP server's URL.
    pub resource: String,
    /// An `audience` parameter, for providers that want one instead of `resource`.
    pub audience: String,
    /// How to sign in.
    pub flow: AuthFlow,
}

impl ProviderSettings {
    /// What is wrong with it, as messages naming the field; empty when it is usable.
    pub fn problems(&self, name: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_provider_name(name) {
            problems.push(format!(
                "provider name {name:?}: use letters, digits, '-' and '_' (at most 64)"
            ));
        }
        if self.kind == ProviderKind::ApiKey {
            return problems;
        }
        if self.client_id.trim().is_empty() {
            problems.push(format!(
                "providers.{name}.client_id is empty: set the client id the provider registered"
            ));
        }
        let endpoints = [
            ("issuer", &self.issuer),
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
            ("device_authorization_endpoint", &self.device_authorization_endpoint),
            ("revocation_endpoint", &self.revocation_endpoint),
        ];
        for (field, url) in endpoints {
            if !url.is_empty() && !is_secure_url(url) {
                problems.push(format!(
                    "providers.{name}.{field} {url:?} must be https:// (http:// only on 127.0.0.1 or localhost)"
                ));
            }
        }
        if self.issuer.is_empty() && self.token_endpoint.is_empty() {
            problems.push(format!(
                "providers.{name} needs an issuer (for discovery) or a token_endpoint"
            ));
        }
        problems
    }
}

/// A provider name usable as a TOML key and a keyring entry.
pub fn is_provider_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `https://…`, or `http://` to this machine only (RFC 8252 loopback, local test servers).
pub fn is_secure_url(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(host, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) { host } else { "" }
    });
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::{AuthFlow, ProviderKind, ProviderSettings, is_secure_url};

    #[test]
    fn endpoints_must_be_https_except_on_this_machine() {
        assert!(is_secure_url("https://cognito-idp.us-east-1.amazonaws.com/pool"));
        assert!(is_secure_url("http://127.0.0.1:3000/token"));
        assert!(is_secure_url("http://localhost/token"));
        assert!(!is_secure_url("http://example.com/token"));
        assert!(!is_secure_url("http://127.0.0.1.evil.com/token"));
        assert!(!is_secure_url("ftp://127.0.0.1/"));
        let provider = ProviderSettings {
            issuer: "http://idp.example".into(),
            client_id: "app".into(),
            flow: AuthFlow::Code,
            ..ProviderSettings::default()
        };
        let problems = provider.problems("idp");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("providers.idp.issuer"), "{problems:?}");
        let key = ProviderSettings { kind: ProviderKind::ApiKey, ..ProviderSettings::default() };
        assert!(key.problems("openai").is_empty());
        assert!(!key.problems("bad name").is_empty());
    }
}
