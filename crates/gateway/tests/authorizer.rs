//! The gateway's JWT check against a real OpenID Provider's tokens (panva's oidc-provider on
//! loopback, client credentials with a resource indicator), and against tokens minted by the
//! test's own issuer — a loopback discovery document and JWKS whose keys the test generates
//! when it runs — for the claims a real provider will not issue wrong (expired, not yet valid,
//! another issuer), key rotation, and forgeries.

mod keys;

use std::sync::{Arc, Mutex};

use agentdesk_e2e::oidc::Oidc;
use agentdesk_gateway::{JwtAuthorizer, JwtSettings, Refusal};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use keys::TestKey;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// An issuer the test controls: it publishes `keys` (kid → modulus) as its JWKS.
struct TestIssuer {
    issuer: String,
    keys: Arc<Mutex<Vec<(&'static str, String)>>>,
}

impl TestIssuer {
    async fn start(keys: Vec<(&'static str, String)>) -> TestIssuer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let issuer = format!("http://127.0.0.1:{}", listener.local_addr().expect("addr").port());
        let keys = Arc::new(Mutex::new(keys));
        let (published, base) = (Arc::clone(&keys), issuer.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = vec![0u8; 4096];
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buffer[..read]).into_owned();
                let body = if request.starts_with("GET /.well-known/openid-configuration") {
                    json!({"issuer": base, "jwks_uri": format!("{base}/jwks")})
                } else {
                    let keys = published.lock().expect("keys").clone();
                    json!({"keys": keys.iter().map(|(kid, n)| json!({
                        "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": n, "e": "AQAB"
                    })).collect::<Vec<_>>()})
                };
                let body = body.to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            }
        });
        TestIssuer { issuer, keys }
    }

    fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    /// A token signed with `key` under `kid`, with these claims over sensible defaults.
    fn mint(&self, kid: &str, key: &TestKey, claims: &Value) -> String {
        let now = now();
        let mut all = json!({"iss": self.issuer, "sub": "svc", "client_id": "m2m",
            "aud": "urn:agentdesk:gateway", "scope": "gateway", "iat": now, "exp": now + 300});
        if let (Some(all), Some(extra)) = (all.as_object_mut(), claims.as_object()) {
            for (name, value) in extra {
                all.insert(name.clone(), value.clone());
            }
        }
        key.sign(kid, &all)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.as_secs() as i64)
        .unwrap_or_default()
}

