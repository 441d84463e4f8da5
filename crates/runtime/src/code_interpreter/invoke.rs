//! InvokeCodeInterpreter: one tool call in a session, answered as an event stream.
//!
//! Everything that can be refused before the call runs — a body that is not JSON, no or a
//! malformed session header, an unknown tool, missing arguments, a session that is unknown
//! or no longer running — is an HTTP error, so boto3 raises it from the call itself. The
//! call then runs inside the response body: the headers go out at once, the `result` event
//! when the call ends, and a caller that goes away drops the body and with it the running
//! call (the sandbox stops a guest whose future is dropped). What the guest's code does wrong
//! (an exception, a limit) is a result with `isError` and the traceback, never an error of
//! the transport; `executeCommand` and the task tools, which a WASM Python cannot offer, are
//! answered by the sandbox with a result saying so.

use std::convert::Infallible;

use agentdesk_wasm_sandbox::{SessionStatus, ToolCall, ToolResult};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::errors::ApiError;
use super::sessions::parse_body;
use super::{Shared, eventstream};

/// The header naming the session, in the request and the answer.
pub(crate) const SESSION_HEADER: &str = "x-amzn-code-interpreter-session-id";

/// The tool names of the API model.
const TOOLS: [&str; 9] = [
    "executeCode",
    "executeCommand",
    "readFiles",
    "listFiles",
    "removeFiles",
    "writeFiles",
    "startCommandExecution",
    "getTask",
    "stopTask",
];

/// The request body: `{name, arguments}`.
#[derive(Debug, Deserialize)]
pub(crate) struct InvokeRequest {
    name: Option<String>,
    arguments: Option<Value>,
}

/// `POST /code-interpreters/{id}/tools/invoke`.
pub(crate) async fn invoke(
    State(shared): State<Shared>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: InvokeRequest = parse_body(&body, "InvokeCodeInterpreter")?;
    let session_id = headers
        .get(SESSION_HEADER)
        .ok_or_else(|| {
            ApiError::validation(format!(
                "the header {SESSION_HEADER} is missing: name the session that \
                 StartCodeInterpreterSession returned"
            ))
        })?
        .to_str()
        .map_err(|_| ApiError::validation(format!("the header {SESSION_HEADER} is not text")))?
        .to_owned();
    let call = checked_call(request)?;
    let found = shared.sessions.find(&shared, &identifier, &session_id)?;
    if found.info.status != SessionStatus::Ready {
        let why = match found.info.ended {
            Some(agentdesk_wasm_sandbox::EndReason::Timeout) => "reached its sessionTimeoutSeconds",
            Some(agentdesk_wasm_sandbox::EndReason::Idle) => "went unused for too long",
            _ => "was stopped",
        };
        return Err(ApiError::validation(format!(
            "session {session_id} is TERMINATED: it {why}, and its variables and files are gone; \
             start a new session with StartCodeInterpreterSession"
        )));
    }

    // Checked against `[0-9a-zA-Z]{1,40}` by `find`, so it is a valid header value.
    let echoed = HeaderValue::from_str(&session_id).ok();
    let sandbox = shared.sandbox.clone();
    let limits = shared.options.limits;
    let answer = async move {
        let result = sandbox.invoke(&found.sandbox_id, &call, &limits).await;
        let ended = sandbox
            .get_session(&found.sandbox_id)
            .is_none_or(|info| info.status != SessionStatus::Ready);
        // A session stopped between the check above and the call: the call did not run (a
        // cell stopped while running has `structuredContent` saying so, and is a result).
        let framed = if ended && result.is_error && result.structured_content.is_none() {
            eventstream::exception(&ApiError::not_found(format!(
                "session {session_id} ended before the call ran; nothing ran. Start a new session \
                 with StartCodeInterpreterSession"
            )))
        } else {
            eventstream::result_event(&to_wire(&result))
        };
        let bytes = framed.unwrap_or_else(|reason| {
            tracing::error!(%reason, "a code interpreter answer could not be framed");
            eventstream::exception(&ApiError::internal(reason)).unwrap_or_default()
        });
        Ok::<Bytes, Infallible>(bytes)
    };
    let mut response =
        (StatusCode::OK, Body::from_stream(futures_util::stream::once(answer))).into_response();
    let response_headers = response.headers_mut();
    response_headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(eventstream::CONTENT_TYPE));
    if let Some(value) = echoed {
        response_headers.insert(SESSION_HEADER, value);
    }
    Ok(response)
}

