//! The token vault: named secrets in the OS keyring.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The keyring "service" every AgentDesk secret is filed under.
const SERVICE: &str = "agentdesk";

/// Which keyring holds AgentDesk's secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum KeyringBackend {
    /// The platform's own keyring: the Secret Service (GNOME Keyring, KWallet) on Linux.
    Os,
    /// The Linux kernel's keyutils session keyring. Lost at reboot: opt-in only.
    Keyutils,
}

impl KeyringBackend {
    /// Every backend, in the order a user is offered them.
    pub const ALL: [KeyringBackend; 2] = [KeyringBackend::Os, KeyringBackend::Keyutils];

    /// The name used in the config file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyringBackend::Os => "os",
            KeyringBackend::Keyutils => "keyutils",
        }
    }

    /// A human name for messages ("Secret Service", "kernel keyutils").
    pub fn display_name(self) -> &'static str {
        match self {
            KeyringBackend::Os if cfg!(target_os = "macos") => "macOS Keychain",
            KeyringBackend::Os if cfg!(windows) => "Windows Credential Manager",
            KeyringBackend::Os => "Secret Service",
            KeyringBackend::Keyutils => "kernel keyutils",
        }
    }

    /// Parses the config-file name of a backend.
    pub fn parse(name: &str) -> Option<KeyringBackend> {
        Self::ALL.into_iter().find(|backend| backend.as_str() == name)
    }
}

impl fmt::Display for KeyringBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong with the keyring. Messages never contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The keyring could not be reached or refused the operation.
    #[error("the {backend} keyring is not usable: {source}")]
    Unavailable {
        /// A human name of the backend.
        backend: &'static str,
        /// The keyring's own error.
        #[source]
        source: keyring_core::Error,
    },
    /// The keyring accepted a secret but gave back something else.
    #[error("the {backend} keyring returned a different value than was stored")]
    ReadBackMismatch {
        /// A human name of the backend.
        backend: &'static str,
    },
    /// This build has no support for the chosen backend on this platform.
    #[error("the {backend} keyring is not supported on this platform")]
    Unsupported {
        /// A human name of the backend.
        backend: &'static str,
    },
    /// The keyring could not be reached when it was first used; a vault tries once, so every
    /// later use gives the same reason.
    #[error("the {backend} keyring is not usable: {reason}")]
    Unreachable {
        /// A human name of the backend.
        backend: &'static str,
        /// What the keyring said when it was first asked.
        reason: String,
    },
}

impl VaultError {
    /// What the user can do about it, in one sentence.
    pub fn fix(&self) -> &'static str {
        match self {
            VaultError::Unavailable { .. }
            | VaultError::ReadBackMismatch { .. }
            | VaultError::Unreachable { .. }
                if cfg!(target_os = "linux") =>
            {
                "Start and unlock a Secret Service provider (GNOME Keyring or KWallet) in your \
                 desktop session, or set keyring.store = \"keyutils\" to keep secrets until the \
                 next reboot only."
            }
            VaultError::Unavailable { .. }
            | VaultError::ReadBackMismatch { .. }
            | VaultError::Unreachable { .. } => {
                "Unlock the system keychain and allow AgentDesk to use it."
            }
            VaultError::Unsupported { .. } => {
                "Choose keyring.store = \"os\", the keyring this platform supports."
            }
        }
    }
}

/// Secrets stored in one keyring under the `agentdesk` service, by name.
///
/// The keyring is reached on first use, not when the vault is made: a command that holds a
/// vault but never reads a secret (an estimate with an MCP server configured) never touches
/// the keyring, and never warns that it is missing.
pub struct Vault {
    backend: KeyringBackend,
    /// The connection, made once on first use; a failure is kept, as its message.
    store: OnceLock<Result<Arc<CredentialStore>, String>>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Vault {
    /// The keyring of `backend`, connected to on first use. Fails only when this platform
    /// has no such keyring. The first read or write may block briefly (a D-Bus round trip):
    /// make it off async executor threads.
    pub fn open(backend: KeyringBackend) -> Result<Vault, VaultError> {
        if !is_supported(backend) {
            return Err(VaultError::Unsupported { backend: backend.display_name() });
        }
        Ok(Vault { backend, store: OnceLock::new() })
    }

    /// The backend this vault writes to.
    pub fn backend(&self) -> KeyringBackend {
        self.backend
    }

    /// Stores `secret` under `name`, replacing any previous value.
    pub fn set_secret(&self, name: &str, secret: &str) -> Result<(), VaultError> {
        self.entry(name)?.set_password(secret).map_err(|e| self.unavailable(e))
    }

    /// Reads the secret stored under `name`, if any.
    pub fn secret(&self, name: &str) -> Result<Option<String>, VaultError> {
        match self.entry(name)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.unavailable(e)),
        }
    }

    /// Deletes the secret stored under `name`. Returns whether there was one.
    pub fn delete_secret(&self, name: &str) -> Result<bool, VaultError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(self.unavailable(e)),
        }
    }

    /// Proves the keyring works by writing, reading back and deleting a throwaway secret.
    ///
    /// A keyring that merely exists is not enough: a locked collection or a read-only
    /// session keyring accepts connections and then fails on the first write.
    pub fn probe(&self) -> Result<(), VaultError> {
        let name = format!("probe-{}-{}", std::process::id(), unique_suffix());
        let value = format!("agentdesk probe value {}", unique_suffix());
        self.set_secret(&name, &value)?;
        let read = self.secret(&name);
        let deleted = self.delete_secret(&name);
        match read? {
            Some(read) if read == value => {}
            _ => {
                return Err(VaultError::ReadBackMismatch { backend: self.backend.display_name() });
            }
        }
        deleted.map(|_| ())
    }

    fn entry(&self, name: &str) -> Result<Entry, VaultError> {
        let store = self
            .store
            .get_or_init(|| open_store(self.backend).map_err(|error| reason(&error)))
            .as_ref()
            .map_err(|reason| VaultError::Unreachable {
                backend: self.backend.display_name(),
                reason: reason.clone(),
            })?;
        Entry::new_in_store(store, SERVICE, name).map_err(|e| self.unavailable(e))
    }

    fn unavailable(&self, source: keyring_core::Error) -> VaultError {
        VaultError::Unavailable { backend: self.backend.display_name(), source }
    }
}