fn settings(discovery_url: String) -> JwtSettings {
    JwtSettings {
        discovery_url,
        allowed_audiences: vec!["urn:agentdesk:gateway".into()],
        allowed_clients: vec!["m2m".into()],
        allowed_scopes: vec!["gateway".into()],
        leeway_seconds: Some(5),
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn a_real_providers_token_passes_only_with_its_audience_client_and_scope() {
    let oidc = Oidc::start(300).await;
    let token = oidc.m2m_token().await;
    let discovery = format!("{}/.well-known/openid-configuration", oidc.issuer);
    let authorizer = JwtAuthorizer::new(settings(discovery.clone())).expect("authorizer");
    let caller = authorizer.authorize(Some(&bearer(&token))).await.expect("accepted");
    assert_eq!(caller.client_id.as_deref(), Some("m2m"));
    assert_eq!(caller.scopes, ["gateway"]);

    let refused = |change: fn(&mut JwtSettings)| {
        let mut changed = settings(discovery.clone());
        change(&mut changed);
        JwtAuthorizer::new(changed).expect("authorizer")
    };
    let other_audience = refused(|s| s.allowed_audiences = vec!["urn:other".into()]);
    assert_eq!(
        other_audience.authorize(Some(&bearer(&token))).await,
        Err(Refusal::Invalid("the audience is not allowed".into()))
    );
    let other_client = refused(|s| s.allowed_clients = vec!["agentdesk".into()]);
    assert_eq!(
        other_client.authorize(Some(&bearer(&token))).await,
        Err(Refusal::Invalid("the client is not allowed".into()))
    );
    let more_scope = refused(|s| s.allowed_scopes = vec!["gateway".into(), "admin".into()]);
    assert_eq!(
        more_scope.authorize(Some(&bearer(&token))).await,
        Err(Refusal::MissingScope("admin".into()))
    );
    assert!(
        JwtAuthorizer::new(settings("http://idp.example/.well-known/openid-configuration".into()))
            .is_err()
    );
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused() {
    let (k1, k2) = (TestKey::generate(), TestKey::generate());
    let issuer = TestIssuer::start(vec![("k1", k1.n.clone())]).await;
    let authorizer = JwtAuthorizer::new(settings(issuer.discovery_url())).expect("authorizer");
    let good = issuer.mint("k1", &k1, &json!({}));
    assert!(authorizer.authorize(Some(&bearer(&good))).await.is_ok());

    let (header, rest) = good.split_once('.').expect("jwt");
    let (payload, signature) = rest.split_once('.').expect("jwt");
    let unsigned_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"k1","typ":"JWT"}"#);
    let mut hs256 = Header::new(Algorithm::HS256);
    hs256.kid = Some("k1".into());
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("claims");
    let hmac_with_public_key =
        encode(&hs256, &claims, &EncodingKey::from_secret(k1.public_bytes())).expect("hs256");
    let flipped = format!(
        "{header}.{payload}.{}{}",
        if signature.starts_with('A') { "B" } else { "A" },
        &signature[1..]
    );
    let later = now() + 3600;
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("not a bearer", Some(format!("Basic {good}"))),
        ("malformed", Some(bearer("abc.def"))),
        ("alg none", Some(bearer(&format!("{unsigned_header}.{payload}.")))),
        ("HS256 with the public key", Some(bearer(&hmac_with_public_key))),
        ("bad signature", Some(bearer(&flipped))),
        ("unknown kid", Some(bearer(&issuer.mint("k9", &k1, &json!({}))))),
        ("another key under a known kid", Some(bearer(&issuer.mint("k1", &k2, &json!({}))))),
        ("expired", Some(bearer(&issuer.mint("k1", &k1, &json!({"exp": now() - 60}))))),
        ("not yet valid", Some(bearer(&issuer.mint("k1", &k1, &json!({"nbf": later}))))),
        (
            "wrong issuer",
            Some(bearer(&issuer.mint("k1", &k1, &json!({"iss": "https://evil.example"})))),
        ),
        ("wrong audience", Some(bearer(&issuer.mint("k1", &k1, &json!({"aud": "urn:other"}))))),
        (
            "client not allowed",
            Some(bearer(&issuer.mint("k1", &k1, &json!({"client_id": "intruder"})))),
        ),
        ("scope missing", Some(bearer(&issuer.mint("k1", &k1, &json!({"scope": "read"}))))),
    ];
    for (case, header) in &cases {
        let refused = authorizer.authorize(header.as_deref()).await;
        assert!(refused.is_err(), "{case} was accepted");
        let message = refused.err().map(|refusal| refusal.to_string()).unwrap_or_default();
        if let Some(token) = header.as_deref().and_then(|value| value.split(' ').nth(1)) {
            assert!(!message.contains(token), "{case}: the refusal echoes the token");
        }
    }
    // A Cognito-style token (no aud) passes when no audience is required.
    let no_aud_settings =
        JwtSettings { allowed_audiences: Vec::new(), ..settings(issuer.discovery_url()) };
    let cognito_like = issuer.mint("k1", &k1, &json!({"aud": null}));
    let lenient = JwtAuthorizer::new(no_aud_settings).expect("authorizer");
    assert!(lenient.authorize(Some(&bearer(&cognito_like))).await.is_ok());
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_and_forgeries_cannot_hammer_the_issuer() {
    let (k1, k2) = (TestKey::generate(), TestKey::generate());
    let oidc = Oidc::start(300).await;
    let issuer = TestIssuer::start(vec![("k1", k1.n.clone())]).await;
    let authorizer = JwtAuthorizer::new(settings(issuer.discovery_url())).expect("authorizer");
    assert!(authorizer.authorize(Some(&bearer(&issuer.mint("k1", &k1, &json!({}))))).await.is_ok());
    assert_eq!(authorizer.key_fetches(), 1);

    // A token from a second, untrusted provider: its kid is unknown here.
    let untrusted = oidc.m2m_token().await;
    for _ in 0..20 {
        assert!(authorizer.authorize(Some(&bearer(&untrusted))).await.is_err());
    }
    assert!(authorizer.key_fetches() <= 2, "unknown kids refetch at most every few seconds");

    // The issuer rotates to a new key: a running authorizer refetches on the new kid.
    let running = JwtAuthorizer::new(settings(issuer.discovery_url()))
        .expect("authorizer")
        .with_refetch_interval(std::time::Duration::ZERO);
    assert!(running.authorize(Some(&bearer(&issuer.mint("k1", &k1, &json!({}))))).await.is_ok());
    *issuer.keys.lock().expect("keys") = vec![("k2", k2.n.clone())];
    let rotated = issuer.mint("k2", &k2, &json!({}));
    assert!(running.authorize(Some(&bearer(&rotated))).await.is_ok());
    assert_eq!(running.key_fetches(), 2);
}
