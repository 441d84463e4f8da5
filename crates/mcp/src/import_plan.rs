//! Importing another client's `mcpServers` file, in two steps: [`ImportPlan::read`] decides
//! what each server would become (added, or skipped and why) without touching anything, and
//! [`ImportPlan::apply`] carries that out — secrets into the keyring first, then the server's
//! table into the config file. The CLI's `mcp import-claude-config` and the desktop's
//! Connections page both import this way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use agentdesk_config::{ConfigFile, McpServerSettings};
use agentdesk_identity::{Secret, Vault};
use serde::Serialize;
use ts_rs::TS;

use crate::McpError;
use crate::import::{Imported, read_client_config};
use crate::secrets::{ServerSecret, save_server};

/// What becomes of one server in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export_to = "Mcp.ts")]
pub enum ImportAction {
    /// It is added (before [`ImportPlan::apply`]: it would be).
    Add,
    /// A server of that name is configured here already; it is left as it is.
    AlreadyConfigured,
    /// Its entry cannot be used; the notes say why.
    Unusable,
    /// Adding it failed (its secrets could not be kept, or the config file not written); the
    /// notes say why, and nothing of it was saved.
    Failed,
}

/// One server of the file, as the preview and the outcome show it. Holds no secret value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Mcp.ts")]
pub struct ImportItem {
    /// The server's name.
    pub name: String,
    /// Where it is: its URL, or the command line that starts it.
    pub target: String,
    /// What becomes of it.
    pub action: ImportAction,
    /// The variables and headers whose values go to the keyring instead of the config file
    /// (their names only).
    pub secrets: Vec<String>,
    /// What could not be carried over, or why it cannot be used.
    pub notes: Vec<String>,
}

/// Everything a file holds, and what importing it does (or did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Mcp.ts")]
pub struct ImportPreview {
    /// The file read.
    pub path: String,
    /// Whether the file exists; when it does not, there is nothing to import.
    pub found: bool,
    /// Whether these are outcomes (the import ran) rather than a preview.
    pub done: bool,
    /// Every server in the file, by name.
    pub items: Vec<ImportItem>,
}

/// The servers of one file and what importing each would do.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    path: PathBuf,
    found: bool,
    servers: Vec<(Imported, ImportAction)>,
}

impl ImportPlan {
    /// Reads `path` and decides each server's fate against the servers configured here
    /// (`existing`). A missing file is a plan with nothing in it ([`ImportPreview::found`]
    /// false); an unreadable or malformed one is an error naming the file.
    pub fn read(
        path: &Path,
        existing: &BTreeMap<String, McpServerSettings>,
    ) -> Result<ImportPlan, McpError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ImportPlan { path: path.to_owned(), found: false, servers: Vec::new() });
            }
            Err(error) => {
                return Err(McpError::Import {
                    message: format!("cannot read {}: {error}", path.display()),
                });
            }
        };
        let imported = read_client_config(&text).map_err(|error| McpError::Import {
            message: format!("{}: {error}", path.display()),
        })?;
        let servers = imported
            .into_iter()
            .map(|server| {
                let action = if existing.contains_key(&server.name) {
                    ImportAction::AlreadyConfigured
                } else if server.usable {
                    ImportAction::Add
                } else {
                    ImportAction::Unusable
                };
                (server, action)
            })
            .collect();
        Ok(ImportPlan { path: path.to_owned(), found: true, servers })
    }

    /// Whether the file exists.
    pub fn found(&self) -> bool {
        self.found
    }

    /// Whether any server in it has secrets for the keyring, so a vault is needed to apply it.
    pub fn needs_keyring(&self) -> bool {
        self.servers
            .iter()
            .any(|(server, action)| *action == ImportAction::Add && !server.secrets.is_empty())
    }

    /// What importing would do, for the user to look at first.
    pub fn preview(&self) -> ImportPreview {
        ImportPreview {
            path: self.path.display().to_string(),
            found: self.found,
            done: false,
            items: self.servers.iter().map(|(server, action)| item(server, *action)).collect(),
        }
    }

    /// Adds every server marked [`ImportAction::Add`]: its secrets into `vault`, then its
    /// table into `file`. A server whose secrets cannot be kept is not saved (it is marked
    /// [`ImportAction::Failed`], saying why) and the others still are.
    pub fn apply(self, file: &ConfigFile, vault: Option<&Vault>) -> ImportPreview {
        let path = self.path.display().to_string();
        let items = self
            .servers
            .into_iter()
            .map(|(server, action)| {
                if action != ImportAction::Add {
                    return item(&server, action);
                }
                match add(&server, file, vault) {
                    Ok(()) => item(&server, ImportAction::Add),
                    Err(why) => {
                        let mut failed = item(&server, ImportAction::Failed);
                        failed.notes.push(why);
                        failed
                    }
                }
            })
            .collect();
        ImportPreview { path, found: self.found, done: true, items }
    }
}

