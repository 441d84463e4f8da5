//! Signing in with nothing but an authorization server's address, as the MCP authorization
//! spec does: its metadata (RFC 8414 or OpenID discovery) and, when no client was registered
//! for AgentDesk beforehand, dynamic client registration (RFC 7591).

use std::sync::Arc;

use serde_json::Value;

use crate::error::IdentityError;
use crate::oauth::Client;
use crate::providers::ProviderSettings;
use crate::secret::Secret;
use crate::tokens::now;

/// What an authorization server publishes, as far as signing in to it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationServer {
    /// Its issuer identifier.
    pub issuer: String,
    /// Where clients register themselves (RFC 7591), when it lets them.
    pub registration_endpoint: Option<String>,
    /// Whether it accepts a client ID metadata document's URL as a client id.
    pub client_id_metadata_documents: bool,
    /// The scopes it names.
    pub scopes_supported: Vec<String>,
    /// Whether it supports PKCE with S256, without which no sign-in is attempted.
    pub pkce_s256: bool,
}

/// A client the authorization server registered.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Its client id.
    pub client_id: String,
    /// Its secret, when the server made it a confidential client.
    pub client_secret: Option<Secret>,
}

fn client_for(issuer: &str) -> Client {
    let settings = ProviderSettings { issuer: issuer.to_owned(), ..ProviderSettings::default() };
    Client::new(issuer, settings, None, Arc::new(now))
}

impl AuthorizationServer {
    /// Reads `issuer`'s metadata (HTTPS, or HTTP on this machine).
    pub async fn discover(issuer: &str) -> Result<AuthorizationServer, IdentityError> {
        let metadata = client_for(issuer).discover(issuer).await?;
        let strings = |key: &str| -> Vec<String> {
            metadata[key]
                .as_array()
                .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default()
        };
        Ok(AuthorizationServer {
            issuer: metadata["issuer"].as_str().unwrap_or(issuer).to_owned(),
            registration_endpoint: metadata["registration_endpoint"].as_str().map(str::to_owned),
            client_id_metadata_documents: metadata["client_id_metadata_document_supported"]
                .as_bool()
                .unwrap_or(false),
            scopes_supported: strings("scopes_supported"),
            pkce_s256: strings("code_challenge_methods_supported").iter().any(|m| m == "S256"),
        })
    }

    /// Registers AgentDesk as a native client for the browser sign-in, asking for `scopes`.
    pub async fn register(&self, scopes: &[String]) -> Result<Registration, IdentityError> {
        let Some(endpoint) = &self.registration_endpoint else {
            return Err(IdentityError::Config {
                provider: self.issuer.clone(),
                problem: "it does not let clients register themselves: ask its administrator \
                          for a client id for AgentDesk"
                    .into(),
            });
        };
        let (client_id, client_secret) =
            client_for(&self.issuer).register(endpoint, scopes).await?;
        Ok(Registration { client_id, client_secret })
    }
}
