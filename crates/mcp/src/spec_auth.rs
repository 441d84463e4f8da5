//! Signing in to an HTTP server with nothing configured but its URL, by the MCP authorization
//! spec: its 401 challenge → protected-resource metadata (RFC 9728) → the authorization
//! server's metadata (RFC 8414 / OpenID discovery) → a client id (the one configured for the
//! server, which may be a client ID metadata document's URL, else dynamic registration,
//! RFC 7591) → the browser sign-in with PKCE through `agentdesk-identity`.
//!
//! The registered client is kept in the keyring (`mcp.NAME.oauth-client`) and becomes the
//! identity provider `mcp.NAME` (a name no configured provider can have, since those never
//! hold a dot), so its tokens are kept, refreshed and reused after a restart like any other.

use std::time::Duration;

use agentdesk_config::McpServerSettings;
use agentdesk_identity::{
    AuthFlow, AuthorizationServer, Identity, ProviderSettings, Secret, TokenRequest, Vault,
    VaultError, is_secure_url,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::McpError;

/// What a server's protected-resource metadata says about signing in to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProtectedResource {
    /// The resource tokens are asked for (RFC 8707).
    pub(crate) resource: String,
    /// The first authorization server it names.
    pub(crate) authorization_server: String,
    /// The scopes to ask for: the challenge's, else the metadata's `scopes_supported`.
    pub(crate) scopes: Vec<String>,
}

/// The identity provider name of a server's spec sign-in.
pub(crate) fn provider_name(server: &str) -> String {
    format!("mcp.{server}")
}

/// One parameter of a `WWW-Authenticate: Bearer` challenge.
fn challenge_parameter<'a>(challenge: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let start = challenge
        .match_indices(&key)
        .find(|(at, _)| *at == 0 || challenge[..*at].ends_with([' ', ',']))?
        .0
        + key.len();
    let rest = &challenge[start..];
    Some(&rest[..rest.find('"')?])
}

/// Where the metadata is: the challenge's `resource_metadata`, else the well-known paths
/// (RFC 9728 §3.1) for the server's path and for its origin.
fn metadata_urls(challenge: &str, server_url: &str) -> Vec<String> {
    if let Some(url) = challenge_parameter(challenge, "resource_metadata") {
        return vec![url.to_owned()];
    }
    let after_scheme = server_url.find("://").map_or(0, |at| at + 3);
    let (origin, path) = match server_url[after_scheme..].find('/') {
        Some(slash) => server_url.split_at(after_scheme + slash),
        None => (server_url, ""),
    };
    let path = path.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
    let mut urls = vec![format!("{origin}/.well-known/oauth-protected-resource{path}")];
    if !path.is_empty() {
        urls.push(format!("{origin}/.well-known/oauth-protected-resource"));
    }
    urls
}

/// Reads the metadata a 401 `challenge` from `server_url` points to; `None` when there is
/// none to read (the server wants some other credential).
pub(crate) async fn protected_resource(
    challenge: &str,
    server_url: &str,
) -> Option<ProtectedResource> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .ok()?;
    for url in metadata_urls(challenge, server_url) {
        let Ok(response) = http.get(&url).send().await else { continue };
        if !response.status().is_success() {
            continue;
        }
        let Ok(metadata) = response.json::<Value>().await else { continue };
        let Some(authorization_server) = metadata["authorization_servers"][0].as_str() else {
            continue;
        };
        let scopes = match challenge_parameter(challenge, "scope") {
            Some(scopes) => scopes.split_whitespace().map(str::to_owned).collect(),
            None => metadata["scopes_supported"]
                .as_array()
                .map(|all| all.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
        };
        return Some(ProtectedResource {
            resource: metadata["resource"].as_str().unwrap_or(server_url).to_owned(),
            authorization_server: authorization_server.to_owned(),
            scopes,
        });
    }
    None
}

/// Whether `resource` names the server at `url` (RFC 9728 §3.3: metadata for another
/// resource must not be used).
pub(crate) fn names_server(resource: &str, url: &str) -> bool {
    resource.trim_end_matches('/') == url.trim_end_matches('/')
}

/// The client a server's spec sign-in uses, as kept in the keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeptClient {
    /// The authorization server's issuer.
    pub(crate) issuer: String,
    /// The client id it gave (or was given).
    pub(crate) client_id: String,
    /// The resource tokens are for.
    pub(crate) resource: String,
    /// The scopes asked for.
    pub(crate) scopes: Vec<String>,
}

impl KeptClient {
    /// The identity provider it amounts to.
    pub(crate) fn provider(&self) -> ProviderSettings {
        ProviderSettings {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            scopes: self.scopes.clone(),
            resource: self.resource.clone(),
            flow: AuthFlow::Code,
            ..ProviderSettings::default()
        }
    }

