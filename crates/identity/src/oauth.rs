//! The OAuth 2.0 wire: discovery (OIDC and RFC 8414), the token endpoint's grants
//! (authorization code with PKCE, client credentials, refresh, device code), device
//! authorization (RFC 8628) and revocation (RFC 7009). Every endpoint must be HTTPS, or HTTP
//! on this machine; redirects are never followed, so a token request cannot be bounced.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::IdentityError;
use crate::providers::{ProviderSettings, is_secure_url};
use crate::secret::Secret;
use crate::tokens::{TokenSet, now};

/// A provider's endpoints, from its settings and discovery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Endpoints {
    pub(crate) authorization: Option<String>,
    pub(crate) token: String,
    pub(crate) device_authorization: Option<String>,
    pub(crate) revocation: Option<String>,
}

/// The time in seconds since the Unix epoch; tests move it forward instead of waiting.
pub(crate) type Clock = std::sync::Arc<dyn Fn() -> u64 + Send + Sync>;

/// What one place an issuer's metadata may be at answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MetadataAnswer {
    /// A JSON document.
    Document(Value),
    /// Success, but the body is not JSON (a web page, most likely).
    NotJson(String),
    /// An HTTP status other than success.
    Status(u16),
    /// No answer: the connection failed (refused, DNS, TLS, timeout).
    Unreachable(String),
}

/// Talks OAuth to one provider.
#[derive(Clone)]
pub(crate) struct Client {
    pub(crate) name: String,
    pub(crate) settings: ProviderSettings,
    pub(crate) client_secret: Option<Secret>,
    clock: Clock,
    http: reqwest::Client,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("name", &self.name).finish_non_exhaustive()
    }
}

/// What the device authorization endpoint answered.
#[derive(Debug, Clone, Deserialize)]
pub struct DeviceCode {
    /// The code the user types.
    pub user_code: String,
    /// Where they type it.
    pub verification_uri: String,
    /// The same page with the code filled in, when the provider offers it.
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    pub(crate) device_code: String,
    /// Seconds the code stays valid.
    #[serde(default = "default_device_lifetime")]
    pub expires_in: u64,
    #[serde(default = "default_interval")]
    pub(crate) interval: u64,
}

fn default_device_lifetime() -> u64 {
    600
}

fn default_interval() -> u64 {
    5
}

/// A PKCE pair and the `state` of one authorization request.
#[derive(Debug)]
pub(crate) struct Pkce {
    pub(crate) verifier: String,
    pub(crate) challenge: String,
    pub(crate) state: String,
}

impl Pkce {
    /// Fresh random values (S256 challenge).
    pub(crate) fn new() -> Result<Pkce, String> {
        let verifier = random_token(32)?;
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Ok(Pkce { verifier, challenge, state: random_token(16)? })
    }
}

fn random_token(bytes: usize) -> Result<String, String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|error| format!("no randomness available: {error}"))?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

impl Client {
    pub(crate) fn new(
        name: &str,
        settings: ProviderSettings,
        client_secret: Option<Secret>,
        clock: Clock,
    ) -> Client {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            // Shorter than common servers' keep-alive (Node's is 5 s, the device flow's usual
            // poll interval): a connection the server is closing is never reused.
            .pool_idle_timeout(Duration::from_secs(4))
            .build()
            .unwrap_or_default();
        Client { name: name.to_owned(), settings, client_secret, clock, http }
    }

    fn unreachable(&self, detail: impl Into<String>) -> IdentityError {
        IdentityError::Unreachable { provider: self.name.clone(), detail: detail.into() }
    }

    fn checked(&self, field: &str, url: &str) -> Result<String, IdentityError> {
        if is_secure_url(url) {
            Ok(url.to_owned())
        } else {
            Err(IdentityError::Config {
                provider: self.name.clone(),
                problem: format!(
                    "{field} {url:?} is not HTTPS; only 127.0.0.1 and localhost may use http://"
                ),
            })
        }
    }

