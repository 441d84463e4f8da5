//! The doctor: one call that tells what works on this machine and what is missing, each
//! missing thing with its fix. `agentdesk doctor` and the desktop Status page both show
//! [`run`]'s [`Report`].
//!
//! Design decision: every check *does* the thing it vouches for — writes and deletes a file
//! in the data folder, writes, reads back and deletes a keyring secret — because a folder or
//! a keyring that exists but refuses writes is the common failure, and only an attempt
//! finds it.
//!
//! Each [`Check`] carries English text for the terminal and a stable `code` with `params` so
//! the desktop app can say the same thing in Japanese.
//!
//! This crate composes leaves (`config`, `identity`, `wasm-sandbox`, `memory`, `telemetry`); it
//! must not depend on
//! Tauri, GTK or WebKit.
#![deny(missing_docs)]

mod checks;

use std::collections::BTreeMap;

use agentdesk_config::Loaded;
use serde::Serialize;
use ts_rs::TS;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Doctor.ts")]
pub enum Status {
    /// Works.
    Ok,
    /// Works, with something the user should know.
    Warning,
    /// Does not work; the fix says what to do.
    Error,
}

/// One thing the doctor looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Doctor.ts")]
pub struct Check {
    /// Which check: `config`, `data_dir`, `cache_dir`, `keyring`, `sandbox`, `memory`,
    /// `traces`.
    pub id: String,
    /// How it came out.
    pub status: Status,
    /// A stable code for the outcome, e.g. `not_writable`; with `id` it names the message.
    pub code: String,
    /// Values the message refers to (`path`, `error`, `backend`…).
    pub params: BTreeMap<String, String>,
    /// What was found, in English.
    pub summary: String,
    /// What to do about it, in English, when there is something to do.
    pub fix: Option<String>,
}

/// A name and a version, e.g. `("agentdesk", "0.1.0")`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Doctor.ts")]
pub struct Version {
    /// What it is the version of.
    pub name: String,
    /// The version.
    pub value: String,
}

/// Everything the doctor found. This is also the stable `agentdesk doctor --json` shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Doctor.ts")]
pub struct Report {
    /// The checks, in a fixed order.
    pub checks: Vec<Check>,
    /// Versions of AgentDesk and what it runs on.
    pub versions: Vec<Version>,
}

impl Report {
    /// Whether any check failed outright.
    pub fn has_errors(&self) -> bool {
        self.checks.iter().any(|check| check.status == Status::Error)
    }
}

/// Runs every check. It blocks (file system and keyring round trips): call it off async
/// executor threads.
pub fn run(loaded: &Loaded) -> Report {
    let checks = vec![
        checks::config(loaded),
        checks::writable_folder("data_dir", &loaded.locations.data_dir),
        checks::writable_folder("cache_dir", &loaded.locations.cache_dir),
        checks::keyring(loaded.settings.keyring.store),
        checks::sandbox(&loaded.locations),
        checks::memory(&loaded.locations),
        checks::traces(loaded),
    ];
    let versions = vec![
        Version { name: "agentdesk".into(), value: env!("CARGO_PKG_VERSION").into() },
        Version {
            name: "platform".into(),
            value: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        },
    ];
    Report { checks, versions }
}