    /// The client kept for `server`, if any (an unreadable entry counts as none: signing in
    /// again replaces it).
    pub(crate) fn load(vault: &Vault, server: &str) -> Result<Option<KeptClient>, VaultError> {
        let entry = McpServerSettings::oauth_client_entry(server);
        Ok(vault.secret(&entry)?.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Keeps it for `server`.
    pub(crate) fn store(&self, vault: &Vault, server: &str) -> Result<(), VaultError> {
        let json = serde_json::to_string(self).unwrap_or_default();
        vault.set_secret(&McpServerSettings::oauth_client_entry(server), &json)
    }
}

/// The server being signed in to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// Its name.
    pub(crate) name: &'a str,
    /// Its settings (the URL, a configured client id).
    pub(crate) settings: &'a McpServerSettings,
}

/// Signs in to `target` by the spec with what its metadata `found` names: the authorization
/// server's metadata (which must offer PKCE), a client id (configured, else registered),
/// the client kept in `vault` and added to `identity` as provider `mcp.NAME`, then the
/// browser sign-in. Returns that provider's name and the token.
pub(crate) async fn sign_in(
    target: Target<'_>,
    identity: &Identity,
    vault: &Vault,
    found: ProtectedResource,
) -> Result<(String, Secret), McpError> {
    let Target { name, settings } = target;
    let refused = |message: String| McpError::Unauthorized { server: name.to_owned(), message };
    if !is_secure_url(&settings.url) {
        return Err(refused(format!(
            "tokens are sent only over https:// (http:// only on this machine), not to {}",
            settings.url
        )));
    }
    if !names_server(&found.resource, &settings.url) {
        return Err(refused(format!(
            "its metadata is for another resource ({}), so no token is asked for",
            found.resource
        )));
    }
    let server = AuthorizationServer::discover(&found.authorization_server)
        .await
        .map_err(|error| refused(error.to_string()))?;
    if !server.pkce_s256 {
        return Err(refused(format!(
            "{} does not offer PKCE (S256), which signing in requires",
            server.issuer
        )));
    }
    let mut scopes = found.scopes.clone();
    if server.scopes_supported.iter().any(|scope| scope == "offline_access")
        && !scopes.iter().any(|scope| scope == "offline_access")
    {
        // A refresh token keeps the sign-in alive past the access token, across restarts.
        scopes.push("offline_access".into());
    }
    let configured = settings.oauth_client_id.as_str();
    let (client_id, client_secret) = if configured.is_empty() {
        if server.registration_endpoint.is_none() {
            return Err(McpError::NeedsProvider {
                server: name.to_owned(),
                authorization_server: server.issuer,
                resource: found.resource,
            });
        }
        let registered =
            server.register(&scopes).await.map_err(|error| refused(error.to_string()))?;
        (registered.client_id, registered.client_secret)
    } else if configured.starts_with("https://") && !server.client_id_metadata_documents {
        return Err(refused(format!(
            "{} does not accept client ID metadata documents: set oauth_client_id to a client \
             id it registered for AgentDesk",
            server.issuer
        )));
    } else {
        (configured.to_owned(), None)
    };
    let kept = KeptClient { issuer: server.issuer, client_id, resource: found.resource, scopes };
    let keyring = |error: &dyn std::fmt::Display| McpError::Keyring {
        server: name.to_owned(),
        message: format!("cannot keep its sign-in in the keyring: {error}"),
    };
    kept.store(vault, name).map_err(|error| keyring(&format!("{error}. {}", error.fix())))?;
    let provider = provider_name(name);
    identity.add_provider(&provider, kept.provider());
    if let Some(secret) = client_secret {
        identity.store_secret(&provider, secret).await.map_err(|error| keyring(&error))?;
    }
    let request = TokenRequest { interactive: true, force: true, ..TokenRequest::default() };
    let token = identity
        .access_token(&provider, &request)
        .await
        .map_err(|error| refused(error.to_string()))?;
    Ok((provider, token))
}

#[cfg(test)]
mod tests {
    use super::{challenge_parameter, metadata_urls, names_server};

    #[test]
    fn the_challenge_names_the_metadata_and_scopes() {
        let challenge = r#"Bearer error="invalid_token", scope="tools read", resource_metadata="https://x.example/.well-known/oauth-protected-resource/mcp""#;
        assert_eq!(challenge_parameter(challenge, "scope"), Some("tools read"));
        assert_eq!(
            metadata_urls(challenge, "https://x.example/mcp"),
            ["https://x.example/.well-known/oauth-protected-resource/mcp"]
        );
        assert_eq!(challenge_parameter(r#"Bearer xscope="a""#, "scope"), None);
    }

    #[test]
    fn without_a_pointer_the_well_known_paths_are_tried() {
        assert_eq!(
            metadata_urls("Bearer", "https://x.example/tenant/mcp/"),
            [
                "https://x.example/.well-known/oauth-protected-resource/tenant/mcp",
                "https://x.example/.well-known/oauth-protected-resource"
            ]
        );
        assert_eq!(
            metadata_urls("Bearer", "https://x.example"),
            ["https://x.example/.well-known/oauth-protected-resource"]
        );
        assert!(names_server("https://x.example/mcp/", "https://x.example/mcp"));
        assert!(!names_server("https://evil.example/mcp", "https://x.example/mcp"));
    }
}