    /// The endpoints: the settings' own, the rest from the issuer's metadata.
    pub(crate) async fn endpoints(&self) -> Result<Endpoints, IdentityError> {
        let settings = &self.settings;
        let given = |url: &str| (!url.is_empty()).then(|| url.to_owned());
        let mut endpoints = Endpoints {
            authorization: given(&settings.authorization_endpoint),
            token: settings.token_endpoint.clone(),
            device_authorization: given(&settings.device_authorization_endpoint),
            revocation: given(&settings.revocation_endpoint),
        };
        if !settings.issuer.is_empty() {
            let metadata = self.discover(&settings.issuer).await?;
            let found = |key: &str| metadata[key].as_str().map(str::to_owned);
            endpoints.authorization =
                endpoints.authorization.or_else(|| found("authorization_endpoint"));
            if endpoints.token.is_empty() {
                endpoints.token = found("token_endpoint").unwrap_or_default();
            }
            endpoints.device_authorization =
                endpoints.device_authorization.or_else(|| found("device_authorization_endpoint"));
            endpoints.revocation = endpoints.revocation.or_else(|| found("revocation_endpoint"));
        }
        if endpoints.token.is_empty() {
            return Err(IdentityError::Config {
                provider: self.name.clone(),
                problem: "no token endpoint: set token_endpoint or an issuer that publishes one"
                    .into(),
            });
        }
        endpoints.token = self.checked("token_endpoint", &endpoints.token)?;
        for (field, url) in [
            ("authorization_endpoint", &mut endpoints.authorization),
            ("device_authorization_endpoint", &mut endpoints.device_authorization),
            ("revocation_endpoint", &mut endpoints.revocation),
        ] {
            if let Some(found) = url.as_deref() {
                *url = Some(self.checked(field, found)?);
            }
        }
        Ok(endpoints)
    }

    /// The issuer's metadata: OpenID Connect discovery or RFC 8414's, at each of the places
    /// [`metadata_urls`] lists.
    pub(crate) async fn discover(&self, issuer: &str) -> Result<Value, IdentityError> {
        let issuer = self.checked("issuer", issuer.trim_end_matches('/'))?;
        let mut last = String::new();
        for (url, answer) in self.metadata_answers(&issuer).await {
            match answer {
                MetadataAnswer::Document(metadata) => return Ok(metadata),
                MetadataAnswer::NotJson(error) => {
                    return Err(self.unreachable(format!("{url} is not JSON metadata: {error}")));
                }
                MetadataAnswer::Status(status) => last = format!("{url} answered HTTP {status}"),
                MetadataAnswer::Unreachable(error) => last = format!("{url}: {error}"),
            }
        }
        Err(self.unreachable(format!("discovery failed: {last}")))
    }

    /// Asks each place [`metadata_urls`] lists for `issuer` (already checked) in turn, up to
    /// the first that answers with success: every place asked, with its answer. Both
    /// [`Client::discover`] and the settings check (`discovery.rs`) read the issuer this way.
    pub(crate) async fn metadata_answers(&self, issuer: &str) -> Vec<(String, MetadataAnswer)> {
        let mut answers = Vec::new();
        for url in metadata_urls(issuer) {
            let answer = match self.http.get(&url).send().await {
                Ok(response) if response.status().is_success() => {
                    match response.json::<Value>().await {
                        Ok(metadata) => MetadataAnswer::Document(metadata),
                        Err(error) => MetadataAnswer::NotJson(error.to_string()),
                    }
                }
                Ok(response) => MetadataAnswer::Status(response.status().as_u16()),
                Err(error) => MetadataAnswer::Unreachable(without_url_query(&error)),
            };
            let done = matches!(answer, MetadataAnswer::Document(_) | MetadataAnswer::NotJson(_));
            answers.push((url, answer));
            if done {
                break;
            }
        }
        answers
    }