/// What the keyring said, without the "not usable" the caller's message adds again.
fn reason(error: &VaultError) -> String {
    match error {
        VaultError::Unavailable { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// Whether this build can open `backend` here at all.
fn is_supported(backend: KeyringBackend) -> bool {
    match backend {
        KeyringBackend::Os => cfg!(any(target_os = "linux", target_os = "macos", windows)),
        KeyringBackend::Keyutils => cfg!(target_os = "linux"),
    }
}

fn unique_suffix() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default()
}

#[cfg(target_os = "linux")]
fn open_store(backend: KeyringBackend) -> Result<Arc<CredentialStore>, VaultError> {
    let unavailable = |source| VaultError::Unavailable { backend: backend.display_name(), source };
    let store: Arc<CredentialStore> = match backend {
        KeyringBackend::Os => {
            zbus_secret_service_keyring_store::Store::new().map_err(unavailable)?
        }
        KeyringBackend::Keyutils => {
            linux_keyutils_keyring_store::Store::new().map_err(unavailable)?
        }
    };
    Ok(store)
}

// Written against the store crates' documented API; built and tested only on Linux here.
#[cfg(target_os = "macos")]
fn open_store(backend: KeyringBackend) -> Result<Arc<CredentialStore>, VaultError> {
    let unavailable = |source| VaultError::Unavailable { backend: backend.display_name(), source };
    match backend {
        KeyringBackend::Os => {
            let store: Arc<CredentialStore> =
                apple_native_keyring_store::keychain::Store::new().map_err(unavailable)?;
            Ok(store)
        }
        KeyringBackend::Keyutils => {
            Err(VaultError::Unsupported { backend: backend.display_name() })
        }
    }
}

// Windows Credential Manager caps a secret at about 2.5 KB: tokens.rs splits larger ones.
#[cfg(windows)]
fn open_store(backend: KeyringBackend) -> Result<Arc<CredentialStore>, VaultError> {
    let unavailable = |source| VaultError::Unavailable { backend: backend.display_name(), source };
    match backend {
        KeyringBackend::Os => {
            let store: Arc<CredentialStore> =
                windows_native_keyring_store::Store::new().map_err(unavailable)?;
            Ok(store)
        }
        KeyringBackend::Keyutils => {
            Err(VaultError::Unsupported { backend: backend.display_name() })
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn open_store(backend: KeyringBackend) -> Result<Arc<CredentialStore>, VaultError> {
    Err(VaultError::Unsupported { backend: backend.display_name() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_names_round_trip() {
        for backend in KeyringBackend::ALL {
            assert_eq!(KeyringBackend::parse(backend.as_str()), Some(backend));
        }
        assert_eq!(KeyringBackend::parse("plaintext"), None);
    }

    /// Regression (issue 16): every command printed two zbus warnings on a machine without a
    /// D-Bus session, because making a vault connected to the keyring.
    #[test]
    fn a_vault_reaches_the_keyring_on_first_use_and_keeps_the_reason() {
        let vault = Vault::open(KeyringBackend::Os).expect("supported here");
        assert!(vault.store.get().is_none(), "nothing is connected before a secret is asked for");
        let first = vault.secret("never-stored").map(|_| ()).map_err(|e| e.to_string());
        assert!(vault.store.get().is_some(), "the first use connects");
        let second = vault.secret("never-stored").map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(first, second, "one attempt per vault: a failure is kept, not retried");
    }
}
