//! The check behind Settings' "Check" button: fetch a provider's metadata for real (OpenID
//! Connect discovery or RFC 8414, at every place [`Client::metadata_answers`] asks) and say
//! what was found and what will stop a sign-in, before anything is saved.
//!
//! A report, not an error: an unreachable issuer, a wrong path and a missing endpoint are all
//! answers the user needs, each as a [`DiscoveryFinding`] the app words in its own language.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::oauth::{Client, MetadataAnswer};
use crate::providers::{AuthFlow, ProviderKind, ProviderSettings, is_secure_url};
use crate::tokens::now;

/// What checking a provider's settings found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Identity.ts")]
pub struct DiscoveryReport {
    /// The issuer checked (without a trailing `/`); empty when none was given.
    pub issuer: String,
    /// Where the metadata document was found, when it was.
    pub document_url: Option<String>,
    /// Every place asked for the document, in order, with its answer.
    pub tried: Vec<DiscoveryAttempt>,
    /// The endpoints a sign-in would use: those the settings give, the rest discovered.
    pub endpoints: DiscoveredEndpoints,
    /// The scopes the provider lists as supported (empty when it does not say).
    pub scopes_supported: Vec<String>,
    /// The grant types the provider lists as supported (empty when it does not say).
    pub grant_types_supported: Vec<String>,
    /// What stops a sign-in with these settings; empty when it can work.
    pub problems: Vec<DiscoveryFinding>,
    /// What may go wrong, or is worth knowing, although a sign-in can be tried.
    pub notes: Vec<DiscoveryFinding>,
}

/// One place the document was looked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Identity.ts")]
pub struct DiscoveryAttempt {
    /// The URL asked.
    pub url: String,
    /// Whether it answered with a JSON document.
    pub found: bool,
    /// The HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why there was no usable answer (connection refused, not JSON…), when there was none.
    pub error: Option<String>,
}

/// A provider's endpoints, as a sign-in would use them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Identity.ts")]
pub struct DiscoveredEndpoints {
    /// The browser sign-in page (authorization code flow).
    pub authorization: Option<String>,
    /// The token endpoint (every flow).
    pub token: Option<String>,
    /// The device authorization endpoint (device flow).
    pub device_authorization: Option<String>,
    /// The revocation endpoint (used when signing out).
    pub revocation: Option<String>,
    /// The dynamic client registration endpoint (RFC 7591), when offered.
    pub registration: Option<String>,
}

/// Something the check found; the app words each kind in the user's language, with what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[ts(export_to = "Identity.ts")]
pub enum DiscoveryFinding {
    /// No issuer: nothing to discover, so the endpoints come from the settings alone.
    NoIssuer,
    /// A URL is neither `https://` nor `http://` to this machine.
    NotSecure {
        /// The setting (`issuer`, `token_endpoint`…).
        field: String,
        /// The URL.
        url: String,
    },
    /// Nothing answered at any place asked (connection refused, unknown host, TLS, timeout).
    Unreachable {
        /// The first failure, as the network stack put it.
        detail: String,
    },
    /// The issuer's server answered, but with no document at any place asked (HTTP 404…).
    NoDocument,
    /// A place answered with success, but not with JSON (a web page, most likely).
    NotJson {
        /// The URL that answered.
        url: String,
    },
    /// The document names a different issuer; OpenID Connect requires the same, exactly.
    IssuerMismatch {
        /// The issuer the document names.
        published: String,
    },
    /// No token endpoint: neither given nor published.
    NoTokenEndpoint,
    /// The browser flow needs an authorization endpoint, and there is none.
    NoAuthorizationEndpoint,
    /// The device flow needs a device authorization endpoint, and there is none.
    NoDeviceEndpoint,
    /// The provider lists the grant types it supports, and this flow's is not among them.
    GrantNotAdvertised {
        /// The grant type (`client_credentials`…).
        grant: String,
    },
    /// The provider lists the scopes it supports, and some asked for are not among them.
    ScopesNotAdvertised {
        /// The scopes it does not list.
        scopes: Vec<String>,
    },
}

