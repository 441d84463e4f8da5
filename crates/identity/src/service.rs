//! [`Identity`]: a valid access token for any caller with one call — memory cache, then the
//! keyring, then a refresh about a minute before expiry, then an interactive sign-in — and
//! every provider's status, announced on a channel whenever it changes.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

use crate::error::IdentityError;
use crate::loopback::{Callback, Loopback};
use crate::oauth::{Client, Clock, DeviceCode, Pkce};
use crate::providers::{AuthFlow, ProviderKind, ProviderSettings};
use crate::secret::Secret;
use crate::tokens::{self, TokenSet, now};
use crate::vault::{Vault, VaultError};

/// Refresh this many seconds before the access token expires.
pub const REFRESH_MARGIN: u64 = 60;
/// How long a browser sign-in may take before the loopback listener closes.
pub const SIGN_IN_PATIENCE: Duration = Duration::from_secs(300);

/// How sign-ins reach the user: the browser for the code flow, a code to type for the
/// device flow. The CLI prints as well; tests drive the provider's pages themselves.
pub trait Interaction: Send + Sync {
    /// Opens `url` (the provider's sign-in page) in the user's browser.
    fn open_browser(&self, provider: &str, url: &str) -> Result<(), String>;
    /// Shows the device flow's code and where to enter it.
    fn show_device_code(&self, provider: &str, code: &DeviceCode);
}

/// Opens the system browser (`xdg-open`, `open`, `start`); shows device codes in the log.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemBrowser;

impl Interaction for SystemBrowser {
    fn open_browser(&self, _provider: &str, url: &str) -> Result<(), String> {
        let mut command = if cfg!(target_os = "macos") {
            std::process::Command::new("open")
        } else if cfg!(windows) {
            let mut start = std::process::Command::new("cmd");
            start.args(["/C", "start", ""]);
            start
        } else {
            std::process::Command::new("xdg-open")
        };
        command
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(drop)
            .map_err(|error| format!("cannot open a browser: {error}"))
    }

    fn show_device_code(&self, provider: &str, code: &DeviceCode) {
        tracing::info!(provider, user_code = %code.user_code, uri = %code.verification_uri, "device sign-in");
    }
}

/// What a caller wants from [`Identity::access_token`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRequest {
    /// Scopes the token must carry; empty for the provider's configured scopes.
    pub scopes: Vec<String>,
    /// A flow other than the provider's own.
    pub flow: Option<AuthFlow>,
    /// Sign in again even with a good token (`force_authentication`).
    pub force: bool,
    /// The server refused the token it was given (a 401 although it looked valid, e.g.
    /// revoked): skip the cached one and refresh it, or sign in, instead.
    pub rejected: bool,
    /// Whether the user may be asked (a browser, a device code). Background callers say no
    /// and get [`IdentityError::NeedsSignIn`] instead.
    pub interactive: bool,
}

/// Where a provider stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export_to = "Identity.ts")]
pub enum SignInState {
    /// A valid token is at hand (or can be refreshed without the user).
    SignedIn,
    /// The token expired and cannot be refreshed: sign in again.
    Expired,
    /// Never signed in, or signed out.
    NeedsSignIn,
    /// The last attempt failed; `error` says how.
    Error,
    /// An API-key provider with its key stored.
    KeyStored,
    /// An API-key provider without a key.
    KeyMissing,
}

/// One provider's status, as `auth status` and the app show it. Never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Identity.ts")]
pub struct ProviderStatus {
    /// The provider's name.
    pub provider: String,
    /// OAuth or API key.
    pub kind: String,
    /// Its sign-in flow.
    pub flow: String,
    /// Where it stands.
    pub state: SignInState,
    /// Who is signed in, when the provider said.
    pub signed_in_as: Option<String>,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// Seconds until the access token expires (negative once it has).
    pub expires_in: Option<i64>,
    /// Whether a refresh token is kept.
    pub refreshable: bool,
    /// The last error, with the provider's own description.
    pub error: Option<String>,
    /// Whether tokens are kept in the keyring; false when it is unusable and they live in
    /// memory only, until the app closes.
    pub persisted: bool,
}

