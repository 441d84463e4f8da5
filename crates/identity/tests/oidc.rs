//! Signing in to a real OpenID Provider (panva's oidc-provider, started on loopback) with
//! tokens kept in a real keyring (gnome-keyring's Secret Service; `make test` runs this under
//! scripts/in-test-keyring). Time is moved forward through the service's clock to age
//! tokens, never waited for.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use agentdesk_e2e::oidc::{Browser, M2M_SECRET, Oidc};
use agentdesk_identity::{
    AuthFlow, Identity, IdentityError, KeyringBackend, ProviderSettings, Secret, SignInState,
    TokenRequest, Vault,
};

/// A unique provider name, so tests sharing the keyring never see each other's tokens.
fn name(test: &str) -> String {
    format!("{test}-{}", std::process::id())
}

/// A clock that starts now and moves when told.
#[derive(Clone, Default)]
struct Clock(Arc<AtomicU64>);

impl Clock {
    fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
    fn reader(&self) -> impl Fn() -> u64 + Send + Sync + 'static {
        let offset = Arc::clone(&self.0);
        move || {
            let real = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|since| since.as_secs())
                .unwrap_or_default();
            real + offset.load(Ordering::SeqCst)
        }
    }
}

fn identity(providers: &[(&str, ProviderSettings)], browser: &Browser, clock: &Clock) -> Identity {
    Identity::new(
        Browser::providers(providers),
        Vault::open(KeyringBackend::Os),
        Arc::new(browser.clone()),
    )
    .with_clock(clock.reader())
    .with_patience(Duration::from_secs(20))
}

fn interactive() -> TokenRequest {
    TokenRequest { interactive: true, ..TokenRequest::default() }
}

#[tokio::test]
async fn code_flow_signs_in_survives_a_restart_refreshes_once_for_many_and_signs_out() {
    let oidc = Oidc::start(120).await;
    let provider = name("code");
    let settings = oidc.native(AuthFlow::Code);
    let browser = Browser::new("ann");
    let clock = Clock::default();
    let first = identity(&[(&provider, settings.clone())], &browser, &clock);
    let problem = first.vault_problem().await;
    assert!(problem.is_none(), "{problem:?}");

    let background = first.access_token(&provider, &TokenRequest::default()).await;
    assert!(
        matches!(background, Err(IdentityError::NeedsSignIn { .. })),
        "a caller that may not ask gets NeedsSignIn: {background:?}"
    );
    let mut events = first.subscribe();
    let token = first.access_token(&provider, &interactive()).await.expect("signed in");
    assert_eq!(token.expose().split('.').count(), 3, "a JWT access token for the resource");
    let opened = browser.log.lock().expect("log").opened.clone();
    assert!(
        opened[0].contains("code_challenge_method=S256")
            && opened[0].contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A")
    );
    let status = first.status(&provider).await;
    assert_eq!(status.state, SignInState::SignedIn);
    assert_eq!(status.signed_in_as.as_deref(), Some("ann@example.com"));
    assert!(status.refreshable && status.persisted);
    assert!(status.expires_in.is_some_and(|seconds| seconds > 60));
    let announced = events.recv().await.expect("an event");
    assert_eq!(
        (announced.provider.as_str(), announced.state),
        (provider.as_str(), SignInState::SignedIn)
    );
    let (tokens_after_sign_in, _) = oidc.counts().await;

    // The cache answers without the provider.
    assert_eq!(
        first.access_token(&provider, &TokenRequest::default()).await.expect("cached"),
        token
    );
    // A restart reads the keyring.
    let restarted = identity(&[(&provider, settings.clone())], &browser, &clock);
    assert_eq!(
        restarted.access_token(&provider, &TokenRequest::default()).await.expect("stored"),
        token
    );
    assert_eq!(oidc.counts().await.0, tokens_after_sign_in, "no token request for a stored token");

    // Near expiry, a hundred callers share one refresh.
    clock.advance(100);
    let restarted = Arc::new(restarted);
    let callers: Vec<_> = (0..100)
        .map(|_| {
            let identity = Arc::clone(&restarted);
            let provider = provider.clone();
            tokio::spawn(
                async move { identity.access_token(&provider, &TokenRequest::default()).await },
            )
        })
        .collect();
    let mut fresh = Vec::new();
    for caller in callers {
        fresh.push(caller.await.expect("caller").expect("refreshed"));
    }
    assert_eq!(oidc.counts().await.0, tokens_after_sign_in + 1, "exactly one token request");
    assert!(fresh.iter().all(|one| *one == fresh[0]) && fresh[0] != token);

    let signed_out = restarted.sign_out(&provider).await.expect("signed out");
    assert_eq!(signed_out.state, SignInState::NeedsSignIn);
    assert!(oidc.counts().await.1 >= 1, "the tokens were revoked at the provider");
    let after = identity(&[(&provider, settings)], &browser, &clock);
    assert_eq!(
        after.status(&provider).await.state,
        SignInState::NeedsSignIn,
        "gone from the keyring"
    );
    for secret in [&token, &fresh[0]] {
        for text in [
            format!("{signed_out:?}"),
            format!("{after:?}"),
            serde_json::to_string(&signed_out).expect("json"),
        ] {
            assert!(!text.contains(secret.expose()));
        }
    }
}