impl DiscoveryReport {
    /// Whether a sign-in can be tried with these settings.
    pub fn usable(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The grant type a flow asks for at the token endpoint.
fn grant_of(flow: AuthFlow) -> &'static str {
    match flow {
        AuthFlow::Code => "authorization_code",
        AuthFlow::Device => "urn:ietf:params:oauth:grant-type:device_code",
        AuthFlow::ClientCredentials => "client_credentials",
    }
}

fn strings(metadata: &Value, key: &str) -> Vec<String> {
    metadata[key]
        .as_array()
        .map(|values| values.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Checks `settings` (saved or not) for provider `name`: fetches the issuer's metadata for
/// real and reports the endpoints found and everything that would stop a sign-in. Sends no
/// credentials; an API-key provider has nothing to check.
pub async fn check_discovery(name: &str, settings: &ProviderSettings) -> DiscoveryReport {
    let given = |url: &str| Some(url.trim().to_owned()).filter(|url| !url.is_empty());
    let issuer = settings.issuer.trim().trim_end_matches('/').to_owned();
    let mut report = DiscoveryReport {
        issuer: issuer.clone(),
        endpoints: DiscoveredEndpoints {
            authorization: given(&settings.authorization_endpoint),
            token: given(&settings.token_endpoint),
            device_authorization: given(&settings.device_authorization_endpoint),
            revocation: given(&settings.revocation_endpoint),
            registration: None,
        },
        ..DiscoveryReport::default()
    };
    if settings.kind == ProviderKind::ApiKey {
        return report;
    }
    let mut metadata = None;
    if issuer.is_empty() {
        report.notes.push(DiscoveryFinding::NoIssuer);
    } else if !is_secure_url(&issuer) {
        report
            .problems
            .push(DiscoveryFinding::NotSecure { field: "issuer".into(), url: issuer.clone() });
    } else {
        let client = Client::new(name, settings.clone(), None, Arc::new(now));
        let answers = client.metadata_answers(&issuer).await;
        let mut first_failure = None;
        let mut answered = false;
        for (url, answer) in answers {
            let mut attempt =
                DiscoveryAttempt { url: url.clone(), found: false, status: None, error: None };
            match answer {
                MetadataAnswer::Document(document) => {
                    attempt.found = true;
                    report.document_url = Some(url);
                    metadata = Some(document);
                }
                MetadataAnswer::NotJson(error) => {
                    attempt.error = Some(error);
                    report.problems.push(DiscoveryFinding::NotJson { url });
                }
                MetadataAnswer::Status(status) => {
                    answered = true;
                    attempt.status = Some(status);
                }
                MetadataAnswer::Unreachable(error) => {
                    first_failure.get_or_insert_with(|| error.clone());
                    attempt.error = Some(error);
                }
            }
            report.tried.push(attempt);
        }
        if metadata.is_none() && report.problems.is_empty() {
            report.problems.push(match first_failure {
                Some(detail) if !answered => DiscoveryFinding::Unreachable { detail },
                _ => DiscoveryFinding::NoDocument,
            });
        }
    }
    // Only what is known is judged: after a failed discovery, missing endpoints say nothing.
    if metadata.is_none() && !issuer.is_empty() {
        return report;
    }
    if let Some(metadata) = &metadata {
        read_metadata(&mut report, metadata, &issuer, settings);
    }
    judge_endpoints(&mut report, settings);
    report
}

/// Fills in what the settings leave out from the document, and notes where it disagrees.
fn read_metadata(
    report: &mut DiscoveryReport,
    metadata: &Value,
    issuer: &str,
    settings: &ProviderSettings,
) {
    let found = |key: &str| metadata[key].as_str().map(str::to_owned);
    let endpoints = &mut report.endpoints;
    endpoints.authorization =
        endpoints.authorization.take().or_else(|| found("authorization_endpoint"));
    endpoints.token = endpoints.token.take().or_else(|| found("token_endpoint"));
    endpoints.device_authorization =
        endpoints.device_authorization.take().or_else(|| found("device_authorization_endpoint"));
    endpoints.revocation = endpoints.revocation.take().or_else(|| found("revocation_endpoint"));
    endpoints.registration = found("registration_endpoint");
    if let Some(published) = found("issuer")
        && published.trim_end_matches('/') != issuer
    {
        report.notes.push(DiscoveryFinding::IssuerMismatch { published });
    }
    report.scopes_supported = strings(metadata, "scopes_supported");
    report.grant_types_supported = strings(metadata, "grant_types_supported");
    let grant = grant_of(settings.flow);
    if !report.grant_types_supported.is_empty()
        && !report.grant_types_supported.iter().any(|listed| listed == grant)
    {
        report.notes.push(DiscoveryFinding::GrantNotAdvertised { grant: grant.into() });
    }
    if !report.scopes_supported.is_empty() {
        let unlisted: Vec<String> = settings
            .scopes
            .iter()
            .filter(|scope| !report.scopes_supported.contains(scope))
            .cloned()
            .collect();
        if !unlisted.is_empty() {
            report.notes.push(DiscoveryFinding::ScopesNotAdvertised { scopes: unlisted });
        }
    }
}

/// The endpoints a sign-in with the settings' flow needs, and that each is safe to use.
fn judge_endpoints(report: &mut DiscoveryReport, settings: &ProviderSettings) {
    let endpoints = report.endpoints.clone();
    if endpoints.token.is_none() {
        report.problems.push(DiscoveryFinding::NoTokenEndpoint);
    }
    match settings.flow {
        AuthFlow::Code if endpoints.authorization.is_none() => {
            report.problems.push(DiscoveryFinding::NoAuthorizationEndpoint);
        }
        AuthFlow::Device if endpoints.device_authorization.is_none() => {
            report.problems.push(DiscoveryFinding::NoDeviceEndpoint);
        }
        _ => {}
    }
    let named = [
        ("authorization_endpoint", endpoints.authorization),
        ("token_endpoint", endpoints.token),
        ("device_authorization_endpoint", endpoints.device_authorization),
        ("revocation_endpoint", endpoints.revocation),
    ];
    for (field, url) in named {
        if let Some(url) = url.filter(|url| !is_secure_url(url)) {
            report.problems.push(DiscoveryFinding::NotSecure { field: field.into(), url });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DiscoveryFinding, check_discovery};
    use crate::{AuthFlow, ProviderKind, ProviderSettings};

    #[tokio::test]
    async fn settings_without_an_issuer_are_judged_on_their_own_endpoints() {
        let settings = ProviderSettings {
            token_endpoint: "https://idp.example/token".into(),
            client_id: "app".into(),
            flow: AuthFlow::Device,
            ..ProviderSettings::default()
        };
        let report = check_discovery("idp", &settings).await;
        assert_eq!(report.notes, [DiscoveryFinding::NoIssuer]);
        assert_eq!(report.problems, [DiscoveryFinding::NoDeviceEndpoint]);
        assert!(report.tried.is_empty(), "nothing is fetched without an issuer");
    }

    #[tokio::test]
    async fn a_plain_http_issuer_elsewhere_is_refused_before_anything_is_sent() {
        let settings = ProviderSettings {
            issuer: "http://idp.example/".into(),
            client_id: "app".into(),
            ..ProviderSettings::default()
        };
        let report = check_discovery("idp", &settings).await;
        assert_eq!(report.issuer, "http://idp.example");
        assert_eq!(
            report.problems,
            [DiscoveryFinding::NotSecure {
                field: "issuer".into(),
                url: "http://idp.example".into()
            }]
        );
        assert!(report.tried.is_empty());
    }

    #[tokio::test]
    async fn an_issuer_nobody_answers_for_is_unreachable() {
        // A port nothing listens on: bound, then released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let settings = ProviderSettings {
            issuer: format!("http://127.0.0.1:{port}"),
            client_id: "app".into(),
            ..ProviderSettings::default()
        };
        let report = check_discovery("idp", &settings).await;
        assert!(!report.usable());
        assert!(
            matches!(report.problems.as_slice(), [DiscoveryFinding::Unreachable { .. }]),
            "{:?}",
            report.problems
        );
        assert_eq!(report.tried.len(), 2, "both well-known places are asked");
        assert!(report.tried.iter().all(|attempt| attempt.error.is_some()));
    }

    #[tokio::test]
    async fn an_api_key_provider_has_nothing_to_check() {
        let settings =
            ProviderSettings { kind: ProviderKind::ApiKey, ..ProviderSettings::default() };
        let report = check_discovery("openai", &settings).await;
        assert!(report.usable() && report.notes.is_empty() && report.tried.is_empty());
    }
}
