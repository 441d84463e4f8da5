//! Reading an answer, whichever way it was requested: status errors in the agent's (or
//! AWS's) words, a JSON answer as one item, an SSE answer item by item, each wait bounded by
//! the agent's timeout.

use std::time::Duration;

use serde_json::Value;

use super::{ClientError, Invoked, answer_text};
use crate::items::{SseDecoder, failure_of};

/// Who is being called and how long it may go quiet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    /// The agent's name, for messages.
    pub(crate) agent: &'a str,
    /// The longest wait for the answer to start, and between its chunks.
    pub(crate) timeout: Duration,
}

impl Call<'_> {
    pub(crate) fn timed_out(&self) -> ClientError {
        ClientError::Timeout { agent: self.agent.to_owned(), seconds: self.timeout.as_secs() }
    }

    /// Waits for `future` at most the agent's timeout.
    pub(crate) async fn bounded<T>(
        &self,
        future: impl Future<Output = T>,
    ) -> Result<T, ClientError> {
        tokio::time::timeout(self.timeout, future).await.map_err(|_| self.timed_out())
    }
}

/// An answer's body, chunk by chunk.
pub(crate) enum Body {
    /// From reqwest (URL agents, bearer calls).
    Http(reqwest::Response),
    /// From the AWS SDK (SigV4 calls).
    Aws(aws_sdk_bedrockagentcore::primitives::ByteStream),
}

impl Body {
    async fn chunk(&mut self) -> Result<Option<Vec<u8>>, String> {
        match self {
            Body::Http(response) => match response.chunk().await {
                Ok(chunk) => Ok(chunk.map(|bytes| bytes.to_vec())),
                Err(error) => Err(reason(&error)),
            },
            Body::Aws(stream) => match stream.next().await {
                None => Ok(None),
                Some(Ok(bytes)) => Ok(Some(bytes.to_vec())),
                Some(Err(error)) => Err(reason(&error)),
            },
        }
    }
}

/// The innermost cause of `error`: what the network or the OS said ("Connection refused"),
/// rather than the wrapper's "error sending request".
pub(crate) fn reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    let outer = error.to_string();
    let inner = deepest.to_string();
    if std::ptr::eq(deepest, error) || outer.contains(&inner) { outer } else { inner }
}

/// The error a non-success answer means, in the agent's words: AWS's `x-amzn-ErrorType` and
/// `{"message"}`, or a runtime's `{"error"}`.
pub(crate) fn status_error(
    call: &Call<'_>,
    status: u16,
    error_type_header: Option<&str>,
    body: &[u8],
) -> ClientError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let field = |key: &str| {
        parsed.as_ref().and_then(|value| value.get(key)).and_then(|value| match value {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
    };
    let message = field("message")
        .or_else(|| field("Message"))
        .or_else(|| field("error"))
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                "(no message)".to_owned()
            } else {
                text.chars().take(300).collect()
            }
        });
    // AWS writes `AccessDeniedException:http://internal.amazon.com/…` at times.
    let error_type = error_type_header
        .map(|kind| kind.split(':').next().unwrap_or(kind).to_owned())
        .or_else(|| field("error_type"))
        .or_else(|| field("__type"));
    error_of(call, status, error_type, message)
}

/// The error for `status`, with what the answer said.
pub(crate) fn error_of(
    call: &Call<'_>,
    status: u16,
    error_type: Option<String>,
    message: String,
) -> ClientError {
    let agent = call.agent.to_owned();
    match status {
        403 => ClientError::AccessDenied { agent, message },
        424 => ClientError::RuntimeClientError { agent, message },
        _ => ClientError::HttpStatus { agent, status, error_type, message },
    }
}

/// Reads a successful answer: SSE item by item, anything else as one JSON item (or, when it
/// is not JSON, its text as a string item).
pub(crate) async fn read_answer(
    call: &Call<'_>,
    content_type: &str,
    session_id: String,
    mut body: Body,
    on_item: &mut (dyn FnMut(Value) + Send),
) -> Result<Invoked, ClientError> {
    let broke = |message: String| ClientError::StreamFailed {
        agent: call.agent.to_owned(),
        error_type: None,
        message,
    };
    let streamed = content_type.trim_start().starts_with("text/event-stream");
    if !streamed {
        let mut bytes = Vec::new();
        while let Some(chunk) = call.bounded(body.chunk()).await?.map_err(broke)? {
            bytes.extend_from_slice(&chunk);
        }
        let item = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        let text = text_of_answer(&item);
        on_item(item);
        return Ok(Invoked { session_id, streamed, items: 1, text, trace_id: None });
    }
    let mut decoder = SseDecoder::default();
    let mut text = String::new();
    let mut items = 0;
    let mut take = |item: Value| -> Result<(), ClientError> {
        if let Some(failure) = failure_of(&item) {
            return Err(ClientError::StreamFailed {
                agent: call.agent.to_owned(),
                error_type: failure.error_type,
                message: failure.message,
            });
        }
        if let Some(piece) = answer_text(&item) {
            text.push_str(&piece);
        }
        items += 1;
        on_item(item);
        Ok(())
    };
    while let Some(chunk) = call.bounded(body.chunk()).await?.map_err(broke)? {
        for item in decoder.push(&chunk) {
            take(item)?;
        }
    }
    if let Some(item) = decoder.finish() {
        take(item)?;
    }
    Ok(Invoked { session_id, streamed, items, text, trace_id: None })
}

/// The text of a JSON answer: [`answer_text`], else the JSON itself.
pub(crate) fn text_of_answer(answer: &Value) -> String {
    answer_text(answer).unwrap_or_else(|| answer.to_string())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::{Call, status_error, text_of_answer};
    use crate::client::ClientError;

    #[test]
    fn aws_errors_and_runtime_errors_keep_their_own_words() {
        let call = Call { agent: "cost", timeout: Duration::from_secs(5) };
        let denied = status_error(
            &call,
            403,
            Some("AccessDeniedException:http://internal.amazon.com/coral/"),
            br#"{"message": "User is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime"}"#,
        );
        assert_eq!(denied.code(), "access_denied");
        assert!(denied.to_string().contains("not authorized to perform"), "{denied}");
        let failed = status_error(&call, 500, None, r#"{"error": "ゼロ除算"}"#.as_bytes());
        assert_eq!(
            failed,
            ClientError::HttpStatus {
                agent: "cost".into(),
                status: 500,
                error_type: None,
                message: "ゼロ除算".into()
            }
        );
        let plain = status_error(&call, 502, None, b"Bad Gateway");
        assert!(plain.to_string().contains("HTTP 502: Bad Gateway"), "{plain}");
        assert_eq!(status_error(&call, 424, None, b"").code(), "runtime_client_error");
    }

    #[test]
    fn json_answers_become_text() {
        assert_eq!(text_of_answer(&json!("plain")), "plain");
        assert_eq!(text_of_answer(&json!({"result": "月額 $30", "estimate": {}})), "月額 $30");
        assert_eq!(text_of_answer(&json!({"a": 1})), r#"{"a":1}"#);
    }
}