#[tokio::test]
async fn a_refused_refresh_clears_the_tokens_and_asks_once() {
    let oidc = Oidc::start(120).await;
    let provider = name("refused");
    let browser = Browser::new("bob");
    let clock = Clock::default();
    let identity = identity(&[(&provider, oidc.native(AuthFlow::Code))], &browser, &clock);
    identity.access_token(&provider, &interactive()).await.expect("signed in");
    // Revoke the refresh token behind the app's back, then let the access token age.
    let vault = Vault::open(KeyringBackend::Os).expect("vault");
    let stored: serde_json::Value = serde_json::from_str(
        &vault.secret(&format!("oauth.{provider}")).expect("read").expect("stored"),
    )
    .expect("json");
    let refresh = stored["refresh_token"].as_str().expect("a refresh token").to_owned();
    let revoked = reqwest::Client::new()
        .post(format!("{}/token/revocation", oidc.issuer))
        .form(&[("token", refresh.as_str()), ("client_id", "agentdesk")])
        .send()
        .await
        .expect("revoke");
    assert!(revoked.status().is_success());
    clock.advance(100);
    let error =
        identity.access_token(&provider, &TokenRequest::default()).await.expect_err("refused");
    assert!(matches!(error, IdentityError::NeedsSignIn { .. }), "{error:?}");
    assert_eq!(identity.status(&provider).await.state, SignInState::NeedsSignIn);
    assert!(vault.secret(&format!("oauth.{provider}")).expect("read").is_none(), "cleared");
    assert_eq!(
        browser.log.lock().expect("log").opened.len(),
        1,
        "no second browser without asking"
    );
}

