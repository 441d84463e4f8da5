//! Saving a server together with its secrets: [`save_server`] keeps each secret header's or
//! variable's value in the keyring first (under [`McpServerSettings::header_entry`] or
//! [`McpServerSettings::env_entry`]), and only then writes the server's table, which names
//! them and holds no value. The CLI's `mcp add`, the import of another client's config and the
//! desktop's Connections page all save servers this way, so a secret never reaches the config
//! file and a server is never saved without the secrets it names.
//!
//! Values are held as [`Secret`]s and appear in no message and no log line.

use agentdesk_config::{ConfigError, ConfigFile, McpServerSettings};
use agentdesk_identity::{Secret, Vault, VaultError};

/// Whether a secret is sent as an HTTP header or set as an environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// An HTTP header on every request to a URL server (`Authorization`, `X-API-Key`).
    Header,
    /// An environment variable of a started server (`GITHUB_TOKEN`).
    Env,
}

/// One secret header or variable of a server, with its value.
#[derive(Debug, Clone)]
pub struct ServerSecret {
    /// Header or variable.
    pub kind: SecretKind,
    /// The header's or variable's name.
    pub name: String,
    /// Its value, for the keyring only.
    pub value: Secret,
}

impl ServerSecret {
    /// A secret HTTP header.
    pub fn header(name: impl Into<String>, value: Secret) -> ServerSecret {
        ServerSecret { kind: SecretKind::Header, name: name.into(), value }
    }

    /// A secret environment variable.
    pub fn env(name: impl Into<String>, value: Secret) -> ServerSecret {
        ServerSecret { kind: SecretKind::Env, name: name.into(), value }
    }

    /// The keyring entry that holds it for server `server`.
    pub fn entry(&self, server: &str) -> String {
        match self.kind {
            SecretKind::Header => McpServerSettings::header_entry(server, &self.name),
            SecretKind::Env => McpServerSettings::env_entry(server, &self.name),
        }
    }

    fn what(&self) -> &'static str {
        match self.kind {
            SecretKind::Header => "secret header",
            SecretKind::Env => "secret environment variable",
        }
    }
}

/// Why a server was not saved. In every case nothing of it was saved: not its table, and no
/// secret left behind in the keyring. No message contains a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SaveError {
    /// The settings or a secret's name or value cannot be used.
    #[error("{message}; nothing was saved")]
    Invalid {
        /// What is wrong, naming the field or the secret.
        message: String,
    },
    /// The server has secrets and no keyring could be opened.
    #[error(
        "{server}: {entry} needs the OS keyring, which is not usable here: see `agentdesk doctor`, \
         or set keyring.store = \"keyutils\"; nothing was saved"
    )]
    NoKeyring {
        /// The server.
        server: String,
        /// The first keyring entry that could not be kept.
        entry: String,
    },
    /// The keyring refused a secret.
    #[error("{server}: cannot keep {entry} in the keyring: {source}. {}; nothing was saved", source.fix())]
    Keyring {
        /// The server.
        server: String,
        /// The keyring entry that could not be kept.
        entry: String,
        /// The keyring's error (never holding the value).
        #[source]
        source: VaultError,
    },
    /// The config file could not be written; the secrets just stored were taken back.
    #[error("{server}: {source}; nothing was saved")]
    Config {
        /// The server.
        server: String,
        /// The config file's error.
        #[source]
        source: ConfigError,
    },
}

/// Saves server `server`: each of `secrets` into `vault`, its name recorded in the settings
/// (`secret_headers` or `secret_env`), then the settings into `file`. Returns the settings as
/// saved.
///
/// Everything is checked before anything is written: the settings' own problems, and each
/// secret's name (not empty, a valid header or variable name, not given twice, not also a
/// plain header or variable) and value (not empty; one line for a header). When a secret
/// cannot be kept or the file cannot be written, the secrets already stored by this call are
/// put back as they were, and the error names the entry and what to do.
pub fn save_server(
    file: &ConfigFile,
    vault: Option<&Vault>,
    server: &str,
    mut settings: McpServerSettings,
    secrets: &[ServerSecret],
) -> Result<McpServerSettings, SaveError> {
    check(server, &settings, secrets)?;
    for secret in secrets {
        let names = match secret.kind {
            SecretKind::Header => &mut settings.secret_headers,
            SecretKind::Env => &mut settings.secret_env,
        };
        if !names.iter().any(|name| same_name(secret.kind, name, &secret.name)) {
            names.push(secret.name.clone());
        }
    }
    if let Some(problem) = settings.problems(server).into_iter().next() {
        return Err(SaveError::Invalid { message: problem });
    }
    let stored = match vault {
        _ if secrets.is_empty() => Stored::new(),
        Some(vault) => store(vault, server, secrets)?,
        None => {
            return Err(SaveError::NoKeyring {
                server: server.to_owned(),
                entry: secrets[0].entry(server),
            });
        }
    };
    if let Err(source) = file.save_mcp_server(server, &settings) {
        if let Some(vault) = vault {
            restore(vault, &stored);
        }
        return Err(SaveError::Config { server: server.to_owned(), source });
    }
    Ok(settings)
}

