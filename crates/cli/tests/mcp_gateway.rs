//! The MCP client in front of AgentDesk's own gateway (`agentdesk gateway serve`, a real
//! process) with tokens from a real OpenID provider (oidc-provider, client credentials, the
//! secret in the keyring): the gateway's tools through a named provider, a gateway killed and
//! started again mid-session with the next call succeeding by itself, an expired token
//! renewed once for many concurrent calls, new `agentdesk` processes (as after a restart of
//! the app) reusing the kept token without a request to the provider, and a sign-in with
//! nothing configured but the URL (the MCP authorization spec: metadata, dynamic client
//! registration, the browser sign-in with PKCE).

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use agentdesk_e2e::gateway::{GatewayProcess, Logs, everything_behind_jwt};
use agentdesk_e2e::oidc::{Browser, M2M_SECRET, Oidc};
use agentdesk_identity::{Identity, KeyringBackend, Secret, SystemBrowser, Vault};
use agentdesk_mcp::{McpServer, McpServerSettings, ServerState};
use serde_json::{Map, Value, json};
use support::agentdesk;

/// Tokens of the machine-to-machine client only.
const M2M_ONLY: &str = "allowed_clients = [\"m2m\"]";

/// Starts the gateway on `listen`, taking tokens of `issuer` that pass `access` (authorizer
/// settings), and returns it with its `/mcp` URL; its log goes to `logs`.
fn gateway(
    config: &Path,
    issuer: &str,
    access: &str,
    listen: &str,
    logs: &Logs,
) -> (GatewayProcess, String) {
    std::fs::write(config, everything_behind_jwt(listen, issuer, access)).expect("gateway config");
    let binary = Path::new(env!("CARGO_BIN_EXE_agentdesk"));
    let gateway = GatewayProcess::start(binary, config, Some(logs)).expect("the gateway");
    let url = gateway.url.clone();
    (gateway, url)
}

fn text(result: &rmcp::model::CallToolResult) -> String {
    result.content.iter().filter_map(|block| block.as_text().map(|t| t.text.clone())).collect()
}

