//! `POST /invocations`: the payload and headers read into an [`Invocation`], answered as JSON
//! or, when the caller accepts `text/event-stream`, as one `data: <json>\n\n` event per item.
//! Bad input is said plainly: invalid JSON → 400 `{"error": "Invalid JSON", "details"}`, no
//! usable prompt → 400 naming `prompt`, a body over 100 MB → 413; a failed turn → 500
//! `{"error": <message>}` (mid-stream, one last error item).

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::agent::{self, RunningTurn, Shared, TurnFailure, TurnItem};
use crate::items::{
    CUSTOM_HEADER_PREFIX, MAX_SESSION_ID, REQUEST_ID_HEADER, SESSION_HEADER, encode_sse,
};

/// AgentCore's payload limit.
pub const MAX_PAYLOAD_BYTES: usize = 100 * 1024 * 1024;
/// W3C trace context headers longer than this are ignored (AgentCore's limit).
const MAX_TRACE_HEADER: usize = 128;
/// Baggage longer than this is not recorded.
const MAX_BAGGAGE: usize = 8192;

/// One call, as read from the request.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    /// What to answer.
    pub(crate) prompt: String,
    /// The conversation (the session header, or a new id).
    pub(crate) session_id: String,
    /// The request id (the header, or a new id).
    pub(crate) request_id: String,
    /// `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*` headers, without the prefix.
    pub(crate) context: BTreeMap<String, String>,
    /// Whether the caller asked for server-sent events.
    pub(crate) streaming: bool,
    /// The caller's `traceparent`, when valid.
    trace: Option<String>,
    /// The caller's `baggage`.
    baggage: Option<String>,
}

/// Input that cannot be answered: the status, a short name, and what exactly is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadInput {
    pub(crate) status: StatusCode,
    pub(crate) error: &'static str,
    pub(crate) details: String,
}

/// Refuses a body declared larger than [`MAX_PAYLOAD_BYTES`] before reading any of it (a
/// body without a declared length is cut off at the limit as it is read).
pub(crate) async fn refuse_oversized(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_PAYLOAD_BYTES as u64) {
        let bad = too_large();
        if super::is_aws_data_plane(request.uri().path()) {
            // AgentCore's data-plane routes answer in its error shape.
            let message = format!("{}: {}", bad.error, bad.details);
            let mut response = (bad.status, Json(json!({"message": message}))).into_response();
            response
                .headers_mut()
                .insert("x-amzn-errortype", HeaderValue::from_static("ValidationException"));
            return response;
        }
        return bad.response();
    }
    next.run(request).await
}

fn too_large() -> BadInput {
    BadInput {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        error: "Payload Too Large",
        details: format!(
            "the payload is larger than {} MB, AgentCore Runtime's limit",
            MAX_PAYLOAD_BYTES >> 20
        ),
    }
}

impl BadInput {
    /// The contract's answer: `{"error", "details"}` with the status.
    fn response(&self) -> Response {
        (self.status, Json(json!({"error": self.error, "details": self.details}))).into_response()
    }
}

