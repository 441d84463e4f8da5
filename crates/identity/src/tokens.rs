//! A provider's tokens and how they are kept in the vault: one JSON document per provider,
//! split over several entries when it is larger than a keyring entry may be (Windows'
//! Credential Manager caps a secret at about 2.5 KB).

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::secret::Secret;
use crate::vault::{Vault, VaultError};

/// The largest piece stored in one keyring entry, in bytes: under Windows' limit with room
/// for its UTF-16 encoding.
pub(crate) const CHUNK: usize = 1200;

/// The tokens one sign-in gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSet {
    /// The access token.
    pub access_token: Secret,
    /// The refresh token, when the provider gave one.
    pub refresh_token: Option<Secret>,
    /// When the access token expires, in seconds since the Unix epoch (absolute, so it counts
    /// down across restarts); `None` when the provider did not say.
    pub expires_at: Option<u64>,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// Who signed in (the ID token's `email`, `preferred_username` or `sub`), for display.
    pub subject: Option<String>,
    /// When the tokens were issued, in seconds since the Unix epoch.
    pub issued_at: u64,
}

impl TokenSet {
    /// Seconds until the access token expires (negative once it has), if known.
    pub fn expires_in(&self, now: u64) -> Option<i64> {
        self.expires_at
            .map(|at| i64::try_from(at).unwrap_or(i64::MAX) - i64::try_from(now).unwrap_or(0))
    }

    /// Whether the access token is still good for at least `margin` seconds — or half its
    /// lifetime, for tokens that live less than twice the margin.
    pub fn is_fresh(&self, now: u64, margin: u64) -> bool {
        self.expires_at.is_none_or(|at| {
            let margin = margin.min(at.saturating_sub(self.issued_at) / 2);
            at > now.saturating_add(margin)
        })
    }

