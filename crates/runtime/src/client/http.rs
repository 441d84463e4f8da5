//! Agents reached by URL: `POST {url}/invocations` and `GET {url}/ping`, and the plain-HTTP
//! call that AgentCore's data plane takes with a bearer token.

use agentdesk_identity::TokenRequest;
use serde_json::Value;

use super::stream::{Body, Call, read_answer, reason, status_error};
use super::{Bearer, ClientError, Health, Invocation, Invoked};
use crate::items::SESSION_HEADER;

/// What the client accepts: a stream when the agent can send one, else JSON.
pub(crate) const ACCEPT: &str = "text/event-stream, application/json";

/// An agent serving the Runtime contract at a URL.
#[derive(Debug, Clone)]
pub(crate) struct UrlAgent {
    url: String,
    http: reqwest::Client,
    bearer: Option<Bearer>,
}

impl UrlAgent {
    pub(crate) fn new(url: &str, bearer: Option<Bearer>) -> UrlAgent {
        UrlAgent { url: url.trim_end_matches('/').to_owned(), http: http_client(), bearer }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) async fn invoke(
        &self,
        call: &Call<'_>,
        invocation: &Invocation,
        on_item: &mut (dyn FnMut(Value) + Send),
    ) -> Result<Invoked, ClientError> {
        let endpoint = format!("{}/invocations", self.url);
        post(call, &self.http, &endpoint, self.bearer.as_ref(), invocation, on_item).await
    }

    pub(crate) async fn ping(&self, call: &Call<'_>) -> Result<Health, ClientError> {
        let endpoint = format!("{}/ping", self.url);
        let response = call
            .bounded(self.http.get(&endpoint).send())
            .await?
            .map_err(|error| unreachable(call, &endpoint, &error))?;
        let status = response.status().as_u16();
        let body = call
            .bounded(response.bytes())
            .await?
            .map_err(|error| unreachable(call, &endpoint, &error))?;
        if !(200..300).contains(&status) {
            return Err(status_error(call, status, None, &body));
        }
        serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|value| {
                let status = value.get("status")?.as_str()?.to_owned();
                let time_of_last_update =
                    value.get("time_of_last_update").and_then(Value::as_u64);
                Some(Health { status, time_of_last_update })
            })
            .ok_or_else(|| ClientError::HttpStatus {
                agent: call.agent.to_owned(),
                status,
                error_type: None,
                message: format!(
                    "{endpoint} did not answer {{\"status\": …}}; is this an AgentCore Runtime agent?"
                ),
            })
    }
}

/// A client for agents: no redirects (a redirect would resend the prompt and the bearer
/// elsewhere), no overall timeout (streams may run for an hour; [`Call::bounded`] bounds each
/// wait instead).
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

fn unreachable(call: &Call<'_>, url: &str, error: &reqwest::Error) -> ClientError {
    ClientError::Unreachable {
        agent: call.agent.to_owned(),
        url: url.to_owned(),
        reason: reason(error),
    }
}

/// Posts the invocation to `endpoint` and reads the answer. With a bearer, a 401 fetches a
/// new token and tries once more (a revoked or rotated token that still looked valid).
pub(crate) async fn post(
    call: &Call<'_>,
    http: &reqwest::Client,
    endpoint: &str,
    bearer: Option<&Bearer>,
    invocation: &Invocation,
    on_item: &mut (dyn FnMut(Value) + Send),
) -> Result<Invoked, ClientError> {
    let body =
        serde_json::to_vec(&invocation.payload).map_err(|error| ClientError::BadSettings {
            agent: call.agent.to_owned(),
            problem: format!("the payload cannot be sent as JSON: {error}"),
        })?;
    let mut rejected = false;
    loop {
        let mut request = http
            .post(endpoint)
            .header("content-type", "application/json")
            .header("accept", ACCEPT)
            .header(SESSION_HEADER, &invocation.session_id);
        for (name, value) in &invocation.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(bearer) = bearer {
            let token = token(call, bearer, rejected).await?;
            request = request.bearer_auth(token.expose());
        }
        let response = call
            .bounded(request.body(body.clone()).send())
            .await?
            .map_err(|error| unreachable(call, endpoint, &error))?;
        let status = response.status().as_u16();
        if status == 401 && bearer.is_some() && !rejected {
            rejected = true;
            continue;
        }
        let header = |name: &str| {
            response.headers().get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
        };
        if !(200..300).contains(&status) {
            let error_type = header("x-amzn-errortype");
            let bytes = call.bounded(response.bytes()).await?.unwrap_or_default();
            return Err(status_error(call, status, error_type.as_deref(), &bytes));
        }
        let session_id = header(SESSION_HEADER).unwrap_or_else(|| invocation.session_id.clone());
        let content_type = header("content-type").unwrap_or_default();
        return read_answer(call, &content_type, session_id, Body::Http(response), on_item).await;
    }
}

/// The bearer token: the cached one, or a fresh one when the server refused it.
async fn token(
    call: &Call<'_>,
    bearer: &Bearer,
    rejected: bool,
) -> Result<agentdesk_identity::Secret, ClientError> {
    let request = TokenRequest { rejected, ..TokenRequest::default() };
    bearer.identity.access_token(&bearer.provider, &request).await.map_err(|error| {
        ClientError::NoCredentials { agent: call.agent.to_owned(), problem: error.to_string() }
    })
}
