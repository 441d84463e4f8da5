//! Who may call: the JWT check of `[serve.authorizer]` (the gateway's own
//! [`JwtAuthorizer`]), or nobody asked for a token — on loopback, or beyond it only with the
//! explicit `allow_unauthenticated` (the Containerfile passes it: AgentCore authenticates
//! callers in front of the container).
//! `/ping` is always open: AgentCore's health checks carry no token.

use std::net::SocketAddr;
use std::sync::Arc;

use agentdesk_identity::{JwtAuthorizer, JwtSettings};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The port AgentCore Runtime sends requests to.
pub const DEFAULT_PORT: u16 = 8080;

/// How callers are let in.
#[derive(Debug, Clone)]
pub enum Access {
    /// Every request but `/ping` needs a bearer JWT the authorizer accepts.
    Jwt(Arc<JwtAuthorizer>),
    /// No token is asked for. Requests a web page sends (an `Origin` that is not this
    /// machine) are still refused, so a site open in a browser cannot drive the agent.
    Open,
}

/// The access decided for an address, and what to tell the operator loudly.
#[derive(Debug, Clone)]
pub struct AccessDecision {
    /// How callers are let in.
    pub access: Access,
    /// A warning to print at start, when callers beyond this machine need no token.
    pub warning: Option<String>,
}

/// Whether this process runs in a container, by the signs AWS's `BedrockAgentCoreApp`
/// reads: `/.dockerenv` exists or `DOCKER_CONTAINER` is set.
pub fn in_container() -> bool {
    std::path::Path::new("/.dockerenv").exists() || std::env::var_os("DOCKER_CONTAINER").is_some()
}

/// Where to listen when nothing is configured: `0.0.0.0:8080` in a container (AgentCore's
/// contract), `127.0.0.1:8080` elsewhere.
pub fn default_listen(in_container: bool) -> SocketAddr {
    let host = if in_container { [0, 0, 0, 0] } else { [127, 0, 0, 1] };
    SocketAddr::from((host, DEFAULT_PORT))
}

/// Decides who may call a server listening on `listen`:
/// - an authorizer, when configured, checks every caller, on any address;
/// - without one, loopback is open;
/// - beyond loopback, only `allow_unauthenticated` opens it, with a loud warning — in a
///   container too, so serving everyone is always a choice written down;
/// - anything else is refused, saying what to configure.
pub fn decide_access(
    listen: SocketAddr,
    authorizer: Option<JwtSettings>,
    allow_unauthenticated: bool,
) -> Result<AccessDecision, String> {
    if let Some(settings) = authorizer {
        let authorizer = JwtAuthorizer::new(settings)
            .map_err(|problem| format!("[serve.authorizer]: {problem}"))?;
        return Ok(AccessDecision { access: Access::Jwt(Arc::new(authorizer)), warning: None });
    }
    if listen.ip().is_loopback() {
        return Ok(AccessDecision { access: Access::Open, warning: None });
    }
    if allow_unauthenticated {
        let warning = format!(
            "WARNING: anyone who can reach {listen} can use this agent without a token (--allow-unauthenticated). On AgentCore Runtime, AgentCore authenticates callers before they reach the container; anywhere else, publish this port only to callers you trust or configure [serve.authorizer] to require a token."
        );
        return Ok(AccessDecision { access: Access::Open, warning: Some(warning) });
    }
    Err(format!(
        "{listen} is reachable from other machines, and no [serve.authorizer] is configured: add one (a JWT issuer's discovery_url), listen on 127.0.0.1, or pass --allow-unauthenticated (serve.allow_unauthenticated = true) to serve everyone who can reach it"
    ))
}

/// The check in front of every route but `/ping`.
pub(crate) async fn check(State(access): State<Access>, request: Request, next: Next) -> Response {
    if request.uri().path() == "/ping" {
        return next.run(request).await;
    }
    let data_plane = super::is_aws_data_plane(request.uri().path());
    match &access {
        Access::Jwt(authorizer) => {
            let authorization =
                request.headers().get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
            if let Err(refusal) = authorizer.authorize(authorization).await {
                tracing::info!(%refusal, path = request.uri().path(), "refused a request");
                let challenge = format!(
                    "Bearer error=\"invalid_token\", error_description=\"{}\"",
                    refusal.to_string().replace('"', "'")
                );
                let body = json!({"error": "Unauthorized", "message": refusal.to_string()});
                let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
                let headers = response.headers_mut();
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    headers.insert(header::WWW_AUTHENTICATE, value);
                }
                if data_plane {
                    headers.insert(
                        "x-amzn-errortype",
                        HeaderValue::from_static("AccessDeniedException"),
                    );
                }
                return response;
            }
        }
        Access::Open => {
            let origin =
                request.headers().get(header::ORIGIN).and_then(|value| value.to_str().ok());
            if let Some(origin) = origin
                && !is_local_origin(origin)
            {
                tracing::info!(origin, "refused a request from a web page");
                let body = json!({
                    "error": "Forbidden",
                    "message": "requests from web pages of other sites are refused: this server asks no token, so a page must not be able to use it"
                });
                return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
            }
        }
    }
    next.run(request).await
}

/// Whether a browser `Origin` is a page served from this machine.
fn is_local_origin(origin: &str) -> bool {
    let Ok(url) = url::Url::parse(origin) else { return false };
    matches!(
        url.host(),
        Some(url::Host::Domain("localhost"))
            | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
            | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
    )
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use agentdesk_identity::JwtSettings;

    use super::{Access, decide_access, default_listen, is_local_origin};

    fn address(text: &str) -> SocketAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn only_loopback_or_the_explicit_flag_go_without_an_authorizer() {
        let loopback = decide_access(address("127.0.0.1:8080"), None, false).expect("ok");
        assert!(matches!(loopback.access, Access::Open) && loopback.warning.is_none());
        let refused = decide_access(address("0.0.0.0:8080"), None, false)
            .expect_err("no authorizer beyond loopback");
        assert!(refused.contains("--allow-unauthenticated"), "{refused}");
        let flagged = decide_access(address("0.0.0.0:8080"), None, true).expect("ok");
        assert!(flagged.warning.is_some_and(|warning| warning.starts_with("WARNING")));
        let jwt = JwtSettings {
            discovery_url: "https://issuer.example/.well-known/openid-configuration".into(),
            ..JwtSettings::default()
        };
        let checked = decide_access(address("0.0.0.0:8080"), Some(jwt), false).expect("ok");
        assert!(matches!(checked.access, Access::Jwt(_)));
        assert_eq!(default_listen(true), address("0.0.0.0:8080"));
        assert_eq!(default_listen(false), address("127.0.0.1:8080"));
    }

    #[test]
    fn only_pages_of_this_machine_count_as_local() {
        assert!(is_local_origin("http://localhost:5173"));
        assert!(is_local_origin("http://127.0.0.1:8080"));
        assert!(is_local_origin("http://[::1]:3000"));
        assert!(!is_local_origin("https://evil.example"));
        assert!(!is_local_origin("null"));
    }
}
