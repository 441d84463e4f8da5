//! The real OpenID Provider tests sign in to (`tests/oidc/provider.mjs`, panva's
//! oidc-provider on loopback), and a stand-in for the user's browser that completes its
//! login and consent pages over HTTP, as a person would by clicking.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use agentdesk_identity::{DeviceCode, Interaction, ProviderSettings};
use regex::Regex;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The client secret of the provider's machine-to-machine client.
pub const M2M_SECRET: &str = "m2m-test-secret-0b7e";

/// A running provider; stopped when dropped.
#[derive(Debug)]
pub struct Oidc {
    /// Its issuer URL (`http://127.0.0.1:PORT`).
    pub issuer: String,
    _child: Child,
}

impl Oidc {
    /// Starts the provider with access tokens lasting `access_token_seconds`.
    pub async fn start(access_token_seconds: u32) -> Oidc {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc/provider.mjs");
        assert!(
            script.with_file_name("node_modules").is_dir(),
            "tests/oidc/node_modules is missing: `make test` installs it (cd tests/oidc && npm ci)"
        );
        let mut child = Command::new("node")
            .arg(&script)
            .env("ACCESS_TOKEN_TTL", access_token_seconds.to_string())
            .env("M2M_SECRET", M2M_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start node tests/oidc/provider.mjs");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let issuer = loop {
            let line =
                lines.next_line().await.expect("provider output").expect("the provider exited");
            if let Some(issuer) = line.strip_prefix("READY ") {
                break issuer.to_owned();
            }
        };
        Oidc { issuer, _child: child }
    }

    /// The public native client (code + PKCE, refresh tokens, device flow).
    pub fn native(&self, flow: agentdesk_identity::AuthFlow) -> ProviderSettings {
        ProviderSettings {
            issuer: self.issuer.clone(),
            client_id: "agentdesk".into(),
            scopes: vec!["openid".into(), "offline_access".into(), "email".into()],
            flow,
            ..ProviderSettings::default()
        }
    }

    /// The confidential machine-to-machine client.
    pub fn m2m(&self) -> ProviderSettings {
        ProviderSettings {
            issuer: self.issuer.clone(),
            client_id: "m2m".into(),
            scopes: vec!["gateway".into()],
            flow: agentdesk_identity::AuthFlow::ClientCredentials,
            ..ProviderSettings::default()
        }
    }

    /// An access token for the machine-to-machine client (client credentials, scope
    /// `gateway`): a JWT for `urn:agentdesk:gateway`.
    pub async fn m2m_token(&self) -> String {
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/token", self.issuer))
            .basic_auth("m2m", Some(M2M_SECRET))
            .form(&[("grant_type", "client_credentials"), ("scope", "gateway")])
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token json");
        answer["access_token"].as_str().expect("access token").to_owned()
    }

    /// How many clients registered themselves (RFC 7591).
    pub async fn registrations(&self) -> u64 {
        self.count("registration").await
    }

    async fn count(&self, what: &str) -> u64 {
        let counts: serde_json::Value = reqwest::get(format!("{}/test/counts", self.issuer))
            .await
            .expect("counts")
            .json()
            .await
            .expect("counts json");
        counts[what].as_u64().unwrap_or(0)
    }

    /// How many token and revocation requests reached the provider.
    pub async fn counts(&self) -> (u64, u64) {
        (self.count("token").await, self.count("revocation").await)
    }
}

/// What the stand-in browser did: the pages it finished at, and its errors.
#[derive(Debug, Default)]
pub struct BrowserLog {
    /// Every URL it was asked to open.
    pub opened: Vec<String>,
    /// How each visit ended: `STATUS URL` of the callback it delivered, or `page URL`.
    pub callbacks: Vec<String>,
    /// Visits that failed, with why.
    pub errors: Vec<String>,
}

/// A browser that signs in as `login` on the provider's pages.
#[derive(Debug, Clone)]
pub struct Browser {
    /// The login typed on the provider's page (any is accepted).
    pub login: String,
    /// What it did.
    pub log: Arc<Mutex<BrowserLog>>,
    /// When set, the callback is delivered with this state instead of the real one.
    pub forged_state: Option<String>,
}

impl Browser {
    /// A browser that signs in as `login`.
    pub fn new(login: &str) -> Browser {
        Browser { login: login.into(), log: Arc::default(), forged_state: None }
    }

