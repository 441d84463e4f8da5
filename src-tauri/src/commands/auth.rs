//! Sign-in: every provider's status, sign in, sign out; providers added, checked against
//! their published metadata, edited and removed (the GUI twin of `agentdesk auth add|remove`,
//! through the same library calls). Changes reach the window as
//! [`AUTH_CHANGED`](crate::AUTH_CHANGED) events: statuses, and where to finish a sign-in (the
//! browser page, or a device code).

use std::collections::BTreeMap;
use std::sync::Arc;

use agentdesk_config::ConfigFile;
use agentdesk_identity::{
    DeviceCode, DiscoveryReport, Interaction, ProviderSettings, ProviderStatus, Secret,
    SystemBrowser,
};
use serde::Serialize;
use tauri::State;
use tokio::sync::broadcast;
use ts_rs::TS;

use crate::{ApiError, AppState, ErrorCode};

/// Something the Sign-in section should show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[ts(export_to = "Identity.ts")]
pub enum AuthEvent {
    /// A provider's status changed.
    Status {
        /// Its new status.
        status: ProviderStatus,
    },
    /// A browser sign-in started: the page to finish it on (also opened in the browser,
    /// unless `AGENTDESK_BROWSER=none`).
    Browser {
        /// The provider.
        provider: String,
        /// The provider's sign-in page.
        url: String,
    },
    /// A device sign-in started: the code to enter, and where.
    DeviceCode {
        /// The provider.
        provider: String,
        /// The code.
        user_code: String,
        /// Where to enter it.
        verification_uri: String,
    },
}

/// What the Sign-in section shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Identity.ts")]
pub struct AuthView {
    /// Every configured provider.
    pub providers: Vec<ProviderStatus>,
    /// How each configured provider is set up, by name (never a secret), for editing.
    pub settings: BTreeMap<String, ProviderSettings>,
    /// The providers whose client secret or API key is in the keyring (names only).
    pub secrets_stored: Vec<String>,
    /// Why tokens are not kept between runs, when the keyring is unusable.
    pub vault_problem: Option<String>,
}

/// Tells the window where to finish a sign-in, and opens the browser.
#[derive(Debug)]
pub(crate) struct WindowInteraction {
    pub(crate) events: broadcast::Sender<AuthEvent>,
}

impl Interaction for WindowInteraction {
    fn open_browser(&self, provider: &str, url: &str) -> Result<(), String> {
        let _no_window = self
            .events
            .send(AuthEvent::Browser { provider: provider.to_owned(), url: url.to_owned() });
        if std::env::var("AGENTDESK_BROWSER").is_ok_and(|value| value == "none") {
            return Ok(());
        }
        // The page shows the address too, so a browser that will not open is no dead end.
        if let Err(error) = SystemBrowser.open_browser(provider, url) {
            tracing::warn!("{error}");
        }
        Ok(())
    }

    fn show_device_code(&self, provider: &str, code: &DeviceCode) {
        let _no_window = self.events.send(AuthEvent::DeviceCode {
            provider: provider.to_owned(),
            user_code: code.user_code.clone(),
            verification_uri: code.verification_uri.clone(),
        });
    }
}

/// Every provider's status.
#[tauri::command]
pub(crate) async fn auth_view(state: State<'_, AppState>) -> Result<AuthView, ApiError> {
    Ok(view(&state).await)
}

async fn view(state: &AppState) -> AuthView {
    let identity = state.identity().await;
    let mut providers = identity.statuses().await;
    // MCP servers' own sign-ins (`mcp.NAME`) are shown and managed on the Connections page.
    providers.retain(|status| !status.provider.starts_with("mcp."));
    let settings = state.loaded().settings.providers.clone();
    let mut secrets_stored = Vec::new();
    for name in settings.keys() {
        // A keyring that cannot be read shows as "no secret"; the vault problem says why.
        if identity.has_secret(name).await.unwrap_or(false) {
            secrets_stored.push(name.clone());
        }
    }
    AuthView { providers, settings, secrets_stored, vault_problem: identity.vault_problem().await }
}

/// Checks a provider's settings, saved or not, against the metadata its issuer publishes
/// (fetched now): what was found, and what would stop a sign-in.
#[tauri::command]
pub(crate) async fn auth_check_provider(
    name: String,
    settings: ProviderSettings,
) -> DiscoveryReport {
    agentdesk_identity::check_discovery(name.trim(), &settings).await
}

