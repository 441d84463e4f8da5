//! Whether message content (prompts, answers, tool arguments and results) is put on spans,
//! and its shape: the OpenTelemetry GenAI conventions' `gen_ai.input.messages` /
//! `gen_ai.output.messages` (`[{role, parts: [{type: "text", content}]}]`).
//!
//! Off unless the user opts in (`telemetry.capture_content`, or
//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`): a trace then holds names,
//! timings and token counts, never what was said.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value as Json, json};

/// The standard variable that turns content capture on.
pub const CAPTURE_VARIABLE: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

static CAPTURE: AtomicBool = AtomicBool::new(false);

/// Turns content capture on or off for this process: on when `configured` or when
/// [`CAPTURE_VARIABLE`] is `true`.
pub fn set_capture_content(configured: bool) {
    let by_environment = std::env::var(CAPTURE_VARIABLE)
        .is_ok_and(|value| value.trim().eq_ignore_ascii_case("true"));
    CAPTURE.store(configured || by_environment, Ordering::Relaxed);
}

/// Whether spans get message content now.
pub fn capture_content() -> bool {
    CAPTURE.load(Ordering::Relaxed)
}

/// One message as the GenAI conventions write it, as JSON text for a span attribute.
pub fn text_messages(role: &str, text: &str) -> String {
    json!([{ "role": role, "parts": [{ "type": "text", "content": text }] }]).to_string()
}

/// Messages already in the conventions' shape, as JSON text for a span attribute.
pub fn messages(messages: &[Json]) -> String {
    Json::Array(messages.to_vec()).to_string()
}
