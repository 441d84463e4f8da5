//! AgentDesk's Identity: where secrets live and, later, how the user signs in.
//!
//! This crate owns the **token vault**: named secrets (tokens, client secrets, API keys) kept
//! in the operating system's keyring through `keyring-core`, never in files. Start reading at
//! [`Vault`]: open one for a [`KeyringBackend`], then [`Vault::probe`] it before trusting it,
//! because a keyring that exists but cannot store (locked, no Secret Service running, a
//! read-only session keyring) is common on Linux desktops and servers.
//!
//! Design decision: the backend is chosen explicitly rather than guessed. On Linux the
//! default is the Secret Service (it survives reboots); the kernel keyutils store is only
//! used when the user opts in, since it loses everything at reboot.
//!
//! This crate is a leaf: it must not depend on other AgentDesk crates, and never on
//! Tauri, GTK or WebKit.
#![deny(missing_docs)]

mod vault;

pub use vault::{KeyringBackend, Vault, VaultError};
