//! AgentDesk's Identity (AgentCore Identity on one machine): signing in to named providers
//! over OAuth 2.0 / OpenID Connect, keeping tokens and API keys in the OS keyring, and handing
//! any caller a valid access token with one call.
//!
//! Start reading at [`Identity::access_token`] (`service.rs`): memory cache → keyring →
//! refresh about a minute before an absolute expiry → interactive sign-in, with concurrent
//! callers sharing one refresh and a refused refresh clearing the tokens and asking once.
//! `oauth.rs` is the wire (discovery, PKCE, the grants, device authorization, revocation;
//! HTTPS only, except on this machine); `discovery.rs` checks a provider's settings against
//! its published metadata before they are saved ([`check_discovery`]); `loopback.rs` the
//! RFC 8252 redirect listener; `authorizer.rs` the inbound side — [`JwtAuthorizer`] checks
//! the bearer JWTs callers of the gateway and `agentdesk serve` present;
//! `tokens.rs` how tokens are kept (absolute expiry, split over several entries where a
//! keyring limits their size); `registration.rs` the metadata and dynamic client registration
//! an MCP server's sign-in starts from; `vault.rs` the keyring itself, which is probed (write, read,
//! delete) before it is trusted, because a keyring that exists but cannot store is common on
//! Linux desktops and servers. Provider settings ([`ProviderSettings`]) are the config file's
//! `[providers.NAME]` tables.
//!
//! Design decision: the backend is chosen explicitly rather than guessed. On Linux the
//! default is the Secret Service (it survives reboots); the kernel keyutils store is only
//! used when the user opts in, since it loses everything at reboot.
//!
//! Secrets are [`Secret`]s: they print as `***`, and no message, log line or status holds
//! one. This crate is a leaf: it must not depend on other AgentDesk crates, and never on
//! Tauri, GTK or WebKit.
#![deny(missing_docs)]

mod authorizer;
mod discovery;
mod error;
mod loopback;
mod oauth;
mod providers;
mod registration;
mod secret;
mod service;
mod tokens;
mod vault;

pub use authorizer::{Caller, JwtAuthorizer, JwtSettings, Refusal};
pub use discovery::{
    DiscoveredEndpoints, DiscoveryAttempt, DiscoveryFinding, DiscoveryReport, check_discovery,
};
pub use error::IdentityError;
pub use oauth::DeviceCode;
pub use providers::{AuthFlow, ProviderKind, ProviderSettings, is_provider_name, is_secure_url};
pub use registration::{AuthorizationServer, Registration};
pub use secret::Secret;
pub use service::{
    Identity, Interaction, ProviderStatus, REFRESH_MARGIN, SIGN_IN_PATIENCE, SignInState,
    SystemBrowser, TokenRequest,
};
pub use tokens::TokenSet;
pub use vault::{KeyringBackend, Vault, VaultError};