fn add(server: &Imported, file: &ConfigFile, vault: Option<&Vault>) -> Result<(), String> {
    let settings = &server.settings;
    let value = |entry: String| {
        server.secrets.iter().find(|(stored, _)| *stored == entry).map(|(_, value)| value)
    };
    // The settings name each secret; the import holds their values by keyring entry.
    let headers = settings.secret_headers.iter().filter_map(|header| {
        let value = value(McpServerSettings::header_entry(&server.name, header))?;
        Some(ServerSecret::header(header, Secret::new(value.as_str())))
    });
    let variables = settings.secret_env.iter().filter_map(|variable| {
        let value = value(McpServerSettings::env_entry(&server.name, variable))?;
        Some(ServerSecret::env(variable, Secret::new(value.as_str())))
    });
    let secrets: Vec<ServerSecret> = headers.chain(variables).collect();
    save_server(file, vault, &server.name, settings.clone(), &secrets)
        .map(|_saved| ())
        .map_err(|error| error.to_string())
}

fn item(server: &Imported, action: ImportAction) -> ImportItem {
    let settings = &server.settings;
    let target = if settings.url.is_empty() {
        std::iter::once(settings.command.as_str())
            .chain(settings.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        settings.url.clone()
    };
    ImportItem {
        name: server.name.clone(),
        target,
        action,
        secrets: settings.secret_env.iter().chain(&settings.secret_headers).cloned().collect(),
        notes: server.notes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use agentdesk_config::{ConfigFile, McpServerSettings};

    use super::{ImportAction, ImportPlan};

    const FILE: &str = r#"{"mcpServers": {
        "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_secret"}},
        "mine": {"url": "https://mine.example/mcp"},
        "broken": {"args": 3}
    }}"#;

    #[test]
    fn the_preview_says_what_is_added_and_why_the_rest_is_skipped() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("claude_desktop_config.json");
        std::fs::write(&path, FILE).expect("write");
        let existing = BTreeMap::from([("mine".to_owned(), McpServerSettings::default())]);
        let plan = ImportPlan::read(&path, &existing).expect("read");
        let preview = plan.preview();
        assert!(preview.found && !preview.done);
        let action = |name: &str| {
            preview.items.iter().find(|item| item.name == name).map(|item| item.action)
        };
        assert_eq!(action("files"), Some(ImportAction::Add));
        assert_eq!(action("mine"), Some(ImportAction::AlreadyConfigured));
        assert_eq!(action("broken"), Some(ImportAction::Unusable));
        let github = preview.items.iter().find(|item| item.name == "github").expect("github");
        assert_eq!(github.secrets, ["GITHUB_PERSONAL_ACCESS_TOKEN"]);
        assert_eq!(github.target, "npx -y @modelcontextprotocol/server-github");
        assert!(!format!("{preview:?}").contains("ghp_secret"), "no secret value is shown");
        assert!(plan.needs_keyring());

        // Without a keyring, the server with a secret is not saved; the others are.
        let config = folder.path().join("config.toml");
        let done = plan.apply(&ConfigFile::new(config.clone()), None);
        assert!(done.done);
        let outcome =
            |name: &str| done.items.iter().find(|item| item.name == name).map(|item| item.action);
        assert_eq!(outcome("files"), Some(ImportAction::Add));
        assert_eq!(outcome("github"), Some(ImportAction::Failed));
        let written = std::fs::read_to_string(&config).expect("config written");
        assert!(written.contains("[mcp_servers.files]"), "{written}");
        assert!(!written.contains("github") && !written.contains("ghp_secret"), "{written}");
    }

    #[test]
    fn a_missing_file_is_nothing_to_import_and_a_malformed_one_is_named() {
        let folder = tempfile::tempdir().expect("temp dir");
        let missing = folder.path().join("absent.json");
        let plan = ImportPlan::read(&missing, &BTreeMap::new()).expect("no file is no error");
        assert!(!plan.preview().found && plan.preview().items.is_empty());
        let malformed = folder.path().join("bad.json");
        std::fs::write(&malformed, "[1, 2]").expect("write");
        let error = ImportPlan::read(&malformed, &BTreeMap::new()).expect_err("malformed");
        assert!(error.to_string().contains("bad.json"), "{error}");
    }
}
