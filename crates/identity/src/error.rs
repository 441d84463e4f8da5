//! What can go wrong signing in or getting a token. Every message names the provider and,
//! when the provider refused, its own error and description; none ever holds a secret.

use crate::vault::VaultError;

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// No provider of that name is configured.
    #[error("no credential provider named {0:?}: add one with `agentdesk auth add`")]
    UnknownProvider(String),
    /// The provider's settings cannot work; says which field.
    #[error("provider {provider}: {problem}")]
    Config {
        /// The provider.
        provider: String,
        /// What is wrong and what to set.
        problem: String,
    },
    /// The provider answered with an OAuth error.
    #[error("{provider} refused: {error}{}", description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        /// The provider.
        provider: String,
        /// The OAuth error code (`invalid_client`, `invalid_grant`, `access_denied`…).
        error: String,
        /// The provider's own `error_description`.
        description: Option<String>,
    },
    /// The provider could not be reached, or answered with something that is not OAuth.
    #[error("cannot reach {provider}: {detail}")]
    Unreachable {
        /// The provider.
        provider: String,
        /// What went wrong.
        detail: String,
    },
    /// Signing in needs the user, and this caller cannot ask.
    #[error(
        "{provider} needs you to sign in: run `agentdesk auth login {provider}` or use Sign in in the app"
    )]
    NeedsSignIn {
        /// The provider.
        provider: String,
    },
    /// The browser sign-in did not complete.
    #[error("signing in to {provider} did not finish: {reason}")]
    SignInFailed {
        /// The provider.
        provider: String,
        /// Why (timed out, wrong state, the browser could not be opened…).
        reason: String,
    },
    /// The keyring failed; the tokens were not kept.
    #[error("{0}")]
    Vault(#[from] VaultError),
}

impl IdentityError {
    /// Whether this is the provider saying a refresh token (or code) is no longer good.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, IdentityError::Refused { error, .. } if error == "invalid_grant")
    }
}
