//! StartCodeInterpreterSession, Stop, Get and List, over the sandbox's sessions.
//!
//! The sandbox names its sessions `local-<hex>`, which the API's pattern `[0-9a-zA-Z]{1,40}`
//! does not allow, and it does not know which interpreter identifier a caller used; so each
//! session started here gets an entry mapping its wire id (the sandbox's id without the
//! hyphen) to the sandbox's id, the identifier it was started under, the caller's
//! `clientToken` (a retried start answers with the same session) and when it was stopped.
//! Entries go when the sandbox forgets the session (it keeps the last 100 ended ones), so the
//! map stays bounded.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use agentdesk_wasm_sandbox::{
    DEFAULT_SESSION_TIMEOUT, MAX_SESSION_TIMEOUT, SandboxError, SessionInfo, SessionStatus,
    StartSession,
};
use aws_smithy_types::date_time::{DateTime, Format};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Shared;
use super::errors::ApiError;

/// The most sessions one List call returns, and its default page size.
const MAX_RESULTS: usize = 100;
/// The longest session name the API model accepts.
const MAX_NAME_CHARS: usize = 100;

/// Which sessions were started through the data plane, under which identifier.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug, Clone)]
struct Entry {
    sandbox_id: String,
    identifier: String,
    client_token: Option<String>,
    /// ISO 8601 time it was stopped through the API.
    stopped_at: Option<String>,
}

/// A session the caller named, found.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// The sandbox's id for it.
    pub(crate) sandbox_id: String,
    /// What the sandbox says about it now.
    pub(crate) info: SessionInfo,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session `session_id` of interpreter `identifier`, or why there is none.
    pub(crate) fn find(
        &self,
        shared: &Shared,
        identifier: &str,
        session_id: &str,
    ) -> Result<Found, ApiError> {
        check_session_id(session_id)?;
        let entry = self.lock().get(session_id).cloned();
        let unknown = || {
            ApiError::not_found(format!(
                "code interpreter {identifier} has no session {session_id}; start one with \
                 StartCodeInterpreterSession"
            ))
        };
        let entry = entry.filter(|entry| entry.identifier == identifier).ok_or_else(unknown)?;
        let info = shared.sandbox.get_session(&entry.sandbox_id).ok_or_else(unknown)?;
        Ok(Found { sandbox_id: entry.sandbox_id, info })
    }

    /// The session (wire id, sandbox id) a start with `client_token` already made.
    fn started_with(&self, identifier: &str, client_token: &str) -> Option<(String, String)> {
        self.lock()
            .iter()
            .find(|(_, entry)| {
                entry.identifier == identifier
                    && entry.client_token.as_deref() == Some(client_token)
            })
            .map(|(wire, entry)| (wire.clone(), entry.sandbox_id.clone()))
    }

    /// Forgets sessions the sandbox no longer knows.
    fn prune(&self, shared: &Shared) {
        self.lock().retain(|_, entry| shared.sandbox.get_session(&entry.sandbox_id).is_some());
    }
}

/// The wire id of a sandbox session: its id without the characters the API forbids.
fn wire_id(sandbox_id: &str) -> String {
    sandbox_id.chars().filter(char::is_ascii_alphanumeric).take(40).collect()
}

/// Checks a session id against the API model's pattern `[0-9a-zA-Z]{1,40}`.
pub(crate) fn check_session_id(session_id: &str) -> Result<(), ApiError> {
    if session_id.is_empty()
        || session_id.len() > 40
        || !session_id.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(ApiError::validation(format!(
            "sessionId {session_id:?} is not a session id: it must be 1 to 40 letters and digits, \
             as StartCodeInterpreterSession returned it"
        )));
    }
    Ok(())
}

/// Parses a JSON body (an empty body counts as `{}`), saying which operation it was for.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(
    body: &Bytes,
    operation: &str,
) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    serde_json::from_slice(body).map_err(|error| {
        ApiError::validation(format!("the {operation} request body is not valid: {error}"))
    })
}

fn now() -> String {
    iso8601(SystemTime::now())
}

fn iso8601(time: SystemTime) -> String {
    DateTime::from(time).fmt(Format::DateTime).unwrap_or_default()
}