fn echo(message: &str) -> Map<String, Value> {
    match json!({"message": message}) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_behind_a_named_provider_survives_restarts_and_expiry() {
    let oidc = Oidc::start(300).await;
    let folder = tempfile::tempdir().expect("temp");
    let config = folder.path().join("gateway.toml");
    let logs = Logs::default();
    let (first, url) = gateway(&config, &oidc.issuer, M2M_ONLY, "127.0.0.1:0", &logs);
    let listen = url.trim_start_matches("http://").trim_end_matches("/mcp").to_owned();

    let provider = format!("gw-{}", std::process::id());
    let providers = BTreeMap::from([(provider.clone(), oidc.m2m())]);
    let skew = Arc::new(AtomicU64::new(0));
    let clock = Arc::clone(&skew);
    let identity =
        Identity::new(providers, Vault::open(KeyringBackend::Os), Arc::new(SystemBrowser))
            .with_clock(move || {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|elapsed| elapsed.as_secs())
                    .unwrap_or(0);
                now + clock.load(Ordering::SeqCst)
            });
    identity.store_secret(&provider, Secret::new(M2M_SECRET)).await.expect("secret");
    let identity = Arc::new(identity);
    let settings = McpServerSettings {
        url: url.clone(),
        auth: provider.clone(),
        timeout_seconds: 20,
        ..McpServerSettings::default()
    };
    let server = Arc::new(McpServer::new("gateway", settings, Some(Arc::clone(&identity)), None));

    // With only the URL, the client reads where to sign in from the gateway's 401 and its
    // protected-resource metadata.
    let anonymous = McpServer::new(
        "anonymous",
        McpServerSettings { url: url.clone(), ..McpServerSettings::default() },
        None,
        None,
    );
    match anonymous.tools().await {
        Err(agentdesk_mcp::McpError::NeedsProvider { authorization_server, resource, .. }) => {
            assert_eq!(authorization_server, oidc.issuer);
            assert_eq!(resource, url);
        }
        other => panic!("the sign-in is discovered: {other:?}"),
    }
    assert_eq!(anonymous.status().state, ServerState::NeedsSignIn);

    let tools = server.tools().await.expect("the gateway's tools with the provider's token");
    assert!(tools.iter().any(|tool| tool.name == "everything___echo"), "{tools:?}");
    let first_answer = server.call("everything___echo", echo("one")).await.expect("call");
    assert_eq!(text(&first_answer), "Echo: one");

    // The gateway goes away and comes back on the same address: the next call just works.
    drop(first);
    let (second, _) = gateway(&config, &oidc.issuer, M2M_ONLY, &listen, &logs);
    let after_restart = server.call("everything___echo", echo("two")).await.expect("recovered");
    assert_eq!(text(&after_restart), "Echo: two");
    assert_eq!(server.status().state, ServerState::Connected);

    // Ten minutes later the token has expired: twenty concurrent calls renew it once.
    let (tokens_before, _) = oidc.counts().await;
    skew.store(600, Ordering::SeqCst);
    let mut calls = tokio::task::JoinSet::new();
    for index in 0..20 {
        let server = Arc::clone(&server);
        calls
            .spawn(async move { server.call("everything___echo", echo(&index.to_string())).await });
    }
    for outcome in calls.join_all().await {
        assert!(outcome.is_ok_and(|result| result.is_error != Some(true)), "every call succeeds");
    }
    let (tokens_after, _) = oidc.counts().await;
    assert_eq!(tokens_after - tokens_before, 1, "one token request for twenty callers");

    // The gateway logs each call (structured: tool, outcome, time), never a token.
    let token = identity
        .access_token(&provider, &agentdesk_identity::TokenRequest::default())
        .await
        .expect("the token in use");
    drop(second);
    let logs = logs.lock().expect("logs").clone();
    assert!(logs.contains("tools/call") && logs.contains("everything___echo"), "{logs}");
    assert!(!logs.contains(token.expose()), "no token in the gateway's log");
    let signature = token.expose().rsplit('.').next().unwrap_or_default();
    assert!(signature.len() > 20 && !logs.contains(signature), "not even part of one");
    identity.forget_everything(&provider).await.expect("clean the keyring");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_process_reuses_the_kept_token_without_asking_the_provider() {
    let oidc = Oidc::start(300).await;
    let folder = tempfile::tempdir().expect("temp");
    let dir = folder.path();
    let logs = Logs::default();
    let (_gateway, url) =
        gateway(&dir.join("gateway.toml"), &oidc.issuer, M2M_ONLY, "127.0.0.1:0", &logs);
    let provider = format!("gw-cli-{}", std::process::id());
    let add = [
        "auth",
        "add",
        &provider,
        "--issuer",
        &oidc.issuer,
        "--client-id",
        "m2m",
        "--flow",
        "client-credentials",
        "--scope",
        "gateway",
        "--client-secret",
    ];
    let added = agentdesk(dir, &add, M2M_SECRET);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let server = agentdesk(dir, &["mcp", "add", "gateway", "--url", &url, "--auth", &provider], "");
    assert!(server.status.success(), "{}", String::from_utf8_lossy(&server.stderr));

    let call = ["mcp", "call", "gateway", "everything___echo", "--args", r#"{"message": "hi"}"#];
    let first = agentdesk(dir, &call, "");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let (tokens, _) = oidc.counts().await;
    // Each run is a fresh process, as after a restart of the app: the token comes from the
    // keyring while it is valid, with no sign-in and no request to the provider.
    for _ in 0..2 {
        let again = agentdesk(dir, &call, "");
        assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
        assert_eq!(String::from_utf8_lossy(&again.stdout).trim(), "Echo: hi");
    }
    assert_eq!(oidc.counts().await.0, tokens, "no new token while the kept one is valid");
    let removed = agentdesk(dir, &["auth", "remove", &provider], "");
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn with_only_the_url_the_client_signs_in_by_the_spec_and_stays_signed_in() {
    let oidc = Oidc::start(300).await;
    let folder = tempfile::tempdir().expect("temp");
    let logs = Logs::default();
    let access = "allowed_audiences = [\"urn:agentdesk:gateway\"]\nallowed_scopes = [\"gateway\"]";
    let config = folder.path().join("gateway.toml");
    let (_gateway, url) = gateway(&config, &oidc.issuer, access, "127.0.0.1:0", &logs);
    let name = format!("spec-{}", std::process::id());
    let settings =
        McpServerSettings { url: url.clone(), timeout_seconds: 20, ..McpServerSettings::default() };
    let keyring = || Vault::open(KeyringBackend::Os);
    let vault = Arc::new(keyring().expect("keyring"));
    let open = |browser: &Browser| {
        let identity = Identity::new(BTreeMap::new(), keyring(), Arc::new(browser.clone()));
        McpServer::new(&name, settings.clone(), Some(Arc::new(identity)), Some(Arc::clone(&vault)))
    };

    // In the background it only says where a sign-in is needed.
    let browser = Browser::new("ann");
    let server = open(&browser);
    match server.tools().await {
        Err(agentdesk_mcp::McpError::NeedsSignIn { provider, .. }) => {
            assert_eq!(provider, oidc.issuer);
        }
        other => panic!("a sign-in is needed: {other:?}"),
    }
    assert_eq!(server.status().state, ServerState::NeedsSignIn);
    assert!(browser.log.lock().expect("log").opened.is_empty(), "nothing opened unasked");

    // Asked to, it signs in with nothing but the URL: registered, then the browser with PKCE.
    server.connect(true).await.expect("signed in by the spec");
    assert_eq!(oidc.registrations().await, 1);
    let opened = browser.log.lock().expect("log").opened.clone();
    assert_eq!(opened.len(), 1, "{opened:?}");
    let sign_in = url::Url::parse(&opened[0]).expect("sign-in URL");
    let query: BTreeMap<String, String> = sign_in.query_pairs().into_owned().collect();
    assert_eq!(query.get("resource"), Some(&url), "RFC 8707 resource: {query:?}");
    assert_eq!(query.get("code_challenge_method").map(String::as_str), Some("S256"));
    assert!(query.get("scope").is_some_and(|scope| scope.contains("gateway")), "{query:?}");
    assert!(
        !["agentdesk", "m2m"].contains(&query["client_id"].as_str()),
        "a registered client: {query:?}"
    );
    let answer = server.call("everything___echo", echo("spec")).await.expect("call");
    assert_eq!(text(&answer), "Echo: spec");
    assert_eq!(server.status().state, ServerState::Connected);

    // After a restart (a new identity service and session) the kept client and token are
    // used: no browser, no registration, no token request.
    let (tokens, _) = oidc.counts().await;
    let after_restart = Browser::new("nobody");
    let restarted = open(&after_restart);
    let answer = restarted.call("everything___echo", echo("again")).await.expect("call");
    assert_eq!(text(&answer), "Echo: again");
    assert!(after_restart.log.lock().expect("log").opened.is_empty(), "no sign-in asked");
    assert_eq!(oidc.counts().await.0, tokens, "the kept token, no new one");
    assert_eq!(oidc.registrations().await, 1, "the kept client, no new one");

    // Signing out forgets the client and the tokens: a sign-in is needed again.
    restarted.sign_out().await.expect("signed out");
    let entry = McpServerSettings::oauth_client_entry(&name);
    assert_eq!(vault.secret(&entry).expect("keyring"), None, "the client is forgotten");
    let forgotten = open(&Browser::new("nobody"));
    assert!(matches!(forgotten.tools().await, Err(agentdesk_mcp::McpError::NeedsSignIn { .. })));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_id_registered_beforehand_is_used_instead_of_registering_one() {
    let oidc = Oidc::start(300).await;
    let folder = tempfile::tempdir().expect("temp");
    let access = "allowed_clients = [\"agentdesk\"]\nallowed_scopes = [\"gateway\"]";
    let config = folder.path().join("gateway.toml");
    let (_gateway, url) = gateway(&config, &oidc.issuer, access, "127.0.0.1:0", &Logs::default());
    let name = format!("preregistered-{}", std::process::id());
    let settings = McpServerSettings {
        url,
        oauth_client_id: "agentdesk".into(),
        ..McpServerSettings::default()
    };
    let browser = Browser::new("ann");
    let identity =
        Identity::new(BTreeMap::new(), Vault::open(KeyringBackend::Os), Arc::new(browser.clone()));
    let vault = Arc::new(Vault::open(KeyringBackend::Os).expect("keyring"));
    let server = McpServer::new(&name, settings, Some(Arc::new(identity)), Some(vault));
    server.connect(true).await.expect("signed in with the given client");
    let answer = server.call("everything___echo", echo("pre")).await.expect("call");
    assert_eq!(text(&answer), "Echo: pre");
    assert_eq!(oidc.registrations().await, 0, "nothing registered");
    let opened = browser.log.lock().expect("log").opened.clone();
    assert!(opened[0].contains("client_id=agentdesk&"), "{opened:?}");
    server.sign_out().await.expect("clean the keyring");
}