    /// Registers AgentDesk as a public native client (RFC 7591) at `endpoint`, for the
    /// browser sign-in with a loopback redirect on any port (RFC 8252 §7.3).
    pub(crate) async fn register(
        &self,
        endpoint: &str,
        scopes: &[String],
    ) -> Result<(String, Option<Secret>), IdentityError> {
        let endpoint = self.checked("registration_endpoint", endpoint)?;
        let mut metadata = serde_json::json!({
            "client_name": "AgentDesk",
            "application_type": "native",
            "redirect_uris": [crate::loopback::PORTLESS_REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        });
        if !scopes.is_empty() {
            metadata["scope"] = Value::String(scopes.join(" "));
        }
        let response = self
            .http
            .post(&endpoint)
            .header("accept", "application/json")
            .json(&metadata)
            .send()
            .await
            .map_err(|error| self.unreachable(without_url_query(&error)))?;
        let body = self.ok_json(response).await?;
        let Some(client_id) = body["client_id"].as_str() else {
            return Err(self.unreachable("the registration answer has no client_id"));
        };
        Ok((client_id.to_owned(), body["client_secret"].as_str().map(Secret::new)))
    }

    /// The URL to open in the browser for the authorization code flow.
    pub(crate) fn authorization_url(
        &self,
        endpoints: &Endpoints,
        redirect_uri: &str,
        pkce: &Pkce,
        scopes: &[String],
    ) -> Result<String, IdentityError> {
        let base = endpoints.authorization.as_deref().ok_or_else(|| IdentityError::Config {
            provider: self.name.clone(),
            problem: "no authorization endpoint for the browser sign-in: set authorization_endpoint or an issuer".into(),
        })?;
        let mut url = url::Url::parse(base).map_err(|error| IdentityError::Config {
            provider: self.name.clone(),
            problem: format!("authorization_endpoint is not a URL: {error}"),
        })?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.settings.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("state", &pkce.state);
            if !scopes.is_empty() {
                query.append_pair("scope", &scopes.join(" "));
            }
            if !self.settings.resource.is_empty() {
                query.append_pair("resource", &self.settings.resource);
            }
            if !self.settings.audience.is_empty() {
                query.append_pair("audience", &self.settings.audience);
            }
            if scopes.iter().any(|scope| scope == "offline_access") {
                // OpenID Connect issues refresh tokens for offline_access only with consent.
                query.append_pair("prompt", "consent");
            }
        }
        Ok(url.into())
    }

    /// Exchanges an authorization code.
    pub(crate) async fn exchange_code(
        &self,
        endpoints: &Endpoints,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<TokenSet, IdentityError> {
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", redirect_uri.to_owned()),
            ("code_verifier", verifier.to_owned()),
        ];
        // RFC 8707 and the MCP authorization spec name the resource in both requests.
        if !self.settings.resource.is_empty() {
            form.push(("resource", self.settings.resource.clone()));
        }
        self.token_request(endpoints, form, &[]).await
    }

    /// The client credentials grant (the app itself; needs the client secret).
    pub(crate) async fn client_credentials(
        &self,
        endpoints: &Endpoints,
        scopes: &[String],
    ) -> Result<TokenSet, IdentityError> {
        if self.client_secret.is_none() {
            return Err(IdentityError::Config {
                provider: self.name.clone(),
                problem: format!(
                    "the client credentials flow needs a client secret: store it with `agentdesk auth add {} --client-secret`",
                    self.name
                ),
            });
        }
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        self.push_scope_and_resource(&mut form, scopes);
        self.token_request(endpoints, form, scopes).await
    }