/// The call, or why it cannot run: an unknown tool or missing arguments.
fn checked_call(request: InvokeRequest) -> Result<ToolCall, ApiError> {
    let name = request.name.ok_or_else(|| {
        ApiError::validation(format!(
            "name is missing: say which tool to run ({})",
            TOOLS.join(", ")
        ))
    })?;
    if !TOOLS.contains(&name.as_str()) {
        return Err(ApiError::validation(format!(
            "unknown tool {name:?}; the tools are {}",
            TOOLS.join(", ")
        )));
    }
    let arguments = match request.arguments {
        None | Some(Value::Null) => Value::Object(serde_json::Map::new()),
        Some(Value::Object(arguments)) => Value::Object(arguments),
        Some(_) => {
            return Err(ApiError::validation(
                "arguments must be an object of the tool's arguments",
            ));
        }
    };
    let required: &[(&str, &str)] = match name.as_str() {
        "executeCode" => &[("code", "the Python source to run")],
        "readFiles" | "removeFiles" => &[("paths", "the list of file paths")],
        "writeFiles" => &[("content", "the list of {path, text} or {path, blob} files")],
        "executeCommand" | "startCommandExecution" => &[("command", "the command to run")],
        "getTask" | "stopTask" => &[("taskId", "the task's id")],
        _ => &[],
    };
    for (field, what) in required {
        if arguments.get(field).is_none_or(Value::is_null) {
            return Err(ApiError::validation(format!("{name} needs arguments.{field}: {what}")));
        }
    }
    Ok(ToolCall { name, arguments })
}

/// A sandbox result as the API model's `CodeInterpreterResult`. The sandbox's shape is the
/// model's already, except that an embedded file's `resource` must say whether it carries
/// `text` or a `blob` (its required `type`). AgentDesk's additions to `structuredContent`
/// (`stateLost`, `limit`, `memoryBytes`) stay: AWS's clients skip members they do not know.
pub(crate) fn to_wire(result: &ToolResult) -> Value {
    let mut wire = serde_json::to_value(result).unwrap_or_else(|error| {
        serde_json::to_value(ToolResult::error(format!("the result could not be encoded: {error}")))
            .unwrap_or_default()
    });
    if let Some(content) = wire.get_mut("content").and_then(Value::as_array_mut) {
        for block in content {
            if let Some(resource) = block.get_mut("resource").and_then(Value::as_object_mut) {
                let kind = if resource.contains_key("blob") { "blob" } else { "text" };
                resource.insert("type".into(), Value::from(kind));
            }
        }
    }
    wire
}

#[cfg(test)]
mod tests {
    use agentdesk_wasm_sandbox::{Content, EmbeddedResource};
    use serde_json::json;

    use super::*;

    #[test]
    fn files_read_carry_the_resource_type_the_model_requires() {
        let result = ToolResult {
            content: vec![
                Content::Resource {
                    resource: EmbeddedResource {
                        uri: "file:///workspace/a.txt".into(),
                        mime_type: Some("text/plain".into()),
                        text: Some("hi".into()),
                        blob: None,
                    },
                },
                Content::Resource {
                    resource: EmbeddedResource {
                        uri: "file:///workspace/b.bin".into(),
                        mime_type: None,
                        text: None,
                        blob: Some("AAE=".into()),
                    },
                },
            ],
            structured_content: None,
            is_error: false,
        };
        let wire = to_wire(&result);
        assert_eq!(wire["content"][0]["resource"]["type"], "text");
        assert_eq!(wire["content"][0]["resource"]["text"], "hi");
        assert_eq!(wire["content"][1]["resource"]["type"], "blob");
        assert_eq!(wire["isError"], false);
    }

    #[test]
    fn unknown_tools_and_missing_arguments_are_refused_before_running() {
        let unknown =
            checked_call(InvokeRequest { name: Some("frobnicate".into()), arguments: None });
        assert!(
            unknown.is_err_and(|error| error.message().contains("executeCode, executeCommand"))
        );
        let no_code = checked_call(InvokeRequest {
            name: Some("executeCode".into()),
            arguments: Some(json!({"language": "python"})),
        });
        assert!(no_code.is_err_and(|error| error.message().contains("arguments.code")));
        let listing =
            checked_call(InvokeRequest { name: Some("listFiles".into()), arguments: None })
                .expect("listFiles needs nothing");
        assert_eq!(listing.arguments, json!({}));
    }
}
