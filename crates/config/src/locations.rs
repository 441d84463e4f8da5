//! Where the config file, the data folder and the cache folder are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::ConfigError;
use crate::settings::Settings;

/// The folder name used under each platform folder.
const APP_FOLDER: &str = "agentdesk";
/// The variable naming the config file.
const CONFIG_VAR: &str = "AGENTDESK_CONFIG";

/// The `AGENTDESK_*` environment variables, captured once so that code and tests read the
/// same snapshot (and tests never mutate the process environment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    vars: BTreeMap<String, String>,
}

impl Environment {
    /// The `AGENTDESK_*` variables of this process. Values that are not valid Unicode are
    /// kept out, and reported by nobody: such a variable could not name a setting.
    pub fn from_process() -> Environment {
        Environment::from_pairs(std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        }))
    }

    /// An environment made of the given pairs; names not starting with `AGENTDESK_` are
    /// dropped.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Environment {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(k, _)| k.starts_with("AGENTDESK_"))
            .collect();
        Environment { vars }
    }

    /// The value of one variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

/// Folders given on the command line (`--config`, `--data-dir`, `--cache-dir`); they win
/// over the environment and the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// The config file to use.
    pub config_file: Option<PathBuf>,
    /// The data folder to use.
    pub data_dir: Option<PathBuf>,
    /// The cache folder to use.
    pub cache_dir: Option<PathBuf>,
}

/// Where everything is, once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    /// The config file (it may not exist yet).
    pub config_file: PathBuf,
    /// The data folder: `agentdesk.db`, logs, runtimes, sandbox files.
    pub data_dir: PathBuf,
    /// The cache folder: compiled modules and other rebuildable files.
    pub cache_dir: PathBuf,
}

impl Locations {
    /// The folder holding the rotating log files.
    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// The config file: `--config`, else `AGENTDESK_CONFIG`, else the platform's config
    /// folder.
    pub fn config_file(overrides: &Overrides, env: &Environment) -> Result<PathBuf, ConfigError> {
        if let Some(file) = &overrides.config_file {
            return Ok(absolute(file));
        }
        if let Some(file) = env.get(CONFIG_VAR).filter(|v| !v.is_empty()) {
            return Ok(absolute(Path::new(file)));
        }
        dirs::config_dir().map(|dir| dir.join(APP_FOLDER).join("config.toml")).ok_or(
            ConfigError::NoPlatformFolder {
                what: "config",
                variable: CONFIG_VAR,
                flag: "--config",
            },
        )
    }

    /// Resolves the data and cache folders: command-line flags, else the effective settings
    /// (which already include `AGENTDESK_DATA_DIR` / `AGENTDESK_CACHE_DIR`), else the
    /// platform folders. Relative folders in the file are relative to the file's folder.
    pub fn resolve(
        config_file: PathBuf,
        overrides: &Overrides,
        settings: &Settings,
    ) -> Result<Locations, ConfigError> {
        let base = config_file.parent().map(Path::to_path_buf).unwrap_or_default();
        let pick = |flag: &Option<PathBuf>, setting: &Option<PathBuf>| {
            flag.as_deref()
                .map(absolute)
                .or_else(|| setting.as_deref().map(|folder| expand(&base, folder)))
        };
        let data_dir = match pick(&overrides.data_dir, &settings.data_dir) {
            Some(dir) => dir,
            None => dirs::data_dir().map(|dir| dir.join(APP_FOLDER)).ok_or(
                ConfigError::NoPlatformFolder {
                    what: "data",
                    variable: "AGENTDESK_DATA_DIR",
                    flag: "--data-dir",
                },
            )?,
        };
        let cache_dir = match pick(&overrides.cache_dir, &settings.cache_dir) {
            Some(dir) => dir,
            None => dirs::cache_dir().map(|dir| dir.join(APP_FOLDER)).ok_or(
                ConfigError::NoPlatformFolder {
                    what: "cache",
                    variable: "AGENTDESK_CACHE_DIR",
                    flag: "--cache-dir",
                },
            )?,
        };
        Ok(Locations { config_file, data_dir, cache_dir })
    }
}

/// Makes a command-line path absolute against the current folder.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Expands `~/` and resolves a relative folder against `base`.
fn expand(base: &Path, folder: &Path) -> PathBuf {
    if let Ok(rest) = folder.strip_prefix("~")
        && let Some(home) = dirs::home_dir()
    {
        return home.join(rest);
    }
    if folder.is_absolute() { folder.to_path_buf() } else { base.join(folder) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_environment_for_the_config_file() {
        let env = Environment::from_pairs([("AGENTDESK_CONFIG", "/from/env.toml")]);
        let overrides =
            Overrides { config_file: Some("/from/flag.toml".into()), ..Overrides::default() };
        assert_eq!(
            Locations::config_file(&overrides, &env).ok(),
            Some(PathBuf::from("/from/flag.toml"))
        );
        assert_eq!(
            Locations::config_file(&Overrides::default(), &env).ok(),
            Some(PathBuf::from("/from/env.toml"))
        );
    }

    #[test]
    fn relative_folders_in_the_file_are_relative_to_the_file() {
        let settings = Settings { data_dir: Some("state".into()), ..Settings::default() };
        let locations = Locations::resolve(
            "/etc/agentdesk/config.toml".into(),
            &Overrides::default(),
            &settings,
        )
        .expect("resolve");
        assert_eq!(locations.data_dir, PathBuf::from("/etc/agentdesk/state"));
        assert_eq!(locations.log_dir(), PathBuf::from("/etc/agentdesk/state/logs"));
    }

    #[test]
    fn other_variables_are_not_captured() {
        let env = Environment::from_pairs([("HOME", "/root"), ("AGENTDESK_UI_THEME", "dark")]);
        assert_eq!(env.get("HOME"), None);
        assert_eq!(env.get("AGENTDESK_UI_THEME"), Some("dark"));
    }
}
