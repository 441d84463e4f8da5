//! The answer stream on the wire, shared by the server and the client.
//!
//! A streamed answer is `text/event-stream` with one `data: <json>\n\n` event per item and no
//! `event:`/`id:` lines or end marker, as AWS's `BedrockAgentCoreApp` sends it. A failure after
//! the stream has started cannot change the status code, so it travels as one last item
//! `{"error": <what went wrong>, "error_type": <its kind>, "message": …}`.
//!
//! `agentdesk serve` sends the agent's own events (`{"kind": "text", "text": …}`, tool calls
//! and results, notices) and the final `{"kind": "estimate", "estimate": …}`; other agents send
//! whatever they yield — plain strings, `{"delta": …}`, Bedrock Converse stream events — so a
//! client reads text out of an item with [`text_of`] rather than assuming one shape.

use serde_json::{Value, json};

/// The session header: one runtime session (one conversation) per value.
pub const SESSION_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-session-id";
/// The request id header.
pub const REQUEST_ID_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-request-id";
/// Headers with this prefix are passed to the agent.
pub const CUSTOM_HEADER_PREFIX: &str = "x-amzn-bedrock-agentcore-runtime-custom-";
/// AgentCore's shortest session id; boto3 refuses shorter ones.
pub const MIN_SESSION_ID: usize = 33;
/// AgentCore's longest session id.
pub const MAX_SESSION_ID: usize = 256;

/// One item as a server-sent event.
pub fn encode_sse(item: &Value) -> String {
    format!("data: {item}\n\n")
}

/// The item a stream ends with when it fails after it started.
pub fn error_item(error_type: &str, error: &str) -> Value {
    json!({
        "error": error,
        "error_type": error_type,
        "message": "An error occurred during streaming",
    })
}

/// A failure an agent reported as an item of its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFailure {
    /// Its kind (`error_type`), when given.
    pub error_type: Option<String>,
    /// What went wrong, in the agent's words.
    pub message: String,
}

/// The failure an item reports, if it is an error item (`{"error": …}` with `error_type` or
/// `message` beside it, or a bare `{"error": …}`).
pub fn failure_of(item: &Value) -> Option<StreamFailure> {
    let object = item.as_object()?;
    let error = object.get("error")?;
    let others_are_error_fields = object
        .keys()
        .all(|key| matches!(key.as_str(), "error" | "error_type" | "message" | "details"));
    if !others_are_error_fields {
        return None;
    }
    let message = match error.as_str() {
        Some(text) => text.to_owned(),
        None => error.to_string(),
    };
    let error_type = object.get("error_type").and_then(Value::as_str).map(str::to_owned);
    Some(StreamFailure { error_type, message })
}

/// The text an item carries for a reader: a JSON string itself; an object's `text`, `delta`
/// or `content` when it is a string (or `delta.text`, as Bedrock's Converse stream nests it);
/// `None` for items that carry no text (tool calls, estimates, metadata).
pub fn text_of(item: &Value) -> Option<String> {
    if let Some(text) = item.as_str() {
        return Some(text.to_owned());
    }
    let object = item.as_object()?;
    if object.get("kind").and_then(Value::as_str).is_some_and(|kind| kind != "text") {
        return None;
    }
    for key in ["text", "delta", "content"] {
        match object.get(key) {
            Some(Value::String(text)) => return Some(text.clone()),
            Some(Value::Object(inner)) => {
                if let Some(text) = inner.get("text").and_then(Value::as_str) {
                    return Some(text.to_owned());
                }
            }
            _ => {}
        }
    }
    let delta = item.pointer("/event/contentBlockDelta/delta/text")?;
    delta.as_str().map(str::to_owned)
}

/// Reads server-sent events as bytes arrive, however the network splits them.
#[derive(Debug, Default)]
pub struct SseDecoder {
    pending: Vec<u8>,
    data: Vec<String>,
}