/// The identity service for a set of providers.
pub struct Identity {
    providers: Mutex<BTreeMap<String, ProviderSettings>>,
    /// Providers added at run time ([`Identity::add_provider`]), which a new configuration
    /// does not replace.
    added: Mutex<BTreeMap<String, ProviderSettings>>,
    /// The keyring as handed over, or why it could not be (with what to do).
    given: Result<Arc<Vault>, String>,
    /// The keyring once proved usable (write, read, delete), the first time tokens or secrets
    /// are read or kept: a command that never needs it never touches it.
    vault: tokio::sync::OnceCell<Result<Arc<Vault>, String>>,
    /// Whether the log has said that tokens are not kept (once is enough).
    said_unkept: AtomicBool,
    interaction: Arc<dyn Interaction>,
    cache: Mutex<HashMap<String, TokenSet>>,
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    errors: Mutex<HashMap<String, String>>,
    events: broadcast::Sender<ProviderStatus>,
    patience: Duration,
    clock: Clock,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").field("vault", &self.given).finish_non_exhaustive()
    }
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every value under these locks is replaced whole, so a poisoned one holds nothing torn.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Identity {
    /// The service for `providers`, keeping tokens in `vault`. The keyring is probed when
    /// first needed, not here: an unusable one means tokens last only as long as the process,
    /// which statuses say and the log says once.
    pub fn new(
        providers: BTreeMap<String, ProviderSettings>,
        vault: Result<Vault, VaultError>,
        interaction: Arc<dyn Interaction>,
    ) -> Identity {
        let (events, _) = broadcast::channel(64);
        Identity {
            providers: Mutex::new(providers),
            added: Mutex::new(BTreeMap::new()),
            given: vault.map(Arc::new).map_err(|error| explained(&error)),
            vault: tokio::sync::OnceCell::new(),
            said_unkept: AtomicBool::new(false),
            interaction,
            cache: Mutex::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
            errors: Mutex::new(HashMap::new()),
            events,
            patience: SIGN_IN_PATIENCE,
            clock: Arc::new(now),
        }
    }

    /// Reads the time from `clock` (seconds since the Unix epoch): tests move it forward to
    /// age tokens instead of waiting for them to expire.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Identity {
        self.clock = Arc::new(clock);
        self
    }

    fn now(&self) -> u64 {
        (self.clock)()
    }

    /// Waits at most `patience` for a browser sign-in (tests shorten it).
    #[must_use]
    pub fn with_patience(mut self, patience: Duration) -> Identity {
        self.patience = patience;
        self
    }

    /// Why tokens are not kept in the keyring, when they are not (the keyring is probed
    /// now if it has not been yet).
    pub async fn vault_problem(&self) -> Option<String> {
        self.keyring().await.err()
    }

    /// The keyring once proved usable, or why it is not: logged once, on first need.
    async fn keyring(&self) -> Result<Arc<Vault>, String> {
        let probed = self.vault.get_or_init(|| async {
            let probed = match &self.given {
                Ok(vault) => {
                    let probing = Arc::clone(vault);
                    match tokio::task::spawn_blocking(move || probing.probe()).await {
                        Ok(Ok(())) => Ok(Arc::clone(vault)),
                        Ok(Err(error)) => Err(explained(&error)),
                        Err(stopped) => Err(format!("the keyring check stopped: {stopped}")),
                    }
                }
                Err(problem) => Err(problem.clone()),
            };
            if let Err(problem) = &probed {
                tracing::debug!("no keyring: {problem}");
            }
            probed
        });
        probed.await.clone()
    }

    /// The keyring if it is known to work, without probing it (for statuses built in memory).
    fn known_keyring(&self) -> Option<Arc<Vault>> {
        self.vault.get().and_then(|probed| probed.as_ref().ok()).cloned()
    }

    /// Replaces the configured providers (after the config changed); those added with
    /// [`Identity::add_provider`] stay. Tokens of providers still present stay.
    pub fn set_providers(&self, mut providers: BTreeMap<String, ProviderSettings>) {
        let added = locked(&self.added).clone();
        providers.extend(added);
        *locked(&self.providers) = providers;
    }

    /// Adds or replaces one provider that is not in the configuration (one an MCP server's
    /// sign-in registered), keeping the others; it stays when the configuration changes.
    pub fn add_provider(&self, name: &str, settings: ProviderSettings) {
        locked(&self.added).insert(name.to_owned(), settings.clone());
        locked(&self.providers).insert(name.to_owned(), settings);
    }

    /// Status changes, as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<ProviderStatus> {
        self.events.subscribe()
    }

    fn settings(&self, provider: &str) -> Result<ProviderSettings, IdentityError> {
        locked(&self.providers)
            .get(provider)
            .cloned()
            .ok_or_else(|| IdentityError::UnknownProvider(provider.to_owned()))
    }

    /// A valid access token for `provider`. Concurrent callers share one refresh or sign-in.
    pub async fn access_token(
        &self,
        provider: &str,
        request: &TokenRequest,
    ) -> Result<Secret, IdentityError> {
        let trust_stored = !request.force && !request.rejected;
        if trust_stored && let Some(token) = self.cached(provider, &request.scopes) {
            return Ok(token);
        }
        let flight = Arc::clone(locked(&self.flights).entry(provider.to_owned()).or_default());
        let _one_at_a_time = flight.lock().await;
        let settings = self.settings(provider)?;
        let scopes = if request.scopes.is_empty() {
            settings.scopes.clone()
        } else {
            request.scopes.clone()
        };
        if !request.force {
            // Someone else may have refreshed while this caller waited.
            if trust_stored && let Some(token) = self.cached(provider, &request.scopes) {
                return Ok(token);
            }
            if let Some(stored) = self.load(provider).await? {
                if trust_stored
                    && stored.is_fresh(self.now(), REFRESH_MARGIN)
                    && stored.covers(&request.scopes)
                {
                    let token = stored.access_token.clone();
                    locked(&self.cache).insert(provider.to_owned(), stored);
                    return Ok(token);
                }
                if let Some(refresh_token) = stored.refresh_token.clone() {
                    match self.refresh(provider, &settings, &refresh_token, &scopes).await {
                        Ok(token) => return Ok(token),
                        Err(error) if error.is_invalid_grant() => {
                            // Clear it and ask once; a rejected refresh never loops.
                            tracing::info!(
                                provider,
                                "the refresh token was refused; signing in again"
                            );
                            self.forget(provider).await?;
                        }
                        Err(error) => return Err(self.failed(provider, error)),
                    }
                } else if trust_stored
                    && stored.is_fresh(self.now(), 0)
                    && stored.covers(&request.scopes)
                {
                    // No refresh token: it is kept, and used, until it expires.
                    let token = stored.access_token.clone();
                    locked(&self.cache).insert(provider.to_owned(), stored);
                    return Ok(token);
                }
            }
        }
        let flow = request.flow.unwrap_or(settings.flow);
        if flow != AuthFlow::ClientCredentials && !request.interactive {
            self.announce(provider);
            return Err(IdentityError::NeedsSignIn { provider: provider.to_owned() });
        }
        match self.sign_in_with(provider, &settings, flow, &scopes).await {
            Ok(token) => Ok(token),
            Err(error) => Err(self.failed(provider, error)),
        }
    }

    /// Signs in now with the provider's flow (or `flow`), replacing any tokens.
    pub async fn sign_in(
        &self,
        provider: &str,
        flow: Option<AuthFlow>,
    ) -> Result<ProviderStatus, IdentityError> {
        let request =
            TokenRequest { flow, force: true, interactive: true, ..TokenRequest::default() };
        self.access_token(provider, &request).await?;
        Ok(self.status(provider).await)
    }

    /// Signs out: revokes the tokens where the provider supports it, and deletes them.
    pub async fn sign_out(&self, provider: &str) -> Result<ProviderStatus, IdentityError> {
        let settings = self.settings(provider)?;
        let stored = self.load(provider).await?;
        if let Some(stored) = stored {
            let client = self.client(provider, &settings).await?;
            if let Ok(endpoints) = client.endpoints().await {
                if let Some(refresh_token) = &stored.refresh_token {
                    client.revoke(&endpoints, refresh_token, "refresh_token").await;
                }
                client.revoke(&endpoints, &stored.access_token, "access_token").await;
            }
        }
        self.forget(provider).await?;
        locked(&self.errors).remove(provider);
        Ok(self.announce(provider))
    }

    /// The status of every configured provider, by name.
    pub async fn statuses(&self) -> Vec<ProviderStatus> {
        let names: Vec<String> = locked(&self.providers).keys().cloned().collect();
        let mut all = Vec::with_capacity(names.len());
        for name in names {
            all.push(self.status(&name).await);
        }
        all
    }

    /// One provider's status, from what is cached or stored (nothing is fetched).
    pub async fn status(&self, provider: &str) -> ProviderStatus {
        if locked(&self.cache).get(provider).is_none()
            && let Ok(Some(stored)) = self.load(provider).await
        {
            locked(&self.cache).insert(provider.to_owned(), stored);
        }
        self.snapshot(provider).await
    }

    /// Stores an OAuth client secret (`client-secret.NAME`) or an API key (`api-key.NAME`)
    /// in the keyring.
    pub async fn store_secret(&self, provider: &str, secret: Secret) -> Result<(), IdentityError> {
        let settings = self.settings(provider)?;
        let vault = self.required_vault().await?;
        let name = secret_entry(provider, settings.kind);
        tokio::task::spawn_blocking(move || vault.set_secret(&name, secret.expose()))
            .await
            .map_err(|error| IdentityError::Unreachable {
                provider: "keyring".into(),
                detail: error.to_string(),
            })??;
        self.announce(provider);
        Ok(())
    }

    /// An API-key provider's key, from the keyring.
    pub async fn api_key(&self, provider: &str) -> Result<Option<Secret>, IdentityError> {
        let settings = self.settings(provider)?;
        self.read_secret(&secret_entry(provider, settings.kind)).await
    }

    /// Whether the keyring holds the provider's client secret (OAuth) or API key; the value
    /// itself is read and dropped, never returned.
    pub async fn has_secret(&self, provider: &str) -> Result<bool, IdentityError> {
        let settings = self.settings(provider)?;
        Ok(self.read_secret(&secret_entry(provider, settings.kind)).await?.is_some())
    }

    /// Makes way for new settings of `provider`, before they are saved: tokens issued under
    /// the current ones (another issuer, token endpoint, client, resource or audience) are
    /// revoked and deleted, and when its kind changes (OAuth or API key) its secrets go too.
    /// Nothing happens for a provider not configured yet.
    pub async fn settings_changing(
        &self,
        provider: &str,
        next: &ProviderSettings,
    ) -> Result<(), IdentityError> {
        let Ok(current) = self.settings(provider) else { return Ok(()) };
        if current.kind != next.kind {
            return self.forget_provider(provider).await;
        }
        let elsewhere = current.issuer != next.issuer
            || current.token_endpoint != next.token_endpoint
            || current.client_id != next.client_id
            || current.resource != next.resource
            || current.audience != next.audience;
        if elsewhere {
            self.sign_out(provider).await?;
        }
        Ok(())
    }

    /// Forgets `provider` for good, when it is removed: signs out (revoking its tokens where
    /// the provider can) and deletes its tokens and secrets from the keyring.
    pub async fn forget_provider(&self, provider: &str) -> Result<(), IdentityError> {
        self.sign_out(provider).await?;
        self.forget_everything(provider).await
    }

    /// Deletes a provider's tokens and secrets (when the provider itself is removed).
    pub async fn forget_everything(&self, provider: &str) -> Result<(), IdentityError> {
        self.forget(provider).await?;
        if let Ok(vault) = self.keyring().await {
            let names = [
                secret_entry(provider, ProviderKind::OAuth),
                secret_entry(provider, ProviderKind::ApiKey),
            ];
            tokio::task::spawn_blocking(move || {
                names.iter().try_for_each(|name| vault.delete_secret(name).map(drop))
            })
            .await
            .map_err(|error| IdentityError::Unreachable {
                provider: "keyring".into(),
                detail: error.to_string(),
            })??;
        }
        Ok(())
    }

    fn cached(&self, provider: &str, scopes: &[String]) -> Option<Secret> {
        let cache = locked(&self.cache);
        let tokens = cache.get(provider)?;
        (tokens.is_fresh(self.now(), REFRESH_MARGIN) && tokens.covers(scopes))
            .then(|| tokens.access_token.clone())
    }

    async fn refresh(
        &self,
        provider: &str,
        settings: &ProviderSettings,
        refresh_token: &Secret,
        scopes: &[String],
    ) -> Result<Secret, IdentityError> {
        let client = self.client(provider, settings).await?;
        let endpoints = client.endpoints().await?;
        let mut fresh = client.refresh(&endpoints, refresh_token, scopes).await?;
        if fresh.subject.is_none() {
            fresh.subject = locked(&self.cache).get(provider).and_then(|old| old.subject.clone());
        }
        self.keep(provider, fresh).await
    }

    async fn sign_in_with(
        &self,
        provider: &str,
        settings: &ProviderSettings,
        flow: AuthFlow,
        scopes: &[String],
    ) -> Result<Secret, IdentityError> {
        let client = self.client(provider, settings).await?;
        let endpoints = client.endpoints().await?;
        let tokens = match flow {
            AuthFlow::ClientCredentials => client.client_credentials(&endpoints, scopes).await?,
            AuthFlow::Device => {
                let device = client.device_authorization(&endpoints, scopes).await?;
                self.interaction.show_device_code(provider, &device);
                client.poll_device(&endpoints, &device, scopes).await?
            }
            AuthFlow::Code => {
                let sign_in_failed = |reason: String| IdentityError::SignInFailed {
                    provider: provider.to_owned(),
                    reason,
                };
                let loopback = Loopback::bind().await.map_err(|error| {
                    sign_in_failed(format!("cannot listen on 127.0.0.1: {error}"))
                })?;
                let pkce = Pkce::new().map_err(sign_in_failed)?;
                let redirect_uri = loopback.redirect_uri.clone();
                let url = client.authorization_url(&endpoints, &redirect_uri, &pkce, scopes)?;
                self.interaction.open_browser(provider, &url).map_err(sign_in_failed)?;
                match loopback.wait(&pkce.state, self.patience).await.map_err(sign_in_failed)? {
                    Callback::Code(code) => {
                        client
                            .exchange_code(&endpoints, &code, &redirect_uri, &pkce.verifier)
                            .await?
                    }
                    Callback::Error(error, description) => {
                        return Err(IdentityError::Refused {
                            provider: provider.to_owned(),
                            error,
                            description,
                        });
                    }
                }
            }
        };
        locked(&self.errors).remove(provider);
        self.keep(provider, tokens).await
    }

    async fn client(
        &self,
        provider: &str,
        settings: &ProviderSettings,
    ) -> Result<Client, IdentityError> {
        let secret = self.read_secret(&secret_entry(provider, ProviderKind::OAuth)).await?;
        Ok(Client::new(provider, settings.clone(), secret, Arc::clone(&self.clock)))
    }

    /// Caches and stores new tokens, and announces the change.
    async fn keep(&self, provider: &str, tokens: TokenSet) -> Result<Secret, IdentityError> {
        let token = tokens.access_token.clone();
        match self.keyring().await {
            Ok(vault) => {
                let (name, stored) = (provider.to_owned(), tokens.clone());
                tokio::task::spawn_blocking(move || tokens::store(&vault, &name, &stored))
                    .await
                    .map_err(|error| IdentityError::Unreachable {
                    provider: "keyring".into(),
                    detail: error.to_string(),
                })??;
            }
            // Said once, where it matters: a sign-in that works now and is gone at exit.
            Err(problem) if !self.said_unkept.swap(true, Ordering::Relaxed) => {
                tracing::warn!("signed in to {provider} until AgentDesk exits only: {problem}");
            }
            Err(_) => {}
        }
        locked(&self.cache).insert(provider.to_owned(), tokens);
        self.announce(provider);
        Ok(token)
    }

    async fn load(&self, provider: &str) -> Result<Option<TokenSet>, IdentityError> {
        let Ok(vault) = self.keyring().await else {
            return Ok(locked(&self.cache).get(provider).cloned());
        };
        let name = provider.to_owned();
        Ok(tokio::task::spawn_blocking(move || tokens::load(&vault, &name)).await.map_err(
            |error| IdentityError::Unreachable {
                provider: "keyring".into(),
                detail: error.to_string(),
            },
        )??)
    }

    async fn forget(&self, provider: &str) -> Result<(), IdentityError> {
        locked(&self.cache).remove(provider);
        if let Ok(vault) = self.keyring().await {
            let name = provider.to_owned();
            tokio::task::spawn_blocking(move || tokens::delete(&vault, &name)).await.map_err(
                |error| IdentityError::Unreachable {
                    provider: "keyring".into(),
                    detail: error.to_string(),
                },
            )??;
        }
        Ok(())
    }

    async fn read_secret(&self, name: &str) -> Result<Option<Secret>, IdentityError> {
        let Ok(vault) = self.keyring().await else { return Ok(None) };
        let name = name.to_owned();
        let found =
            tokio::task::spawn_blocking(move || vault.secret(&name)).await.map_err(|error| {
                IdentityError::Unreachable { provider: "keyring".into(), detail: error.to_string() }
            })??;
        Ok(found.map(Secret::new))
    }

    async fn required_vault(&self) -> Result<Arc<Vault>, IdentityError> {
        self.keyring().await.map_err(|problem| IdentityError::Config {
            provider: "keyring".into(),
            problem: format!("secrets are not saved because the keyring is unusable: {problem}"),
        })
    }

    fn failed(&self, provider: &str, error: IdentityError) -> IdentityError {
        locked(&self.errors).insert(provider.to_owned(), error.to_string());
        self.announce(provider);
        error
    }

    /// The status from memory, sent to subscribers.
    fn announce(&self, provider: &str) -> ProviderStatus {
        let status = self.snapshot_now(provider, None);
        let _no_listeners = self.events.send(status.clone());
        status
    }

    async fn snapshot(&self, provider: &str) -> ProviderStatus {
        let kind = locked(&self.providers).get(provider).map(|settings| settings.kind);
        let key_stored = match kind {
            Some(ProviderKind::ApiKey) => Some(
                self.read_secret(&secret_entry(provider, ProviderKind::ApiKey))
                    .await
                    .ok()
                    .flatten()
                    .is_some(),
            ),
            _ => None,
        };
        self.snapshot_now(provider, key_stored)
    }

    fn snapshot_now(&self, provider: &str, key_stored: Option<bool>) -> ProviderStatus {
        let settings = locked(&self.providers).get(provider).cloned().unwrap_or_default();
        let tokens = locked(&self.cache).get(provider).cloned();
        let error = locked(&self.errors).get(provider).cloned();
        let at = self.now();
        let state = match (settings.kind, key_stored, &tokens, &error) {
            (ProviderKind::ApiKey, Some(true), ..) => SignInState::KeyStored,
            (ProviderKind::ApiKey, ..) => SignInState::KeyMissing,
            (_, _, _, Some(_)) => SignInState::Error,
            (_, _, Some(tokens), _) if tokens.is_fresh(at, 0) || tokens.refresh_token.is_some() => {
                SignInState::SignedIn
            }
            (_, _, Some(_), _) => SignInState::Expired,
            (_, _, None, _) => SignInState::NeedsSignIn,
        };
        ProviderStatus {
            provider: provider.to_owned(),
            kind: settings.kind.as_str().to_owned(),
            flow: settings.flow.as_str().to_owned(),
            state,
            signed_in_as: tokens.as_ref().and_then(|tokens| tokens.subject.clone()),
            scopes: tokens.as_ref().map(|tokens| tokens.scopes.clone()).unwrap_or_default(),
            expires_in: tokens.as_ref().and_then(|tokens| tokens.expires_in(at)),
            refreshable: tokens.as_ref().is_some_and(|tokens| tokens.refresh_token.is_some()),
            error,
            // Until the keyring is first needed, nothing says it will not keep them.
            persisted: self.vault.get().is_none() || self.known_keyring().is_some(),
        }
    }
}

