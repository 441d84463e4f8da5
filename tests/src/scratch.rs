//! A test's own config file, data and cache folders, and the app launched on them the way
//! every desktop test launches it; where screenshots go; one app at a time per test binary.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::{App, Launch, Result};

/// A temporary folder holding `config/config.toml`, `data/` and `cache/` (created on demand
/// by the app, except the config file when a test writes one).
#[derive(Debug)]
pub struct Scratch {
    dir: tempfile::TempDir,
    /// The config file the app is pointed at.
    pub config: PathBuf,
    /// The app's data folder.
    pub data: PathBuf,
    /// The app's cache folder.
    pub cache: PathBuf,
}

impl Scratch {
    /// Folders named, nothing written: the app starts as on a new machine.
    pub fn new() -> Result<Scratch> {
        let dir = tempfile::tempdir()?;
        let config = dir.path().join("config").join("config.toml");
        let data = dir.path().join("data");
        let cache = dir.path().join("cache");
        Ok(Scratch { dir, config, data, cache })
    }

    /// With a config file holding `text`.
    pub fn with_config(text: &str) -> Result<Scratch> {
        let scratch = Scratch::new()?;
        let folder = scratch.config.parent().ok_or("the config file has no folder")?;
        std::fs::create_dir_all(folder)?;
        std::fs::write(&scratch.config, text)?;
        Ok(scratch)
    }

    /// The temporary folder itself, for a test's other files.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the app on these folders with `extra` environment variables.
    pub fn launch(&self, extra: &[(&str, &str)]) -> Result<App> {
        self.launch_in(&self.data, &self.cache, extra)
    }

    /// Starts the app on this config file but other data and cache folders (a restart on
    /// another machine's folders, a runtime installed elsewhere).
    pub fn launch_in(&self, data: &Path, cache: &Path, extra: &[(&str, &str)]) -> Result<App> {
        let path = |p: &Path| p.display().to_string();
        let extra = extra.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned()));
        App::launch(&Launch {
            binary: Launch::workspace_binary(),
            env: extra
                .chain([
                    ("AGENTDESK_CONFIG".into(), path(&self.config)),
                    ("AGENTDESK_DATA_DIR".into(), path(data)),
                    ("AGENTDESK_CACHE_DIR".into(), path(cache)),
                    // "Follow the system" resolves to English unless a test asks otherwise.
                    ("LANG".into(), "C.UTF-8".into()),
                    ("LC_ALL".into(), "C.UTF-8".into()),
                    // Sign-in pages are completed by the tests, never in a real browser.
                    ("AGENTDESK_BROWSER".into(), "none".into()),
                ])
                .collect(),
        })
    }
}

/// Where a screenshot named `name` is kept for review: `target/e2e/NAME.png`.
pub fn screenshot(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e").join(format!("{name}.png"))
}

/// One app at a time: WebKit processes and their drivers at once on a 2-core machine only make
/// each test slower and start-up races likelier, and a test typing with xdotool types into
/// whatever window has focus.
static ONE_APP_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Holds the test binary's only app slot until dropped.
pub fn one_app_at_a_time() -> MutexGuard<'static, ()> {
    ONE_APP_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}
