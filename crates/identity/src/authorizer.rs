//! The inbound check of the gateway and `agentdesk serve`, like AgentCore's
//! `customJWTAuthorizer`: a bearer JWT signed by a
//! key in the trusted issuer's JWKS (found through its discovery document), with `iss`,
//! `exp`/`nbf` (small leeway), and the allowed audiences, clients (`client_id`; Cognito access
//! tokens carry no `aud`) and scopes. Only asymmetric algorithms are accepted, so neither
//! `alg: none` nor an HMAC "signed" with the public key can pass. An unknown `kid` refreshes
//! the key set once (at most every few seconds), so a rotation is picked up without a restart.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use serde_json::Value;

/// The asymmetric algorithms a token may be signed with.
const ACCEPTED: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];
/// The shortest time between two key-set fetches caused by unknown `kid`s: a stream of forged
/// tokens cannot make the server hammer the issuer.
const REFETCH_AFTER: Duration = Duration::from_secs(5);

/// What the authorizer trusts, as `[authorizer]` in the gateway's config or `[serve.authorizer]` says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    /// The issuer's `/.well-known/openid-configuration` URL.
    pub discovery_url: String,
    /// Accepted `aud` values; empty accepts any.
    pub allowed_audiences: Vec<String>,
    /// Accepted `client_id` values; empty accepts any.
    pub allowed_clients: Vec<String>,
    /// Scopes a token must carry (all of them); empty requires none.
    pub allowed_scopes: Vec<String>,
    /// Seconds of clock difference forgiven on `exp` and `nbf` (default 30).
    pub leeway_seconds: Option<u64>,
}

/// Why a request was refused. The message is safe to return: it never echoes the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No `Authorization: Bearer` header.
    #[error("a bearer token is required")]
    Missing,
    /// The token is not a JWT this server accepts, or its signature or claims are wrong.
    #[error("the token is not valid: {0}")]
    Invalid(String),
    /// The token is valid but lacks a required scope.
    #[error("the token lacks the scope {0:?}")]
    MissingScope(String),
    /// The issuer's keys cannot be fetched.
    #[error("the token cannot be checked now: {0}")]
    Unavailable(String),
}

/// The claims the server reads from an accepted token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `sub`, when present.
    pub subject: Option<String>,
    /// `client_id`, when present.
    pub client_id: Option<String>,
    /// The scopes granted.
    pub scopes: Vec<String>,
}

#[derive(Debug, Default)]
struct Keys {
    set: Option<JwkSet>,
    issuer: String,
    fetched: Option<Instant>,
}

/// Checks bearer tokens against one trusted issuer.
#[derive(Debug)]
pub struct JwtAuthorizer {
    settings: JwtSettings,
    http: reqwest::Client,
    keys: tokio::sync::Mutex<Keys>,
    fetches: Mutex<u64>,
    refetch_after: Duration,
}

impl JwtAuthorizer {
    /// An authorizer for `settings`; the discovery URL must be HTTPS (or on this machine).
    pub fn new(settings: JwtSettings) -> Result<JwtAuthorizer, String> {
        if !crate::is_secure_url(&settings.discovery_url) {
            return Err(format!(
                "authorizer.discovery_url {:?} must be https:// (http:// only on 127.0.0.1 or localhost)",
                settings.discovery_url
            ));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| error.to_string())?;
        Ok(JwtAuthorizer {
            settings,
            http,
            keys: tokio::sync::Mutex::new(Keys::default()),
            fetches: Mutex::new(0),
            refetch_after: REFETCH_AFTER,
        })
    }

    /// Refetches the key set on an unknown `kid` at most once per `interval` (default 5 s).
    #[must_use]
    pub fn with_refetch_interval(mut self, interval: Duration) -> JwtAuthorizer {
        self.refetch_after = interval;
        self
    }

    /// The scopes a token must carry (`allowed_scopes`), which the metadata advertises.
    pub fn required_scopes(&self) -> &[String] {
        &self.settings.allowed_scopes
    }