#[tokio::test]
async fn client_credentials_use_the_secret_from_the_keyring_and_name_a_wrong_one() {
    let oidc = Oidc::start(120).await;
    let provider = name("m2m");
    let browser = Browser::new("-");
    let identity = identity(&[(&provider, oidc.m2m())], &browser, &Clock::default());
    let missing =
        identity.access_token(&provider, &TokenRequest::default()).await.expect_err("no secret");
    assert!(missing.to_string().contains("client secret"), "{missing}");

    identity.store_secret(&provider, Secret::new("not-the-secret")).await.expect("store");
    let refused =
        identity.access_token(&provider, &TokenRequest::default()).await.expect_err("wrong");
    let message = refused.to_string();
    assert!(message.starts_with(&format!("{provider} refused: invalid_client")), "{message}");
    assert!(
        message.contains("client authentication failed"),
        "the provider's own words: {message}"
    );
    assert_eq!(identity.status(&provider).await.state, SignInState::Error);

    identity.store_secret(&provider, Secret::new(M2M_SECRET)).await.expect("store");
    let token = identity.access_token(&provider, &TokenRequest::default()).await.expect("token");
    let claims = token.expose().split('.').nth(1).expect("a JWT");
    use base64::Engine;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims).expect("base64"),
    )
    .expect("claims");
    assert_eq!(claims["aud"], "urn:agentdesk:gateway");
    assert_eq!(claims["client_id"], "m2m");
    assert!(
        browser.log.lock().expect("log").opened.is_empty(),
        "no browser for machine-to-machine"
    );
    // A server refused this (still valid) token: the next one asked for is a new one.
    let (before, _) = oidc.counts().await;
    let cached = identity.access_token(&provider, &TokenRequest::default()).await.expect("cached");
    assert_eq!(cached, token, "a valid token is reused");
    let rejected = TokenRequest { rejected: true, ..TokenRequest::default() };
    let renewed = identity.access_token(&provider, &rejected).await.expect("renewed");
    assert_ne!(renewed, token, "a refused token is not handed out again");
    assert_eq!(oidc.counts().await.0, before + 1, "one token request for the renewal");
    identity.forget_everything(&provider).await.expect("forget");
}

#[tokio::test]
async fn the_device_flow_signs_in_without_a_browser_on_this_machine() {
    let oidc = Oidc::start(120).await;
    let provider = name("device");
    let browser = Browser::new("carol");
    let identity =
        identity(&[(&provider, oidc.native(AuthFlow::Device))], &browser, &Clock::default());
    let status = identity.sign_in(&provider, None).await.expect("signed in");
    assert_eq!(status.state, SignInState::SignedIn);
    assert_eq!(status.signed_in_as.as_deref(), Some("carol@example.com"));
    let opened = browser.log.lock().expect("log").opened.clone();
    assert!(opened[0].contains("/device"), "{opened:?}");
    identity.sign_out(&provider).await.expect("sign out");
}

#[tokio::test]
async fn a_forged_state_is_ignored_and_the_listener_closes() {
    let oidc = Oidc::start(120).await;
    let provider = name("forged");
    let mut browser = Browser::new("eve");
    browser.forged_state = Some("not-the-state".into());
    let identity =
        identity(&[(&provider, oidc.native(AuthFlow::Code))], &browser, &Clock::default())
            .with_patience(Duration::from_secs(3));
    let error = identity.access_token(&provider, &interactive()).await.expect_err("no sign-in");
    assert!(matches!(error, IdentityError::SignInFailed { .. }), "{error:?}");
    let delivered = browser.log.lock().expect("log").callbacks.clone();
    assert!(delivered[0].starts_with("400 "), "the forged callback was refused: {delivered:?}");
    let callback = delivered[0].split(' ').nth(1).expect("url").to_owned();
    let closed = reqwest::get(&callback).await;
    assert!(closed.is_err(), "the listener is closed after the sign-in ends");

    // The code it carried cannot be used again, by anyone.
    let url = url::Url::parse(&callback).expect("url");
    let code = url
        .query_pairs()
        .find(|(key, _)| key == "code")
        .map(|(_, value)| value.into_owned())
        .expect("code");
    let replay: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/token", oidc.issuer))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "agentdesk"),
            ("redirect_uri", "http://127.0.0.1/callback"),
            ("code_verifier", "guess-guess-guess-guess-guess-guess-guess-1"),
        ])
        .send()
        .await
        .expect("replay")
        .json()
        .await
        .expect("json");
    assert_eq!(replay["error"], "invalid_grant");
}