impl Invocation {
    /// Reads a call from its headers and body.
    pub(crate) fn read(
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<Invocation, BadInput> {
        let body = body.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                BadInput {
                    status: rejection.status(),
                    error: "Unreadable body",
                    details: rejection.body_text(),
                }
            }
        })?;
        let payload: Value = serde_json::from_slice(&body).map_err(|error| BadInput {
            status: StatusCode::BAD_REQUEST,
            error: "Invalid JSON",
            details: error.to_string(),
        })?;
        Invocation::from_payload(headers, &payload)
    }

    /// Reads a call from its headers and an already parsed payload (a WebSocket message).
    pub(crate) fn from_payload(
        headers: &HeaderMap,
        payload: &Value,
    ) -> Result<Invocation, BadInput> {
        let prompt = match payload.get("prompt") {
            Some(Value::String(prompt)) if !prompt.trim().is_empty() => prompt.clone(),
            found => {
                let what = match found {
                    None => "is missing",
                    Some(Value::String(_)) => "is empty",
                    Some(_) => "is not a string",
                };
                return Err(BadInput {
                    status: StatusCode::BAD_REQUEST,
                    error: "Missing prompt",
                    details: format!(
                        "\"prompt\" {what}: send {{\"prompt\": \"…\"}}, e.g. {{\"prompt\": \"2 t3.medium and an ALB in us-east-1\"}}"
                    ),
                });
            }
        };
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let session_id = match header(SESSION_HEADER) {
            Some(id) => checked_session_id(id)?,
            None => uuid::Uuid::new_v4().to_string(),
        };
        let request_id = header(REQUEST_ID_HEADER)
            .filter(|id| !id.is_empty() && id.len() <= MAX_SESSION_ID)
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        let context = headers
            .iter()
            .filter_map(|(name, value)| {
                let key = name.as_str().strip_prefix(CUSTOM_HEADER_PREFIX)?;
                Some((key.to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let streaming = header(header::ACCEPT.as_str())
            .is_some_and(|accept| accept.contains("text/event-stream"));
        let trace = header("traceparent")
            .filter(|value| parse_traceparent(value).is_some())
            .map(|value| value.trim().to_owned());
        let baggage =
            header("baggage").filter(|baggage| baggage.len() <= MAX_BAGGAGE).map(str::to_owned);
        Ok(Invocation { prompt, session_id, request_id, context, streaming, trace, baggage })
    }

    /// The span the turn runs in, a child of the caller's span when it sent `traceparent`
    /// (its `baggage` carried on), so the agent's spans (`invoke_agent`, `chat`,
    /// `execute_tool`) continue the caller's trace.
    pub(crate) fn span(&self) -> tracing::Span {
        let span = tracing::info_span!(
            "invocation",
            otel.name = "POST /invocations",
            otel.kind = "server",
            session.id = %self.session_id,
            request.id = %self.request_id,
            custom_headers = self.context.len(),
        );
        if let Some(traceparent) = &self.trace {
            let mut caller = HashMap::from([("traceparent".to_owned(), traceparent.clone())]);
            if let Some(baggage) = &self.baggage {
                caller.insert("baggage".to_owned(), baggage.clone());
            }
            agentdesk_telemetry::traces::continue_trace(&span, &caller);
        }
        span
    }
}

/// A session id the memory can keep: 1–256 visible ASCII characters.
fn checked_session_id(id: &str) -> Result<String, BadInput> {
    let visible = id.chars().all(|c| c.is_ascii_graphic());
    if id.is_empty() || id.len() > MAX_SESSION_ID || !visible {
        return Err(BadInput {
            status: StatusCode::BAD_REQUEST,
            error: "Invalid session id",
            details: format!(
                "{SESSION_HEADER} must be 1 to {MAX_SESSION_ID} visible ASCII characters (AgentCore asks for at least 33, e.g. a UUID)"
            ),
        });
    }
    Ok(id.to_owned())
}

/// `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`, all-zero ids refused (W3C).
fn parse_traceparent(value: &str) -> Option<(String, String)> {
    if value.len() > MAX_TRACE_HEADER {
        return None;
    }
    let parts: Vec<&str> = value.trim().split('-').collect();
    let hex = |text: &str, length: usize| {
        text.len() == length
            && text.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            && text.chars().any(|c| c != '0')
    };
    let [version, trace_id, parent_id, flags] = parts.as_slice() else { return None };
    let known = version.len() == 2 && *version != "ff" && flags.len() == 2;
    (known && hex(trace_id, 32) && hex(parent_id, 16))
        .then(|| ((*trace_id).to_owned(), (*parent_id).to_owned()))
}

/// `POST /invocations`.
pub(crate) async fn invoke(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let invocation = match Invocation::read(&headers, body) {
        Ok(invocation) => invocation,
        Err(bad) => return bad.response(),
    };
    match answer(&shared, &invocation).await {
        Ok(response) => response,
        Err(failure) => {
            let mut response =
                (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": failure.message})))
                    .into_response();
            tag(&mut response, &invocation);
            response
        }
    }
}

/// Answers `invocation`: a stream of items (the turn runs while it is read, and stops when
/// the reader goes away) or, once the turn ends, the JSON answer. `Err` is a turn that
/// failed before anything was sent.
pub(crate) async fn answer(
    shared: &Shared,
    invocation: &Invocation,
) -> Result<Response, TurnFailure> {
    let turn = agent::start(shared, invocation);
    let mut response = if invocation.streaming {
        stream_response(turn)
    } else {
        // The handler owns the turn: a caller that disconnects drops the handler, and the
        // turn with it.
        let answered = turn.finish().await?;
        let body = agent::json_answer(&answered, &invocation.session_id);
        (StatusCode::OK, Json(body)).into_response()
    };
    tag(&mut response, invocation);
    Ok(response)
}

/// The session and request ids on every answer.
pub(crate) fn tag(response: &mut Response, invocation: &Invocation) {
    let headers = response.headers_mut();
    for (name, value) in
        [(SESSION_HEADER, &invocation.session_id), (REQUEST_ID_HEADER, &invocation.request_id)]
    {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
}

/// The turn's items as server-sent events, ending with the estimate or an error item.
fn stream_response(turn: RunningTurn) -> Response {
    let events = futures_util::stream::unfold(turn, |mut turn| async move {
        loop {
            let chunk: String = match turn.next().await? {
                TurnItem::Event(event) => encode_sse(&agent::event_item(&event)),
                TurnItem::Finished(result) => {
                    agent::closing_items(&result).iter().map(encode_sse).collect()
                }
            };
            // An empty chunk could read as the end of a chunked body: none is sent.
            if !chunk.is_empty() {
                return Some((Ok::<_, Infallible>(Bytes::from(chunk)), turn));
            }
        }
    });
    let mut response = Response::new(Body::from_stream(events));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream; charset=utf-8"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, StatusCode};
    use serde_json::json;

    use super::{Invocation, parse_traceparent};

    #[test]
    fn the_payload_and_headers_are_read_and_mistakes_are_named() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amzn-bedrock-agentcore-runtime-session-id",
            HeaderValue::from_static("session-0123456789-0123456789-0123456789"),
        );
        headers.insert(
            "x-amzn-bedrock-agentcore-runtime-custom-tenant",
            HeaderValue::from_static("acme"),
        );
        headers.insert("accept", HeaderValue::from_static("text/event-stream"));
        let call =
            Invocation::from_payload(&headers, &json!({"prompt": "2 t3.micro"})).expect("a call");
        assert_eq!(call.session_id, "session-0123456789-0123456789-0123456789");
        assert_eq!(call.context.get("tenant").map(String::as_str), Some("acme"));
        assert!(call.streaming);
        assert_eq!(call.request_id.len(), 36, "a request id is made up when none is sent");

        let plain = HeaderMap::new();
        for (payload, said) in [
            (json!({}), "is missing"),
            (json!({"prompt": " "}), "is empty"),
            (json!({"prompt": 3}), "is not a string"),
        ] {
            let bad = Invocation::from_payload(&plain, &payload).expect_err("no prompt");
            assert_eq!(bad.status, StatusCode::BAD_REQUEST);
            assert!(bad.details.starts_with("\"prompt\"") && bad.details.contains(said), "{bad:?}");
        }
        let made_up = Invocation::from_payload(&plain, &json!({"prompt": "x"})).expect("call");
        assert!(made_up.session_id.len() >= 33, "{}", made_up.session_id);
    }

    #[test]
    fn only_well_formed_trace_parents_are_continued() {
        let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            parse_traceparent(valid),
            Some(("4bf92f3577b34da6a3ce929d0e0e4736".into(), "00f067aa0ba902b7".into()))
        );
        assert_eq!(
            parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
            None
        );
        assert_eq!(parse_traceparent("garbage"), None);
        assert_eq!(
            parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            None
        );
    }
}