    /// How many times the key set was fetched (for tests of the caching).
    pub fn key_fetches(&self) -> u64 {
        *self.fetches.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks the `Authorization` header's value.
    pub async fn authorize(&self, authorization: Option<&str>) -> Result<Caller, Refusal> {
        let token = authorization
            .and_then(|value| {
                value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(Refusal::Missing)?;
        let header = decode_header(token).map_err(|error| Refusal::Invalid(error.to_string()))?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(Refusal::Invalid(format!(
                "the algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let kid =
            header.kid.ok_or_else(|| Refusal::Invalid("the token names no key (kid)".into()))?;
        let (key, issuer) = self.key(&kid).await?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = self.settings.leeway_seconds.unwrap_or(30);
        validation.set_issuer(&[issuer]);
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss"]);
        // Audiences are checked below: Cognito access tokens have none, and AgentCore's rule
        // is "any of the allowed", which Validation's own check also is, but only when set.
        validation.validate_aud = false;
        let claims = decode::<Value>(token, &key, &validation)
            .map_err(|error| Refusal::Invalid(error.to_string()))?
            .claims;
        self.check_claims(&claims)
    }

    fn check_claims(&self, claims: &Value) -> Result<Caller, Refusal> {
        let settings = &self.settings;
        if !settings.allowed_audiences.is_empty() {
            let audiences: Vec<&str> = match &claims["aud"] {
                Value::String(one) => vec![one.as_str()],
                Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !audiences
                .iter()
                .any(|aud| settings.allowed_audiences.iter().any(|allowed| allowed == aud))
            {
                return Err(Refusal::Invalid("the audience is not allowed".into()));
            }
        }
        let client_id =
            claims["client_id"].as_str().or_else(|| claims["azp"].as_str()).map(str::to_owned);
        if !settings.allowed_clients.is_empty()
            && !client_id.as_ref().is_some_and(|id| settings.allowed_clients.contains(id))
        {
            return Err(Refusal::Invalid("the client is not allowed".into()));
        }
        let scopes: Vec<String> = match &claims["scope"] {
            Value::String(text) => text.split_whitespace().map(str::to_owned).collect(),
            Value::Array(list) => {
                list.iter().filter_map(Value::as_str).map(str::to_owned).collect()
            }
            _ => Vec::new(),
        };
        let granted: HashSet<&str> = scopes.iter().map(String::as_str).collect();
        if let Some(missing) =
            settings.allowed_scopes.iter().find(|scope| !granted.contains(scope.as_str()))
        {
            return Err(Refusal::MissingScope(missing.clone()));
        }
        Ok(Caller { subject: claims["sub"].as_str().map(str::to_owned), client_id, scopes })
    }

    /// The key `kid` names, fetching the key set when it is unknown (at most every few
    /// seconds), and the issuer it speaks for.
    async fn key(&self, kid: &str) -> Result<(DecodingKey, String), Refusal> {
        let mut keys = self.keys.lock().await;
        let stale = keys.fetched.is_none_or(|at| at.elapsed() >= self.refetch_after);
        let known = keys.set.as_ref().and_then(|set| set.find(kid)).is_some();
        if !known && stale {
            *keys = self.fetch().await?;
        }
        let jwk = keys.set.as_ref().and_then(|set| set.find(kid)).ok_or_else(|| {
            Refusal::Invalid("the token is signed with a key the issuer does not publish".into())
        })?;
        if let Some(KeyAlgorithm::HS256 | KeyAlgorithm::HS384 | KeyAlgorithm::HS512) =
            jwk.common.key_algorithm
        {
            return Err(Refusal::Invalid("a symmetric key is never accepted".into()));
        }
        let key = DecodingKey::from_jwk(jwk)
            .map_err(|error| Refusal::Invalid(format!("unusable key: {error}")))?;
        Ok((key, keys.issuer.clone()))
    }

    async fn fetch(&self) -> Result<Keys, Refusal> {
        let unavailable = |detail: String| Refusal::Unavailable(detail);
        let discovery: Value = self.get(&self.settings.discovery_url).await.map_err(unavailable)?;
        let issuer = discovery["issuer"].as_str().unwrap_or_default().to_owned();
        let jwks_uri = discovery["jwks_uri"].as_str().unwrap_or_default().to_owned();
        if issuer.is_empty() || !crate::is_secure_url(&jwks_uri) {
            return Err(unavailable(
                "the discovery document names no issuer or no HTTPS jwks_uri".into(),
            ));
        }
        let set: JwkSet = serde_json::from_value(self.get(&jwks_uri).await.map_err(unavailable)?)
            .map_err(|error| unavailable(format!("unreadable key set: {error}")))?;
        *self.fetches.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        Ok(Keys { set: Some(set), issuer, fetched: Some(Instant::now()) })
    }

    async fn get(&self, url: &str) -> Result<Value, String> {
        let response =
            self.http.get(url).send().await.map_err(|error| format!("{url}: {error}"))?;
        if !response.status().is_success() {
            return Err(format!("{url} answered HTTP {}", response.status().as_u16()));
        }
        response.json().await.map_err(|error| format!("{url}: {error}"))
    }
}
