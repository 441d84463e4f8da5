//! `[serve]`: how `agentdesk serve` meets the network — where it listens, who may call it
//! (`[serve.authorizer]`, the same JWT check as the gateway's), and how long a turn may run.
//!
//! ```toml
//! [serve]
//! listen = "0.0.0.0:8080"          # empty: 127.0.0.1:8080, or 0.0.0.0:8080 in a container
//! allow_unauthenticated = false    # needed to listen beyond loopback without an authorizer
//! request_timeout_seconds = 900
//!
//! [serve.authorizer]               # a bearer JWT from this issuer on every call but /ping
//! discovery_url = "https://issuer.example/.well-known/openid-configuration"
//! allowed_clients = ["m2m"]
//! ```

use agentdesk_identity::JwtSettings;
use serde::{Deserialize, Serialize};

/// The section's name in the config file.
pub(crate) const SECTION: &str = "serve";
/// The authorizer's table inside the section (`[serve.authorizer]`).
pub(crate) const AUTHORIZER: &str = "authorizer";
/// How long one invocation may run unless configured: AgentCore's request limit (15 min).
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u32 = 900;

/// `[serve]`: `agentdesk serve`'s address, inbound auth and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServeSettings {
    /// `HOST:PORT` to listen on; empty for 127.0.0.1:8080 (0.0.0.0:8080 in a container).
    pub listen: String,
    /// Accept callers without a token on an address beyond this machine when no authorizer
    /// is configured (logged loudly at start).
    pub allow_unauthenticated: bool,
    /// Seconds one invocation may run before it is cancelled.
    pub request_timeout_seconds: u32,
    /// The JWT check in front of every endpoint but `/ping` (`[serve.authorizer]`); `None`
    /// for none. Not sent to the desktop's settings page, which does not edit it.
    #[serde(default, skip_serializing)]
    pub authorizer: Option<JwtSettings>,
}

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            listen: String::new(),
            allow_unauthenticated: false,
            request_timeout_seconds: DEFAULT_REQUEST_TIMEOUT_SECONDS,
            authorizer: None,
        }
    }
}

/// Reads `[serve.authorizer]`, or says what is wrong with it.
pub(crate) fn read_authorizer(item: &toml_edit::Item) -> Result<JwtSettings, String> {
    let table = item
        .as_table_like()
        .map(|table| {
            table.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect::<toml_edit::Table>()
        })
        .ok_or_else(|| "must be a table: [serve.authorizer]".to_owned())?;
    let settings: JwtSettings = toml_edit::de::from_document(toml_edit::DocumentMut::from(table))
        .map_err(|error| error.message().to_owned())?;
    if settings.discovery_url.trim().is_empty() {
        return Err(
            "discovery_url is required: the issuer's /.well-known/openid-configuration URL".into(),
        );
    }
    if !crate::is_secure_url(&settings.discovery_url) {
        return Err(format!(
            "discovery_url {:?} must be https:// (http:// only on 127.0.0.1 or localhost)",
            settings.discovery_url
        ));
    }
    Ok(settings)
}

/// Whether `text` is a listen address: empty (the default) or `HOST:PORT` with an IP host.
pub(crate) fn is_listen_address(text: &str) -> bool {
    text.is_empty() || text.parse::<std::net::SocketAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use crate::ConfigFile;

    #[test]
    fn the_serve_section_and_its_authorizer_are_read_and_mistakes_are_named() {
        let folder = tempfile::tempdir().expect("temp");
        let path = folder.path().join("config.toml");
        std::fs::write(
            &path,
            "[serve]\nlisten = \"0.0.0.0:9000\"\nallow_unauthenticated = true\nrequest_timeout_seconds = 60\n\n[serve.authorizer]\ndiscovery_url = \"http://127.0.0.1:1/.well-known/openid-configuration\"\nallowed_clients = [\"m2m\"]\n",
        )
        .expect("write");
        let (settings, problems) = ConfigFile::new(path.clone()).read();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(settings.serve.listen, "0.0.0.0:9000");
        assert!(settings.serve.allow_unauthenticated);
        assert_eq!(settings.serve.request_timeout_seconds, 60);
        let authorizer = settings.serve.authorizer.expect("an authorizer");
        assert_eq!(authorizer.allowed_clients, ["m2m"]);

        std::fs::write(
            &path,
            "[serve]\nlisten = \"everywhere\"\nallow_unauthenticated = \"maybe\"\n\n[serve.authorizer]\ndiscovery_url = \"http://issuer.example/x\"\nallowed_client = []\n",
        )
        .expect("write");
        let (settings, problems) = ConfigFile::new(path.clone()).read();
        let keys: Vec<_> = problems.iter().filter_map(|problem| problem.key.clone()).collect();
        assert_eq!(
            keys,
            ["serve.authorizer", "serve.listen", "serve.allow_unauthenticated"],
            "{problems:?}"
        );
        assert!(problems[0].message.contains("allowed_client"), "{problems:?}");
        assert!(problems[1].message.contains("HOST:PORT"), "{problems:?}");
        assert_eq!(settings.serve, super::ServeSettings::default());

        ConfigFile::new(path.clone()).set("serve.allow_unauthenticated", "true").expect("set");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("allow_unauthenticated = true"), "a TOML boolean: {text}");
    }
}