    /// Uses a refresh token. The scopes asked for before are kept.
    pub(crate) async fn refresh(
        &self,
        endpoints: &Endpoints,
        refresh_token: &Secret,
        scopes: &[String],
    ) -> Result<TokenSet, IdentityError> {
        let mut form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.expose().to_owned()),
        ];
        if !self.settings.resource.is_empty() {
            form.push(("resource", self.settings.resource.clone()));
        }
        let mut fresh = self.token_request(endpoints, form, scopes).await?;
        // A provider that does not rotate refresh tokens leaves the old one in force.
        if fresh.refresh_token.is_none() {
            fresh.refresh_token = Some(refresh_token.clone());
        }
        Ok(fresh)
    }

    /// Starts the device flow.
    pub(crate) async fn device_authorization(
        &self,
        endpoints: &Endpoints,
        scopes: &[String],
    ) -> Result<DeviceCode, IdentityError> {
        let url = endpoints.device_authorization.as_deref().ok_or_else(|| IdentityError::Config {
            provider: self.name.clone(),
            problem: "the provider publishes no device authorization endpoint; use the browser sign-in".into(),
        })?;
        let mut form = vec![("client_id", self.settings.client_id.clone())];
        self.push_scope_and_resource(&mut form, scopes);
        let response = self.send_form(url, &form).await?;
        let body = self.ok_json(response).await?;
        serde_json::from_value(body)
            .map_err(|error| self.unreachable(format!("unreadable device authorization: {error}")))
    }

    /// Polls until the user has approved the device code, at the interval the provider asks.
    pub(crate) async fn poll_device(
        &self,
        endpoints: &Endpoints,
        device: &DeviceCode,
        scopes: &[String],
    ) -> Result<TokenSet, IdentityError> {
        let mut interval = device.interval.max(1);
        let deadline = now().saturating_add(device.expires_in);
        loop {
            // The provider sets the pace (RFC 8628 §3.5); polling faster earns `slow_down`.
            tokio::time::sleep(Duration::from_secs(interval)).await;
            let form = vec![
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code".to_owned()),
                ("device_code", device.device_code.clone()),
            ];
            match self.token_request(endpoints, form, scopes).await {
                Ok(tokens) => return Ok(tokens),
                Err(IdentityError::Refused { error, .. }) if error == "authorization_pending" => {}
                Err(IdentityError::Refused { error, .. }) if error == "slow_down" => interval += 5,
                Err(error) => return Err(error),
            }
            if now() >= deadline {
                return Err(IdentityError::SignInFailed {
                    provider: self.name.clone(),
                    reason: "the device code expired before it was approved".into(),
                });
            }
        }
    }

    /// Revokes a token where the provider supports it; failures are logged, not raised,
    /// since signing out locally must always work.
    pub(crate) async fn revoke(&self, endpoints: &Endpoints, token: &Secret, hint: &str) {
        let Some(url) = endpoints.revocation.as_deref() else { return };
        let form = vec![("token", token.expose().to_owned()), ("token_type_hint", hint.to_owned())];
        match self.send_form(url, &self.with_client(form)).await {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => {
                tracing::warn!(provider = %self.name, status = response.status().as_u16(), "revocation refused");
            }
            Err(error) => tracing::warn!(provider = %self.name, %error, "revocation failed"),
        }
    }

    fn push_scope_and_resource(&self, form: &mut Vec<(&'static str, String)>, scopes: &[String]) {
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        if !self.settings.resource.is_empty() {
            form.push(("resource", self.settings.resource.clone()));
        }
        if !self.settings.audience.is_empty() {
            form.push(("audience", self.settings.audience.clone()));
        }
    }

    /// Public clients name themselves in the form; confidential ones authenticate with
    /// HTTP Basic (`client_secret_basic`) in [`Client::send_form`].
    fn with_client(&self, mut form: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
        if self.client_secret.is_none() {
            form.push(("client_id", self.settings.client_id.clone()));
        }
        form
    }

    async fn send_form(
        &self,
        url: &str,
        form: &[(&'static str, String)],
    ) -> Result<reqwest::Response, IdentityError> {
        let mut request = self.http.post(url).header("accept", "application/json").form(form);
        if let Some(secret) = &self.client_secret {
            // RFC 6749 §2.3.1: both parts form-urlencoded before Basic encoding.
            let encode = |text: &str| {
                url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
            };
            request =
                request.basic_auth(encode(&self.settings.client_id), Some(encode(secret.expose())));
        }
        request.send().await.map_err(|error| self.unreachable(without_url_query(&error)))
    }

    async fn ok_json(&self, response: reqwest::Response) -> Result<Value, IdentityError> {
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        match body["error"].as_str() {
            Some(error) => Err(IdentityError::Refused {
                provider: self.name.clone(),
                error: error.to_owned(),
                description: body["error_description"].as_str().map(str::to_owned),
            }),
            None => {
                Err(self.unreachable(format!("HTTP {} without an OAuth error", status.as_u16())))
            }
        }
    }

    async fn token_request(
        &self,
        endpoints: &Endpoints,
        form: Vec<(&'static str, String)>,
        asked_scopes: &[String],
    ) -> Result<TokenSet, IdentityError> {
        let response = self.send_form(&endpoints.token, &self.with_client(form)).await?;
        let body = self.ok_json(response).await?;
        let Some(access_token) = body["access_token"].as_str() else {
            return Err(self.unreachable("the token response has no access_token"));
        };
        let scopes = body["scope"].as_str().map_or_else(
            || asked_scopes.to_vec(),
            |granted| granted.split_whitespace().map(str::to_owned).collect(),
        );
        let issued_at = (self.clock)();
        Ok(TokenSet {
            access_token: Secret::new(access_token),
            refresh_token: body["refresh_token"].as_str().map(Secret::new),
            expires_at: body["expires_in"]
                .as_u64()
                .map(|seconds| issued_at.saturating_add(seconds)),
            scopes,
            subject: body["id_token"].as_str().and_then(subject_of),
            issued_at,
        })
    }
}

/// Where an issuer's metadata may be, in the order the MCP authorization spec tries them:
/// OpenID Connect's and RFC 8414's well-known paths, inserted before the issuer's own path
/// where it has one (RFC 8414 §3.1), else appended.
fn metadata_urls(issuer: &str) -> Vec<String> {
    const OIDC: &str = "/.well-known/openid-configuration";
    const OAUTH: &str = "/.well-known/oauth-authorization-server";
    let after_scheme = issuer.find("://").map_or(0, |at| at + 3);
    match issuer[after_scheme..].find('/') {
        None => vec![format!("{issuer}{OIDC}"), format!("{issuer}{OAUTH}")],
        Some(slash) => {
            let (origin, path) = issuer.split_at(after_scheme + slash);
            vec![
                format!("{origin}{OAUTH}{path}"),
                format!("{origin}{OIDC}{path}"),
                format!("{issuer}{OIDC}"),
            ]
        }
    }
}

/// Who an ID token names, for display only: the token came straight from the token endpoint
/// over TLS, and nothing is decided on it.
fn subject_of(id_token: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    ["email", "preferred_username", "sub"]
        .iter()
        .find_map(|claim| claims[claim].as_str().map(str::to_owned))
}

/// A transport error with its causes, without the URL's query, which could carry a code or
/// token.
fn without_url_query(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        text.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    if let Some(url) = error.url()
        && let Some(query) = url.query()
    {
        text = text.replace(query, "…");
    }
    text
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::{Digest, Sha256};

    use super::{Pkce, metadata_urls, subject_of};

    #[test]
    fn metadata_is_looked_for_where_rfc_8414_and_oidc_put_it() {
        assert_eq!(
            metadata_urls("https://idp.example"),
            [
                "https://idp.example/.well-known/openid-configuration",
                "https://idp.example/.well-known/oauth-authorization-server"
            ]
        );
        assert_eq!(
            metadata_urls("https://idp.example/tenant/1"),
            [
                "https://idp.example/.well-known/oauth-authorization-server/tenant/1",
                "https://idp.example/.well-known/openid-configuration/tenant/1",
                "https://idp.example/tenant/1/.well-known/openid-configuration"
            ]
        );
    }

    #[test]
    fn the_challenge_is_the_s256_of_the_verifier() {
        let pkce = Pkce::new().expect("pkce");
        assert_eq!(
            pkce.challenge,
            URL_SAFE_NO_PAD.encode(Sha256::digest(pkce.verifier.as_bytes()))
        );
        assert!(pkce.verifier.len() >= 43, "RFC 7636 asks for 43 to 128 characters");
        assert_ne!(Pkce::new().expect("pkce").state, pkce.state);
    }

    #[test]
    fn the_subject_prefers_a_readable_claim() {
        let claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"u-1","email":"ann@example.com"}"#);
        assert_eq!(subject_of(&format!("h.{claims}.s")).as_deref(), Some("ann@example.com"));
        assert_eq!(subject_of("garbage"), None);
    }
}