#[tokio::test]
async fn plain_http_and_unreachable_providers_are_named_in_the_error() {
    let browser = Browser::new("-");
    let remote_http = ProviderSettings {
        issuer: "http://idp.example.com".into(),
        client_id: "x".into(),
        ..ProviderSettings::default()
    };
    let closed = ProviderSettings {
        issuer: "http://127.0.0.1:9".into(),
        client_id: "x".into(),
        flow: AuthFlow::ClientCredentials,
        ..ProviderSettings::default()
    };
    let identity =
        identity(&[("plain", remote_http), ("closed", closed)], &browser, &Clock::default());
    let plain = identity.access_token("plain", &interactive()).await.expect_err("refused");
    assert!(plain.to_string().contains("is not HTTPS"), "{plain}");
    let unreachable =
        identity.access_token("closed", &TokenRequest::default()).await.expect_err("down");
    assert!(unreachable.to_string().starts_with("cannot reach closed"), "{unreachable}");
    let unknown =
        identity.access_token("nobody", &TokenRequest::default()).await.expect_err("unknown");
    assert!(unknown.to_string().contains("agentdesk auth add"), "{unknown}");
}

#[tokio::test]
async fn the_settings_check_finds_the_real_discovery_document_and_names_a_wrong_issuer() {
    let oidc = Oidc::start(300).await;
    let mut settings = oidc.native(AuthFlow::Device);
    settings.scopes.push("no-such-scope".into());
    let report = agentdesk_identity::check_discovery("check", &settings).await;
    assert!(report.usable(), "{:?}", report.problems);
    let document = format!("{}/.well-known/openid-configuration", oidc.issuer);
    assert_eq!(report.document_url.as_deref(), Some(document.as_str()));
    assert_eq!(report.endpoints.token.as_deref(), Some(format!("{}/token", oidc.issuer).as_str()));
    assert!(report.endpoints.device_authorization.is_some());
    assert!(report.endpoints.registration.is_some());
    assert_eq!(
        report.notes,
        [agentdesk_identity::DiscoveryFinding::ScopesNotAdvertised {
            scopes: vec!["no-such-scope".into()]
        }]
    );

    // A path under the issuer that is not the issuer: every place answers 404.
    settings.issuer = format!("{}/tenant", oidc.issuer);
    let report = agentdesk_identity::check_discovery("check", &settings).await;
    assert_eq!(report.problems, [agentdesk_identity::DiscoveryFinding::NoDocument]);
    assert_eq!(report.tried.len(), 3, "{:?}", report.tried);
    assert!(report.tried.iter().all(|attempt| attempt.status == Some(404)), "{:?}", report.tried);
}

#[tokio::test]
async fn new_settings_for_another_client_sign_out_and_another_kind_forgets_the_secret() {
    let oidc = Oidc::start(120).await;
    let provider = name("changing");
    let browser = Browser::new("-");
    let identity = identity(&[(&provider, oidc.m2m())], &browser, &Clock::default());
    identity.store_secret(&provider, Secret::new(M2M_SECRET)).await.expect("store");
    identity.access_token(&provider, &TokenRequest::default()).await.expect("token");
    assert_eq!(identity.status(&provider).await.state, SignInState::SignedIn);

    // More scopes from the same client: the tokens stay.
    let mut wider = oidc.m2m();
    wider.scopes.push("openid".into());
    identity.settings_changing(&provider, &wider).await.expect("same client");
    assert_eq!(identity.status(&provider).await.state, SignInState::SignedIn);

    // Another client: its tokens were not issued to it, so they go; the secret stays.
    let other_client = ProviderSettings { client_id: "another".into(), ..oidc.m2m() };
    identity.settings_changing(&provider, &other_client).await.expect("other client");
    assert_eq!(identity.status(&provider).await.state, SignInState::NeedsSignIn);
    assert!(identity.has_secret(&provider).await.expect("read"), "the secret is kept");

    // Another kind: the secret goes too.
    let api_key = ProviderSettings { kind: agentdesk_identity::ProviderKind::ApiKey, ..oidc.m2m() };
    identity.settings_changing(&provider, &api_key).await.expect("other kind");
    assert!(!identity.has_secret(&provider).await.expect("read"), "the secret is gone");
}