/// The entries written, each with the value it had before (to put back on failure).
type Stored = Vec<(String, Option<String>)>;

/// Writes every secret. On a failure, puts back what it wrote and names the entry.
fn store(vault: &Vault, server: &str, secrets: &[ServerSecret]) -> Result<Stored, SaveError> {
    let mut stored: Stored = Vec::new();
    for secret in secrets {
        let entry = secret.entry(server);
        let written = vault
            .secret(&entry)
            .and_then(|before| vault.set_secret(&entry, secret.value.expose()).map(|()| before));
        match written {
            Ok(before) => stored.push((entry, before)),
            Err(source) => {
                restore(vault, &stored);
                return Err(SaveError::Keyring { server: server.to_owned(), entry, source });
            }
        }
    }
    Ok(stored)
}

/// Puts each entry back as it was (best effort: the keyring just failed once).
fn restore(vault: &Vault, stored: &[(String, Option<String>)]) {
    for (entry, before) in stored {
        let restored = match before {
            Some(value) => vault.set_secret(entry, value),
            None => vault.delete_secret(entry).map(|_| ()),
        };
        if let Err(error) = restored {
            tracing::warn!(%entry, %error, "could not take back a secret after a failed save");
        }
    }
}

fn same_name(kind: SecretKind, a: &str, b: &str) -> bool {
    match kind {
        // Header names are case-insensitive, and so are their keyring entries.
        SecretKind::Header => a.eq_ignore_ascii_case(b),
        SecretKind::Env => a == b,
    }
}

/// Whether `name` is an HTTP header name (an RFC 9110 token).
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