/// `sessionTimeoutSeconds` etc. as the caller sent them.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartRequest {
    name: Option<String>,
    session_timeout_seconds: Option<i64>,
    client_token: Option<String>,
    certificates: Option<Value>,
    filesystem_configurations: Option<Value>,
}

/// `PUT /code-interpreters/{id}/sessions/start`.
pub(crate) async fn start(
    State(shared): State<Shared>,
    Path(identifier): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: StartRequest = parse_body(&body, "StartCodeInterpreterSession")?;
    let name = request.name.unwrap_or_default();
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::validation(format!(
            "name must be at most {MAX_NAME_CHARS} characters, not {}",
            name.chars().count()
        )));
    }
    let timeout = request.session_timeout_seconds.unwrap_or(i64::from(DEFAULT_SESSION_TIMEOUT));
    let timeout = u32::try_from(timeout)
        .ok()
        .filter(|seconds| (1..=MAX_SESSION_TIMEOUT).contains(seconds))
        .ok_or_else(|| {
            ApiError::validation(format!(
                "sessionTimeoutSeconds must be from 1 to {MAX_SESSION_TIMEOUT}, not {timeout}"
            ))
        })?;
    if request.certificates.as_ref().is_some_and(|value| !is_empty(value))
        || request.filesystem_configurations.as_ref().is_some_and(|value| !is_empty(value))
    {
        return Err(ApiError::validation(
            "this code interpreter runs in a local WebAssembly sandbox: it has no network and \
             mounts no file systems, so certificates and filesystemConfigurations cannot apply; \
             leave them out",
        ));
    }
    shared.sessions.prune(&shared);
    if let Some(token) = &request.client_token
        && let Some((wire, sandbox_id)) = shared.sessions.started_with(&identifier, token)
        && let Some(info) = shared.sandbox.get_session(&sandbox_id)
    {
        // A retried start (same clientToken): the session it already started.
        return Ok(Json(json!({
            "codeInterpreterIdentifier": identifier,
            "sessionId": wire,
            "createdAt": info.created_at,
        })));
    }
    let info = shared
        .sandbox
        .start_session(StartSession {
            name,
            runtime: shared.options.runtime,
            timeout_seconds: timeout,
            metered: false,
        })
        .await
        .map_err(|error| match error {
            SandboxError::Invalid(reason) => ApiError::quota(reason),
            other => ApiError::internal(format!("the sandbox could not start a session: {other}")),
        })?;
    let wire = wire_id(&info.session_id);
    shared.sessions.lock().insert(
        wire.clone(),
        Entry {
            sandbox_id: info.session_id.clone(),
            identifier: identifier.clone(),
            client_token: request.client_token,
            stopped_at: None,
        },
    );
    Ok(Json(json!({
        "codeInterpreterIdentifier": identifier,
        "sessionId": wire,
        "createdAt": info.created_at,
    })))
}

fn is_empty(value: &Value) -> bool {
    value.is_null() || value.as_array().is_some_and(Vec::is_empty)
}

/// `?sessionId=` of Stop and Get.
fn session_of(query: Option<&str>) -> Result<String, ApiError> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "sessionId")
        .map(|(_, value)| value.into_owned())
        .ok_or_else(|| {
            ApiError::validation("sessionId is missing: name the session in `?sessionId=`")
        })
}

/// The Stop body: `{clientToken?}`, read so that a body that is not JSON is refused.
#[derive(Debug, Deserialize)]
struct StopRequest {}

/// `PUT /code-interpreters/{id}/sessions/stop?sessionId=`. Stopping a stopped session
/// answers as the first stop did (the operation is idempotent in the API model).
pub(crate) async fn stop(
    State(shared): State<Shared>,
    Path(identifier): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    // The body holds only boto3's `clientToken`: stopping twice is harmless anyway.
    let _: StopRequest = parse_body(&body, "StopCodeInterpreterSession")?;
    let session_id = session_of(query.as_deref())?;
    let found = shared.sessions.find(&shared, &identifier, &session_id)?;
    if found.info.status == SessionStatus::Ready {
        // A session that ended between the lookup and here is stopped all the same.
        let _ = shared.sandbox.stop_session(&found.sandbox_id);
    }
    let stopped_at = {
        let mut entries = shared.sessions.lock();
        let entry = entries.get_mut(&session_id);
        match entry {
            Some(entry) => entry.stopped_at.get_or_insert_with(now).clone(),
            None => now(),
        }
    };
    Ok(Json(json!({
        "codeInterpreterIdentifier": identifier,
        "sessionId": session_id,
        "lastUpdatedAt": stopped_at,
    })))
}

