//! `Identity::access_token` from the memory cache, and from the keyring on the first call
//! after a restart (a fresh service reading the Secret Service over D-Bus). Targets (issue 6):
//! cache p50 ≤ 5 µs; the keyring figure is reported. Run with `make bench-identity`, which
//! starts a throwaway gnome-keyring (scripts/in-test-keyring).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_identity::{
    DeviceCode, Identity, Interaction, KeyringBackend, ProviderSettings, TokenRequest, Vault,
};

#[derive(Debug)]
struct Nobody;

impl Interaction for Nobody {
    fn open_browser(&self, _: &str, _: &str) -> Result<(), String> {
        Err("the benchmark signs nobody in".into())
    }
    fn show_device_code(&self, _: &str, _: &DeviceCode) {}
}

fn percentile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * q).round() as usize]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let provider = format!("bench-{}", std::process::id());
    let providers = BTreeMap::from([(
        provider.clone(),
        ProviderSettings {
            issuer: "https://idp.example".into(),
            client_id: "agentdesk".into(),
            ..ProviderSettings::default()
        },
    )]);
    // Tokens as the service stores them, valid for a day: no network is needed.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let stored = serde_json::json!({
        "access_token": "x".repeat(900), "refresh_token": "r".repeat(64),
        "expires_at": now + 86_400, "issued_at": now, "scopes": ["openid"], "subject": "ann@example.com"
    });
    let vault = Vault::open(KeyringBackend::Os)?;
    vault.set_secret(&format!("oauth.{provider}"), &stored.to_string())?;
    let runtime = tokio::runtime::Runtime::new()?;
    let request = TokenRequest::default();

    let mut restarted = Vec::new();
    for _ in 0..50 {
        let identity =
            Identity::new(providers.clone(), Vault::open(KeyringBackend::Os), Arc::new(Nobody));
        let started = Instant::now();
        runtime.block_on(identity.access_token(&provider, &request))?;
        restarted.push(started.elapsed());
    }
    let identity = Identity::new(providers, Vault::open(KeyringBackend::Os), Arc::new(Nobody));
    runtime.block_on(identity.access_token(&provider, &request))?;
    let mut cached = Vec::with_capacity(100_000);
    runtime.block_on(async {
        for _ in 0..100_000 {
            let started = Instant::now();
            let token = identity.access_token(&provider, &request).await;
            cached.push(started.elapsed());
            assert!(token.is_ok());
        }
    });
    vault.delete_secret(&format!("oauth.{provider}"))?;
    println!(
        "access_token from the memory cache (100000 calls): p50 {:.2} µs, p99 {:.2} µs (target p50 ≤ 5 µs)",
        percentile(&mut cached, 0.5).as_secs_f64() * 1e6,
        percentile(&mut cached, 0.99).as_secs_f64() * 1e6
    );
    println!(
        "access_token from the keyring after a restart (50 fresh services): p50 {:.2} ms, p95 {:.2} ms",
        percentile(&mut restarted, 0.5).as_secs_f64() * 1e3,
        percentile(&mut restarted, 0.95).as_secs_f64() * 1e3
    );
    Ok(())
}
