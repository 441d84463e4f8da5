//! What an agent turn puts on its spans when the user opted in to content capture
//! (`agentdesk_telemetry::traces::capture_content`): the messages in the OpenTelemetry GenAI
//! conventions' shape, tool arguments and results. Nothing is recorded when capture is off.

use agentdesk_telemetry::traces::{capture_content, messages, text_messages};
use serde_json::{Value as Json, json};
use tracing::Span;

use crate::provider::{Completion, Message, StopReason};

/// Records `text` from `role` as the span's `gen_ai.input.messages`.
pub(crate) fn record_input_text(span: &Span, role: &str, text: &str) {
    if capture_content() {
        span.record("gen_ai.input.messages", text_messages(role, text));
    }
}

/// Records `text` as the span's `gen_ai.output.messages` (the assistant's answer).
pub(crate) fn record_output_text(span: &Span, text: &str) {
    if capture_content() {
        span.record("gen_ai.output.messages", text_messages("assistant", text));
    }
}

/// Records a model call's request messages and its completion.
pub(crate) fn record_model_call(span: &Span, request: &[Message], completion: &Completion) {
    if !capture_content() {
        return;
    }
    let input: Vec<Json> = request.iter().map(message).collect();
    span.record("gen_ai.input.messages", messages(&input));
    let mut output = message(&Message::Assistant {
        text: completion.text.clone(),
        tool_calls: completion.tool_calls.clone(),
    });
    output["finish_reason"] = json!(finish_reason(&completion.stop_reason));
    span.record("gen_ai.output.messages", messages(&[output]));
}

/// Records a tool call's arguments and result.
pub(crate) fn record_tool_call(span: &Span, arguments: &Json, result: &str) {
    if capture_content() {
        span.record("gen_ai.tool.call.arguments", arguments.to_string());
        span.record("gen_ai.tool.call.result", result);
    }
}

fn message(message: &Message) -> Json {
    match message {
        Message::User { text } => {
            json!({"role": "user", "parts": [{"type": "text", "content": text}]})
        }
        Message::Assistant { text, tool_calls } => {
            let mut parts = Vec::new();
            if !text.is_empty() {
                parts.push(json!({"type": "text", "content": text}));
            }
            parts.extend(tool_calls.iter().map(|call| {
                json!({"type": "tool_call", "id": call.id, "name": call.name, "arguments": call.arguments})
            }));
            json!({"role": "assistant", "parts": parts})
        }
        Message::Tool { call_id, content, .. } => {
            json!({"role": "tool", "parts": [{"type": "tool_call_response", "id": call_id, "response": content}]})
        }
    }
}

fn finish_reason(reason: &StopReason) -> &str {
    match reason {
        StopReason::EndTurn => "stop",
        StopReason::ToolUse => "tool_call",
        StopReason::MaxTokens => "length",
        StopReason::Other(named) => named,
    }
}
