//! The answer of `tools/invoke`: `application/vnd.amazon.eventstream` messages, framed by
//! AWS's own event-stream crate (prelude, headers, payload and both CRC32s).
//!
//! A result is `:message-type event`, `:event-type result`, `:content-type
//! application/json` with the whole result as its JSON payload; a failure after the stream
//! began is `:message-type exception` with `:exception-type` naming the member of the API
//! model's union (`validationException`, …) and `{"message"}` as payload. The event type must
//! be exactly `result`: boto3 silently drops events it does not know, so a misnamed one looks
//! like an empty stream.

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use axum::body::Bytes;
use serde_json::{Value, json};

use super::errors::ApiError;

/// The media type of an event stream.
pub(crate) const CONTENT_TYPE: &str = "application/vnd.amazon.eventstream";

/// A `result` event carrying `result` as JSON.
pub(crate) fn result_event(result: &Value) -> Result<Bytes, String> {
    encode(
        vec![
            string_header(":message-type", "event"),
            string_header(":event-type", "result"),
            string_header(":content-type", "application/json"),
        ],
        result.to_string().into_bytes(),
    )
}

/// An exception message for a failure after the stream began.
pub(crate) fn exception(error: &ApiError) -> Result<Bytes, String> {
    encode(
        vec![
            string_header(":message-type", "exception"),
            string_header(":exception-type", error.kind().exception_type()),
            string_header(":content-type", "application/json"),
        ],
        json!({"message": error.message()}).to_string().into_bytes(),
    )
}

fn string_header(name: &'static str, value: &'static str) -> Header {
    Header::new(name, HeaderValue::String(value.into()))
}

fn encode(headers: Vec<Header>, payload: Vec<u8>) -> Result<Bytes, String> {
    let message = Message::new_from_parts(headers, payload);
    let mut bytes = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&message, &mut bytes)
        .map_err(|error| format!("cannot frame the answer as an event-stream message: {error}"))?;
    Ok(Bytes::from(bytes))
}

#[cfg(test)]
mod tests {
    use aws_smithy_eventstream::frame::read_message_from;

    use super::*;

    fn header<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
        message
            .headers()
            .iter()
            .find(|header| header.name().as_str() == name)
            .and_then(|header| header.value().as_string().ok())
            .map(|value| value.as_str())
    }

    #[test]
    fn a_result_reads_back_as_a_result_event_with_its_json() {
        let result = json!({"content": [{"type": "text", "text": "42\n"}], "isError": false});
        let mut bytes = result_event(&result).expect("framed");
        let message = read_message_from(&mut bytes).expect("a valid message with good CRCs");
        assert_eq!(header(&message, ":message-type"), Some("event"));
        assert_eq!(header(&message, ":event-type"), Some("result"));
        assert_eq!(header(&message, ":content-type"), Some("application/json"));
        let payload: Value = serde_json::from_slice(message.payload()).expect("json");
        assert_eq!(payload, result);
        assert!(bytes.is_empty(), "one message, nothing after it");
    }

    #[test]
    fn an_exception_names_the_union_member_and_carries_the_message() {
        let error = ApiError::not_found("no session abc");
        let mut bytes = exception(&error).expect("framed");
        let message = read_message_from(&mut bytes).expect("a valid message");
        assert_eq!(header(&message, ":message-type"), Some("exception"));
        assert_eq!(header(&message, ":exception-type"), Some("resourceNotFoundException"));
        let payload: Value = serde_json::from_slice(message.payload()).expect("json");
        assert_eq!(payload, json!({"message": "no session abc"}));
    }
}