/// `GET /code-interpreters/{id}/sessions/get?sessionId=`.
pub(crate) async fn get(
    State(shared): State<Shared>,
    Path(identifier): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let session_id = session_of(query.as_deref())?;
    let found = shared.sessions.find(&shared, &identifier, &session_id)?;
    let mut answer = describe(&identifier, &session_id, &found.info);
    answer.insert("sessionTimeoutSeconds".into(), json!(found.info.session_timeout_seconds));
    Ok(Json(Value::Object(answer)))
}

/// The fields Get and List share.
fn describe(identifier: &str, session_id: &str, info: &SessionInfo) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("codeInterpreterIdentifier".into(), json!(identifier));
    fields.insert("sessionId".into(), json!(session_id));
    if !info.name.is_empty() {
        fields.insert("name".into(), json!(info.name));
    }
    fields.insert("createdAt".into(), json!(info.created_at));
    fields.insert("status".into(), json!(info.status));
    fields
}

/// The List body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListRequest {
    max_results: Option<i64>,
    next_token: Option<String>,
    status: Option<String>,
}

/// `POST /code-interpreters/{id}/sessions/list`: the sessions started under this identifier,
/// running ones first, newest first; `nextToken` is the position of the next page.
pub(crate) async fn list(
    State(shared): State<Shared>,
    Path(identifier): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: ListRequest = parse_body(&body, "ListCodeInterpreterSessions")?;
    let page = request.max_results.unwrap_or(MAX_RESULTS as i64);
    let page = usize::try_from(page)
        .ok()
        .filter(|page| (1..=MAX_RESULTS).contains(page))
        .ok_or_else(|| {
            ApiError::validation(format!("maxResults must be from 1 to {MAX_RESULTS}, not {page}"))
        })?;
    let status = match request.status.as_deref() {
        None => None,
        Some("READY") => Some(SessionStatus::Ready),
        Some("TERMINATED") => Some(SessionStatus::Terminated),
        Some(other) => {
            return Err(ApiError::validation(format!(
                "status must be READY or TERMINATED, not {other:?}"
            )));
        }
    };
    let start = match &request.next_token {
        None => 0,
        Some(token) => token.parse::<usize>().map_err(|_| {
            ApiError::validation(format!(
                "nextToken {token:?} did not come from ListCodeInterpreterSessions; leave it out \
                 to list from the start"
            ))
        })?,
    };
    shared.sessions.prune(&shared);
    let ours: HashMap<String, (String, Option<String>)> = shared
        .sessions
        .lock()
        .iter()
        .filter(|(_, entry)| entry.identifier == identifier)
        .map(|(wire, entry)| (entry.sandbox_id.clone(), (wire.clone(), entry.stopped_at.clone())))
        .collect();
    let matching: Vec<Value> = shared
        .sandbox
        .list_sessions()
        .into_iter()
        .filter(|info| status.is_none_or(|wanted| info.status == wanted))
        .filter_map(|info| {
            let (wire, stopped_at) = ours.get(&info.session_id)?;
            let mut summary = describe(&identifier, wire, &info);
            if let Some(stopped_at) = stopped_at {
                summary.insert("lastUpdatedAt".into(), json!(stopped_at));
            }
            Some(Value::Object(summary))
        })
        .collect();
    let items: Vec<Value> = matching.iter().skip(start).take(page).cloned().collect();
    let mut answer = json!({"items": items});
    if start + page < matching.len() {
        answer["nextToken"] = json!((start + page).to_string());
    }
    Ok(Json(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_ids_match_the_api_pattern() {
        let wire = wire_id("local-0123456789abcdef0123456789abcdef");
        assert_eq!(wire, "local0123456789abcdef0123456789abcdef");
        assert!(check_session_id(&wire).is_ok());
        assert!(check_session_id("local-0123").is_err(), "a hyphen is not allowed");
        assert!(check_session_id("").is_err());
        assert!(check_session_id(&"a".repeat(41)).is_err());
    }

    #[test]
    fn timestamps_are_iso_8601() {
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_764_694_800);
        assert_eq!(iso8601(time), "2025-12-02T17:00:00Z");
    }
}