impl SseDecoder {
    /// Takes the next bytes; returns the items of every event they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Value> {
        self.pending.extend_from_slice(bytes);
        let mut items = Vec::new();
        while let Some(end) = self.pending.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                items.extend(self.dispatch());
            } else if let Some(data) = line.strip_prefix("data:") {
                self.data.push(data.strip_prefix(' ').unwrap_or(data).to_owned());
            }
            // `event:`, `id:`, `retry:` and comments carry nothing an agent's client uses.
        }
        items
    }

    /// The last event, when the stream ended without its blank line.
    pub fn finish(&mut self) -> Option<Value> {
        let rest = std::mem::take(&mut self.pending);
        let rest = String::from_utf8_lossy(&rest);
        if let Some(data) = rest.trim_end_matches(['\n', '\r']).strip_prefix("data:") {
            self.data.push(data.strip_prefix(' ').unwrap_or(data).to_owned());
        }
        self.dispatch()
    }

    fn dispatch(&mut self) -> Option<Value> {
        if self.data.is_empty() {
            return None;
        }
        let data = self.data.join("\n");
        self.data.clear();
        // An agent may send bare text as data: it is an item all the same.
        Some(serde_json::from_str(&data).unwrap_or(Value::String(data)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{SseDecoder, encode_sse, error_item, failure_of, text_of};

    #[test]
    fn events_split_anywhere_decode_to_the_items_sent() {
        let sent =
            [json!("月額 "), json!({"kind": "text", "text": "$30.37"}), json!({"a": [1, 2]})];
        let wire: String = sent.iter().map(encode_sse).collect();
        for split in 0..wire.len() {
            let (head, tail) = wire.as_bytes().split_at(split);
            let mut decoder = SseDecoder::default();
            let mut items = decoder.push(head);
            items.extend(decoder.push(tail));
            items.extend(decoder.finish());
            assert_eq!(items, sent, "split at byte {split}");
        }
    }

    #[test]
    fn crlf_lines_multi_line_data_bare_text_and_a_missing_last_blank_line_are_read() {
        let mut decoder = SseDecoder::default();
        let items =
            decoder.push(b"event: x\r\ndata: line one\r\ndata: line two\r\n\r\n: comment\n");
        assert_eq!(items, vec![json!("line one\nline two")]);
        assert!(decoder.push(b"data: \"last\"").is_empty());
        assert_eq!(decoder.finish(), Some(json!("last")));
    }

    #[test]
    fn text_is_read_from_the_shapes_agents_send() {
        assert_eq!(text_of(&json!("plain")), Some("plain".into()));
        assert_eq!(text_of(&json!({"kind": "text", "text": "t"})), Some("t".into()));
        assert_eq!(text_of(&json!({"delta": "d"})), Some("d".into()));
        assert_eq!(text_of(&json!({"content": "c"})), Some("c".into()));
        assert_eq!(text_of(&json!({"delta": {"text": "nested"}})), Some("nested".into()));
        let converse = json!({"event": {"contentBlockDelta": {"delta": {"text": "cv"}}}});
        assert_eq!(text_of(&converse), Some("cv".into()));
        assert_eq!(text_of(&json!({"kind": "toolRequested", "text": "no"})), None);
        assert_eq!(text_of(&json!({"kind": "estimate", "estimate": {}})), None);
        assert_eq!(text_of(&json!(42)), None);
    }

    #[test]
    fn error_items_are_told_from_answers_that_mention_an_error() {
        let failure = failure_of(&error_item("ValueError", "boom")).expect("an error item");
        assert_eq!(failure.error_type.as_deref(), Some("ValueError"));
        assert_eq!(failure.message, "boom");
        assert!(failure_of(&json!({"error": "Invalid JSON", "details": "x"})).is_some());
        assert!(failure_of(&json!({"error": 0, "text": "an answer about error codes"})).is_none());
        assert!(failure_of(&json!("error")).is_none());
    }
}