/// Whether `name` can name an environment variable portably (letters, digits and `_`, not
/// starting with a digit).
pub fn is_env_name(name: &str) -> bool {
    name.bytes().next().is_some_and(|first| !first.is_ascii_digit())
        && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

fn check(
    server: &str,
    settings: &McpServerSettings,
    secrets: &[ServerSecret],
) -> Result<(), SaveError> {
    let invalid = |message: String| Err(SaveError::Invalid { message });
    for (index, secret) in secrets.iter().enumerate() {
        let what = secret.what();
        let name = &secret.name;
        if name.trim().is_empty() {
            return invalid(format!("{server}: a {what} has no name"));
        }
        match secret.kind {
            SecretKind::Header if !is_header_name(name) => {
                return invalid(format!(
                    "{server}: {name:?} is not a header name: use letters, digits and '-' (such as X-API-Key)"
                ));
            }
            SecretKind::Env if !is_env_name(name) => {
                return invalid(format!(
                    "{server}: {name:?} is not a variable name: use letters, digits and '_', not starting with a digit (such as GITHUB_TOKEN)"
                ));
            }
            SecretKind::Header if settings.is_stdio() => {
                return invalid(format!(
                    "{server}: the secret header {name} is for a URL server; a started server gets secret environment variables"
                ));
            }
            SecretKind::Env if !settings.is_stdio() => {
                return invalid(format!(
                    "{server}: the secret environment variable {name} is for a started server; a URL server gets secret headers"
                ));
            }
            _ => {}
        }
        if secrets[..index].iter().any(|earlier| {
            earlier.kind == secret.kind && same_name(secret.kind, &earlier.name, name)
        }) {
            return invalid(format!("{server}: the {what} {name} is given twice"));
        }
        let plain = match secret.kind {
            SecretKind::Header => {
                settings.headers.keys().any(|plain| plain.eq_ignore_ascii_case(name))
            }
            SecretKind::Env => settings.env.contains_key(name),
        };
        if plain {
            return invalid(format!(
                "{server}: {name} is given both as a plain value and as a {what}: keep one"
            ));
        }
        let value = secret.value.expose();
        if value.trim().is_empty() {
            return invalid(format!("{server}: the {what} {name} has no value"));
        }
        if secret.kind == SecretKind::Header && value.contains(['\r', '\n', '\0']) {
            return invalid(format!(
                "{server}: the value of the secret header {name} must be one line"
            ));
        }
        if secret.kind == SecretKind::Env && value.contains('\0') {
            return invalid(format!(
                "{server}: the value of the secret environment variable {name} contains a NUL character"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use agentdesk_config::{ConfigFile, McpServerSettings};
    use agentdesk_identity::{KeyringBackend, Secret, Vault};

    use super::{SaveError, ServerSecret, is_env_name, is_header_name, save_server};

    fn url_server() -> McpServerSettings {
        McpServerSettings {
            url: "https://tools.example/mcp".into(),
            ..McpServerSettings::default()
        }
    }

    #[test]
    fn names_are_checked_before_anything_is_written() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("config.toml");
        let file = ConfigFile::new(path.clone());
        let refused = |settings: McpServerSettings, secrets: &[ServerSecret]| match save_server(
            &file, None, "tools", settings, secrets,
        ) {
            Err(SaveError::Invalid { message }) => message,
            other => panic!("expected a refusal, got {other:?}"),
        };
        let value = || Secret::new("tok-value-1");
        let message = refused(url_server(), &[ServerSecret::header("", value())]);
        assert!(message.contains("has no name"), "{message}");
        let message = refused(url_server(), &[ServerSecret::header("Bad Header", value())]);
        assert!(message.contains("not a header name"), "{message}");
        let twice = [
            ServerSecret::header("X-API-Key", value()),
            ServerSecret::header("x-api-key", value()),
        ];
        assert!(refused(url_server(), &twice).contains("given twice"));
        let empty = [ServerSecret::header("Authorization", Secret::new("  "))];
        assert!(refused(url_server(), &empty).contains("has no value"));
        let env = [ServerSecret::env("GITHUB_TOKEN", value())];
        assert!(refused(url_server(), &env).contains("for a started server"));
        let message =
            refused(url_server(), &[ServerSecret::header("Authorization", Secret::new("a\nb"))]);
        assert!(message.contains("one line"), "{message}");
        assert!(!path.exists(), "nothing was written");
        assert!(is_header_name("X-API-Key") && !is_header_name("X:Key"));
        assert!(is_env_name("GITHUB_TOKEN") && !is_env_name("1X") && !is_env_name("A-B"));
    }

    #[test]
    fn without_a_keyring_nothing_is_saved_and_the_entry_is_named() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("config.toml");
        let secrets = [ServerSecret::header("Authorization", Secret::new("Bearer tok-123"))];
        let error =
            save_server(&ConfigFile::new(path.clone()), None, "tools", url_server(), &secrets)
                .expect_err("no keyring");
        let message = error.to_string();
        assert!(message.contains("mcp.tools.header.authorization"), "{message}");
        assert!(message.contains("nothing was saved") && !message.contains("tok-123"), "{message}");
        assert!(!path.exists(), "nothing was written");
    }

    /// Runs against the real keyring (`scripts/in-test-keyring`, as `make test` does).
    #[test]
    fn secret_values_go_to_the_keyring_and_only_their_names_to_the_config_file() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("config.toml");
        let file = ConfigFile::new(path.clone());
        let vault = Vault::open(KeyringBackend::Os).expect("keyring");
        let server = format!("secrets-test-{}", std::process::id());
        let remote = McpServerSettings {
            url: "https://tools.example/mcp".into(),
            headers: [("X-Trace".to_owned(), "plain-visible".to_owned())].into(),
            ..McpServerSettings::default()
        };
        let secrets = [
            ServerSecret::header("Authorization", Secret::new("Bearer hdr-s3cr3t-1")),
            ServerSecret::header("X-API-Key", Secret::new("hdr-s3cr3t-2")),
        ];
        let saved = save_server(&file, Some(&vault), &server, remote, &secrets).expect("saved");
        assert_eq!(saved.secret_headers, ["Authorization", "X-API-Key"]);
        let local = McpServerSettings {
            command: "node".into(),
            args: vec!["server.js".into()],
            ..McpServerSettings::default()
        };
        let local_name = format!("{server}-local");
        let env = [ServerSecret::env("GITHUB_TOKEN", Secret::new("env-s3cr3t-3"))];
        save_server(&file, Some(&vault), &local_name, local, &env).expect("saved");

        let text = std::fs::read_to_string(&path).expect("config written");
        for value in ["hdr-s3cr3t-1", "hdr-s3cr3t-2", "env-s3cr3t-3"] {
            assert!(!text.contains(value), "no secret value in the config file: {text}");
        }
        assert!(text.contains("plain-visible") && text.contains("GITHUB_TOKEN"), "{text}");
        let read = file.read().0;
        assert_eq!(read.mcp_servers[&server].secret_headers, ["Authorization", "X-API-Key"]);
        assert_eq!(read.mcp_servers[&local_name].secret_env, ["GITHUB_TOKEN"]);
        let kept = |entry: String| vault.secret(&entry).expect("keyring read");
        let header = |name| McpServerSettings::header_entry(&server, name);
        assert_eq!(kept(header("Authorization")).as_deref(), Some("Bearer hdr-s3cr3t-1"));
        assert_eq!(kept(header("X-API-Key")).as_deref(), Some("hdr-s3cr3t-2"));
        let variable = McpServerSettings::env_entry(&local_name, "GITHUB_TOKEN");
        assert_eq!(kept(variable).as_deref(), Some("env-s3cr3t-3"));

        // A refused save writes nothing: not the table, not a secret.
        let refused = save_server(
            &file,
            Some(&vault),
            "refused",
            McpServerSettings {
                url: "http://remote.example/mcp".into(),
                ..McpServerSettings::default()
            },
            &[ServerSecret::header("Authorization", Secret::new("never-kept"))],
        )
        .expect_err("credentials over plain http");
        assert!(refused.to_string().contains("only over https://"), "{refused}");
        assert_eq!(kept(McpServerSettings::header_entry("refused", "Authorization")), None);
        assert!(!file.read().0.mcp_servers.contains_key("refused"));

        let saved = file.read().0.mcp_servers;
        for (name, settings) in [(&server, &saved[&server]), (&local_name, &saved[&local_name])] {
            for entry in settings.secret_entries(name) {
                vault.delete_secret(&entry).expect("clean up");
            }
        }
    }
}
