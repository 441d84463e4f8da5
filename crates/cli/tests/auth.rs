//! `agentdesk auth` as a process against a real OpenID Provider (tests/oidc) and the real
//! keyring (make test runs it under scripts/in-test-keyring): providers added, signed in with
//! client credentials and with the browser (whose pages the test completes over HTTP), the
//! status, a token for scripts, sign-out — and no token anywhere the run wrote.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Output;

use agentdesk_e2e::oidc::{Browser, M2M_SECRET, Oidc};
use agentdesk_identity::{KeyringBackend, Vault};
use support::{agentdesk, command};

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn providers_sign_in_show_status_give_tokens_and_sign_out_without_leaking_them() {
    let oidc = Oidc::start(300).await;
    let folder = tempfile::tempdir().expect("temp");
    let (m2m, web) = (format!("m2m-{}", std::process::id()), format!("web-{}", std::process::id()));
    let mut outputs = Vec::new();
    let add_m2m = |secret: &str| {
        let args = ["auth", "add", &m2m, "--issuer", &oidc.issuer, "--client-id", "m2m", "--flow"];
        let rest = ["client-credentials", "--scope", "gateway", "--client-secret"];
        agentdesk(folder.path(), &[&args[..], &rest[..]].concat(), secret)
    };

    let added = add_m2m("wrong-secret");
    assert!(added.status.success(), "{}", text(&added));
    let refused = agentdesk(folder.path(), &["auth", "token", &m2m], "");
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains(&format!("{m2m} refused: invalid_client")),
        "{}",
        text(&refused)
    );
    let fixed = add_m2m(M2M_SECRET);
    assert!(fixed.status.success(), "{}", text(&fixed));
    let token = agentdesk(folder.path(), &["auth", "token", &m2m], "");
    assert!(token.status.success(), "{}", text(&token));
    let m2m_token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    assert_eq!(m2m_token.split('.').count(), 3, "a JWT for scripts");
    let config = std::fs::read_to_string(folder.path().join("config.toml")).expect("config");
    assert!(
        config.contains(&format!("[providers.{m2m}]")) && !config.contains(M2M_SECRET),
        "{config}"
    );
    outputs.extend([added, refused, fixed]);

    let added = agentdesk(
        folder.path(),
        &[
            "auth",
            "add",
            &web,
            "--issuer",
            &oidc.issuer,
            "--client-id",
            "agentdesk",
            "--scope",
            "openid",
            "--scope",
            "offline_access",
            "--scope",
            "email",
        ],
        "",
    );
    assert!(added.status.success(), "{}", text(&added));
    let mut login = command(folder.path(), &["auth", "login", &web]).spawn().expect("login");
    let mut stderr = BufReader::new(login.stderr.take().expect("stderr"));
    let url = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).expect("stderr") > 0, "login ended without a URL");
        if line.starts_with("http://") {
            break line.trim().to_owned();
        }
    };
    let delivered = Browser::new("dana").complete(&url).await.expect("the browser leg");
    assert!(delivered.starts_with("200 "), "{delivered}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("stderr");
    assert!(login.wait().expect("login").success(), "{rest}");
    assert!(rest.contains("signed in as dana@example.com"), "{rest}");

    let status = agentdesk(folder.path(), &["auth", "status", "--json"], "");
    let statuses: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
    let web_status = statuses
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["provider"] == web.as_str())
        .expect("web");
    assert_eq!(web_status["state"], "signed-in");
    assert_eq!(web_status["signedInAs"], "dana@example.com");
    assert!(web_status["expiresIn"].as_i64().is_some_and(|seconds| seconds > 200));
    let stored = Vault::open(KeyringBackend::Os)
        .expect("vault")
        .secret(&format!("oauth.{web}"))
        .expect("read")
        .expect("stored");
    let stored: serde_json::Value = serde_json::from_str(&stored).expect("json");
    let web_tokens = [
        stored["access_token"].as_str().expect("access").to_owned(),
        stored["refresh_token"].as_str().expect("refresh").to_owned(),
    ];

    let logout = agentdesk(folder.path(), &["auth", "logout", &web], "");
    assert!(logout.status.success(), "{}", text(&logout));
    let after = agentdesk(folder.path(), &["auth", "status", &web], "");
    assert!(text(&after).contains("needs sign-in"), "{}", text(&after));
    let removed = agentdesk(folder.path(), &["auth", "remove", &m2m], "");
    assert!(removed.status.success(), "{}", text(&removed));
    outputs.extend([added, status, logout, after, removed]);

    // Nothing the run wrote holds a token: outputs (but `auth token`'s own), logs, config.
    let mut written: Vec<String> = outputs.iter().map(text).collect();
    written.push(rest);
    for entry in walk(folder.path()) {
        written.push(String::from_utf8_lossy(&std::fs::read(&entry).expect("read")).into_owned());
    }
    for secret in web_tokens.iter().chain([&m2m_token]) {
        for (index, text) in written.iter().enumerate() {
            assert!(!text.contains(secret.as_str()), "a token leaked into written text #{index}");
        }
    }
}

fn walk(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}