    /// A provider map from `(name, settings)` pairs.
    pub fn providers(named: &[(&str, ProviderSettings)]) -> BTreeMap<String, ProviderSettings> {
        named.iter().map(|(name, settings)| ((*name).to_owned(), settings.clone())).collect()
    }

    fn drive(&self, url: String) {
        let browser = self.clone();
        tokio::spawn(async move {
            let result = browser.complete(&url).await;
            let mut log = browser.log.lock().expect("log");
            match result {
                Ok(last) => log.callbacks.push(last),
                Err(error) => log.errors.push(error),
            }
        });
    }

    /// Follows redirects and submits the login, consent and device forms, keeping cookies,
    /// until the provider redirects to the app's loopback callback (which it then visits) or
    /// shows a page without a form.
    pub async fn complete(&self, start: &str) -> Result<String, String> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let mut cookies: BTreeMap<String, String> = BTreeMap::new();
        let mut url = url::Url::parse(start).map_err(|e| e.to_string())?;
        let issuer_port = url.port();
        let mut form: Option<Vec<(String, String)>> = None;
        for _ in 0..30 {
            let jar =
                cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            let request = match form.take() {
                Some(fields) => http.post(url.clone()).form(&fields),
                None => http.get(url.clone()),
            };
            let response = request.header("cookie", jar).send().await.map_err(|e| e.to_string())?;
            for value in response.headers().get_all("set-cookie") {
                if let Some((name, rest)) = value.to_str().unwrap_or("").split_once('=') {
                    let value = rest.split(';').next().unwrap_or("").to_owned();
                    cookies.insert(name.trim().to_owned(), value);
                }
            }
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or("redirect without location")?;
                let next = url.join(location).map_err(|e| e.to_string())?;
                if next.port() != issuer_port && next.path() == "/callback" {
                    let mut delivered = next.clone();
                    if let Some(state) = &self.forged_state {
                        let pairs: Vec<(String, String)> = next
                            .query_pairs()
                            .map(|(k, v)| {
                                let value =
                                    if k == "state" { state.clone() } else { v.into_owned() };
                                (k.into_owned(), value)
                            })
                            .collect();
                        delivered.query_pairs_mut().clear().extend_pairs(pairs);
                    }
                    let answer =
                        http.get(delivered.clone()).send().await.map_err(|e| e.to_string())?;
                    return Ok(format!("{} {}", answer.status().as_u16(), delivered));
                }
                url = next;
                continue;
            }
            let body = response.text().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!(
                    "HTTP {status} at {url}: {}",
                    body.chars().take(300).collect::<String>()
                ));
            }
            let Some((action, fields)) = self.first_form(&body) else {
                return Ok(format!("page {url}"));
            };
            url = url.join(&action).map_err(|e| e.to_string())?;
            form = Some(fields);
        }
        Err("too many steps".into())
    }

    fn first_form(&self, html: &str) -> Option<(String, Vec<(String, String)>)> {
        let form = Regex::new(r#"(?s)<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>"#).ok()?;
        let input = Regex::new(r#"<input([^>]*)>"#).ok()?;
        let attribute = |tag: &str, name: &str| {
            Regex::new(&format!(r#"\b{name}="([^"]*)""#))
                .ok()?
                .captures(tag)
                .map(|c| c[1].to_owned())
        };
        let captured = form.captures(html)?;
        let action = captured[1].replace("&amp;", "&");
        let mut fields = Vec::new();
        for tag in input.captures_iter(&captured[2]) {
            let tag = &tag[1];
            let Some(name) = attribute(tag, "name") else { continue };
            let value = match name.as_str() {
                "login" => self.login.clone(),
                "password" => "any-password".into(),
                _ => attribute(tag, "value").unwrap_or_default().replace("&amp;", "&"),
            };
            fields.push((name, value));
        }
        Some((action, fields))
    }
}

impl Interaction for Browser {
    fn open_browser(&self, _provider: &str, url: &str) -> Result<(), String> {
        self.log.lock().expect("log").opened.push(url.to_owned());
        self.drive(url.to_owned());
        Ok(())
    }

    fn show_device_code(&self, _provider: &str, code: &DeviceCode) {
        let url =
            code.verification_uri_complete.clone().unwrap_or_else(|| code.verification_uri.clone());
        self.log.lock().expect("log").opened.push(url.clone());
        self.drive(url);
    }
}