    /// Whether it was granted every scope in `wanted`.
    pub fn covers(&self, wanted: &[String]) -> bool {
        wanted.iter().all(|scope| self.scopes.contains(scope))
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or_default()
}

/// The stored form; only ever written to the keyring.
#[derive(Serialize, Deserialize)]
struct Stored {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_at: Option<u64>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    issued_at: u64,
}

fn entry(provider: &str) -> String {
    format!("oauth.{provider}")
}

/// Writes `tokens` for `provider`, replacing what was there.
pub(crate) fn store(vault: &Vault, provider: &str, tokens: &TokenSet) -> Result<(), VaultError> {
    let stored = Stored {
        access_token: tokens.access_token.expose().to_owned(),
        refresh_token: tokens.refresh_token.as_ref().map(|token| token.expose().to_owned()),
        expires_at: tokens.expires_at,
        scopes: tokens.scopes.clone(),
        subject: tokens.subject.clone(),
        issued_at: tokens.issued_at,
    };
    let json = serde_json::to_string(&stored).unwrap_or_default();
    store_chunked(vault, &entry(provider), &json, CHUNK)
}

/// Reads `provider`'s tokens; `None` when there are none or they cannot be read back.
pub(crate) fn load(vault: &Vault, provider: &str) -> Result<Option<TokenSet>, VaultError> {
    let Some(json) = load_chunked(vault, &entry(provider))? else { return Ok(None) };
    let Ok(stored) = serde_json::from_str::<Stored>(&json) else {
        tracing::warn!(provider, "the stored tokens are unreadable; signing in again");
        return Ok(None);
    };
    Ok(Some(TokenSet {
        access_token: Secret::new(stored.access_token),
        refresh_token: stored.refresh_token.map(Secret::new),
        expires_at: stored.expires_at,
        scopes: stored.scopes,
        subject: stored.subject,
        issued_at: stored.issued_at,
    }))
}

/// Deletes `provider`'s tokens; whether there were any.
pub(crate) fn delete(vault: &Vault, provider: &str) -> Result<bool, VaultError> {
    delete_chunked(vault, &entry(provider))
}

/// Short values go in one entry; longer ones as `chunks:N` there and the pieces in
/// `NAME.1` … `NAME.N`.
pub(crate) fn store_chunked(
    vault: &Vault,
    name: &str,
    value: &str,
    chunk: usize,
) -> Result<(), VaultError> {
    delete_chunked(vault, name)?;
    if value.len() <= chunk {
        return vault.set_secret(name, value);
    }
    let pieces = split(value, chunk);
    for (index, piece) in pieces.iter().enumerate() {
        vault.set_secret(&format!("{name}.{}", index + 1), piece)?;
    }
    vault.set_secret(name, &format!("chunks:{}", pieces.len()))
}

pub(crate) fn load_chunked(vault: &Vault, name: &str) -> Result<Option<String>, VaultError> {
    let Some(head) = vault.secret(name)? else { return Ok(None) };
    let Some(count) = head.strip_prefix("chunks:").and_then(|count| count.parse::<usize>().ok())
    else {
        return Ok(Some(head));
    };
    let mut value = String::new();
    for index in 1..=count {
        match vault.secret(&format!("{name}.{index}"))? {
            Some(piece) => value.push_str(&piece),
            None => return Ok(None),
        }
    }
    Ok(Some(value))
}

fn delete_chunked(vault: &Vault, name: &str) -> Result<bool, VaultError> {
    let head = vault.secret(name)?;
    if let Some(count) = head
        .as_deref()
        .and_then(|head| head.strip_prefix("chunks:"))
        .and_then(|count| count.parse::<usize>().ok())
    {
        for index in 1..=count {
            vault.delete_secret(&format!("{name}.{index}"))?;
        }
    }
    vault.delete_secret(name)
}

/// Splits on character boundaries into pieces of at most `chunk` bytes.
fn split(value: &str, chunk: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let mut end = rest.len().min(chunk.max(4));
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        pieces.push(&rest[..end]);
        rest = &rest[end..];
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::{CHUNK, TokenSet, delete, load, split, store};
    use crate::secret::Secret;
    use crate::vault::{KeyringBackend, Vault};

    /// Runs under scripts/in-test-keyring (make test): the real Secret Service.
    #[test]
    fn large_tokens_are_split_over_entries_and_come_back_whole() {
        let vault = Vault::open(KeyringBackend::Os).expect("keyring");
        let provider = format!("chunked-{}", std::process::id());
        let tokens = TokenSet {
            access_token: Secret::new("a".repeat(5 * CHUNK)),
            refresh_token: Some(Secret::new("r".repeat(300))),
            expires_at: Some(2_000_000_000),
            scopes: vec!["openid".into(), "email".into()],
            subject: Some("アン@example.com".into()),
            issued_at: 1_999_999_000,
        };
        store(&vault, &provider, &tokens).expect("store");
        let head = vault.secret(&format!("oauth.{provider}")).expect("read").expect("head");
        assert!(head.starts_with("chunks:"), "{head}");
        assert!(
            vault
                .secret(&format!("oauth.{provider}.1"))
                .expect("read")
                .is_some_and(|piece| piece.len() <= CHUNK)
        );
        assert_eq!(load(&vault, &provider).expect("load"), Some(tokens));
        assert!(delete(&vault, &provider).expect("delete"));
        assert!(
            vault.secret(&format!("oauth.{provider}.1")).expect("read").is_none(),
            "every piece goes"
        );
        assert_eq!(load(&vault, &provider).expect("load"), None);
    }

    #[test]
    fn pieces_keep_characters_whole() {
        let value = "トークン".repeat(100);
        let pieces = split(&value, 10);
        assert!(pieces.iter().all(|piece| piece.len() <= 10));
        assert_eq!(pieces.concat(), value);
    }

    #[test]
    fn freshness_counts_down_to_an_absolute_expiry() {
        let tokens = TokenSet {
            access_token: Secret::new("a"),
            refresh_token: None,
            expires_at: Some(1_000),
            scopes: vec!["openid".into()],
            subject: None,
            issued_at: 0,
        };
        assert!(tokens.is_fresh(900, 60));
        assert!(!tokens.is_fresh(950, 60));
        let short = TokenSet { issued_at: 970, ..tokens.clone() };
        assert!(
            short.is_fresh(980, 60),
            "a 30-second token is refreshed at half-life, not at once"
        );
        assert!(!short.is_fresh(990, 60));
        assert_eq!(tokens.expires_in(1_010), Some(-10));
        assert!(tokens.covers(&["openid".into()]) && !tokens.covers(&["email".into()]));
    }
}