/// Adds provider `name`, or replaces its settings, in the config file; `secret` (a client
/// secret or an API key), when given, goes to the keyring. Tokens issued under the old
/// settings are revoked and forgotten first
/// ([`agentdesk_identity::Identity::settings_changing`]).
#[tauri::command]
pub(crate) async fn auth_save_provider(
    state: State<'_, AppState>,
    name: String,
    settings: ProviderSettings,
    secret: Option<String>,
) -> Result<AuthView, ApiError> {
    let name = name.trim().to_owned();
    let problems = settings.problems(&name);
    if !problems.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidValue, problems.join("\n")));
    }
    let secret = secret.as_deref().map(checked_secret).transpose()?.flatten();
    let identity = state.identity().await;
    identity.settings_changing(&name, &settings).await.map_err(identity_error)?;
    ConfigFile::new(state.loaded().locations.config_file.clone())
        .save_provider(&name, &settings)?;
    state.reload()?;
    if let Some(secret) = secret {
        identity.store_secret(&name, secret).await.map_err(|error| {
            let mut error = identity_error(error);
            error.message =
                format!("the provider was saved, but its secret was not: {}", error.message);
            error
        })?;
    }
    Ok(view(&state).await)
}

/// Removes provider `name`: signs out (revoking its tokens where the provider can), deletes
/// its tokens and secrets from the keyring, then its table from the config file.
#[tauri::command]
pub(crate) async fn auth_remove_provider(
    state: State<'_, AppState>,
    name: String,
) -> Result<AuthView, ApiError> {
    if !state.loaded().settings.providers.contains_key(&name) {
        return Err(identity_error(agentdesk_identity::IdentityError::UnknownProvider(name)));
    }
    let identity = state.identity().await;
    identity.forget_provider(&name).await.map_err(identity_error)?;
    ConfigFile::new(state.loaded().locations.config_file.clone()).remove_provider(&name)?;
    state.reload()?;
    Ok(view(&state).await)
}

/// A pasted secret, trimmed; `None` for nothing at all. Refused when it has inner spaces,
/// which a key or client secret never has (a paste that took more than the secret).
fn checked_secret(secret: &str) -> Result<Option<Secret>, ApiError> {
    let secret = secret.trim();
    if secret.is_empty() {
        return Ok(None);
    }
    if secret.contains(char::is_whitespace) {
        return Err(ApiError::new(
            ErrorCode::InvalidValue,
            "a secret is one word with no spaces: paste it again",
        ));
    }
    Ok(Some(Secret::new(secret)))
}

/// Signs in to `provider` with its flow; returns once the user has finished (or it failed).
#[tauri::command]
pub(crate) async fn auth_sign_in(
    state: State<'_, AppState>,
    provider: String,
) -> Result<ProviderStatus, ApiError> {
    let identity = state.identity().await;
    identity.sign_in(&provider, None).await.map_err(identity_error)
}

/// Signs out of `provider`: revokes and deletes its tokens.
#[tauri::command]
pub(crate) async fn auth_sign_out(
    state: State<'_, AppState>,
    provider: String,
) -> Result<ProviderStatus, ApiError> {
    let identity = state.identity().await;
    identity.sign_out(&provider).await.map_err(identity_error)
}

/// Stores a provider's client secret (OAuth) or API key in the keyring; never in the config.
#[tauri::command]
pub(crate) async fn auth_store_secret(
    state: State<'_, AppState>,
    provider: String,
    secret: String,
) -> Result<ProviderStatus, ApiError> {
    let Some(secret) = checked_secret(&secret)? else {
        return Err(ApiError::new(ErrorCode::InvalidValue, "the secret is empty: paste it first"));
    };
    let identity = state.identity().await;
    identity.store_secret(&provider, secret).await.map_err(identity_error)?;
    Ok(identity.status(&provider).await)
}

fn identity_error(error: agentdesk_identity::IdentityError) -> ApiError {
    use agentdesk_identity::IdentityError;
    let code = match &error {
        IdentityError::UnknownProvider(_) => ErrorCode::NotFound,
        IdentityError::Config { .. } => ErrorCode::InvalidValue,
        IdentityError::Vault(_) => ErrorCode::Keyring,
        _ => ErrorCode::SignIn,
    };
    ApiError::new(code, error.to_string())
}

/// Forwards the identity service's status changes to `events`, for as long as both live.
pub(crate) fn forward_statuses(
    identity: &Arc<agentdesk_identity::Identity>,
    events: broadcast::Sender<AuthEvent>,
) {
    let mut statuses = identity.subscribe();
    tokio::spawn(async move {
        loop {
            match statuses.recv().await {
                Ok(status) => {
                    let _no_window = events.send(AuthEvent::Status { status });
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