/// A keyring problem with what to do about it, in one line.
fn explained(error: &VaultError) -> String {
    format!("{error}. {}", error.fix())
}

/// The keyring entry of a provider's client secret or API key.
fn secret_entry(provider: &str, kind: ProviderKind) -> String {
    match kind {
        ProviderKind::OAuth => format!("client-secret.{provider}"),
        ProviderKind::ApiKey => format!("api-key.{provider}"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::{Identity, SystemBrowser, TokenRequest};
    use crate::{IdentityError, ProviderSettings, VaultError};

    #[tokio::test]
    async fn a_provider_added_at_run_time_outlives_a_new_configuration() {
        let no_keyring = Err(VaultError::Unsupported { backend: "test" });
        let identity = Identity::new(BTreeMap::new(), no_keyring, Arc::new(SystemBrowser));
        let settings = ProviderSettings {
            issuer: "https://idp.example".into(),
            client_id: "registered".into(),
            ..ProviderSettings::default()
        };
        identity.add_provider("mcp.gateway", settings);
        identity.set_providers(BTreeMap::new());
        let asked = identity.access_token("mcp.gateway", &TokenRequest::default()).await;
        assert!(
            matches!(asked, Err(IdentityError::NeedsSignIn { .. })),
            "still known, not yet signed in: {asked:?}"
        );
    }
}
