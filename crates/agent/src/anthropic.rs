//! The Anthropic Messages API, streamed (`POST {base_url}/v1/messages`, `stream: true`):
//! named events (`message_start`, `content_block_delta` with `text_delta` or
//! `input_json_delta`, `message_delta` with the stop reason and usage, `message_stop`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::http::{Endpoint, protocol, read_events, send};
use crate::provider::{
    BoxFuture, ChatRequest, Completion, Message, Provider, ProviderError, RetryPolicy, StopReason,
    ToolCall, Usage,
};
use agentdesk_identity::Secret;

/// The API version this client speaks (the `anthropic-version` header).
const API_VERSION: &str = "2023-06-01";
/// Anthropic requires `max_tokens`; this is used when the request leaves it out.
const DEFAULT_MAX_TOKENS: u32 = 4096;

/// A provider speaking the Anthropic Messages API.
#[derive(Debug, Clone)]
pub struct Anthropic {
    endpoint: Endpoint,
    api_key: Secret,
}

impl Anthropic {
    /// The API at `base_url` (`https://api.anthropic.com`) with `api_key`.
    pub fn new(base_url: &str, api_key: Secret) -> Self {
        Self { endpoint: Endpoint::new(base_url), api_key }
    }

    /// Retries busy answers under `retry` instead of the default.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.endpoint.retry = retry;
        self
    }

    async fn call(
        &self,
        request: &ChatRequest,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, ProviderError> {
        let body = request_body(request);
        let url = self.endpoint.url("/v1/messages");
        let sent = send(self.name(), self.endpoint.retry, || {
            self.endpoint
                .http
                .post(&url)
                .header("x-api-key", self.api_key.expose())
                .header("anthropic-version", API_VERSION)
                .json(&body)
        })
        .await?;
        match sent {
            Ok(response) => self.read_stream(response, on_text).await,
            Err(refusal) => {
                if refusal.status == 400 && refusal.message.contains("prompt is too long") {
                    return Err(ProviderError::ContextOverflow {
                        model: request.model.clone(),
                        detail: refusal.message,
                    });
                }
                Err(refusal.into_error(self.name()))
            }
        }
    }

    async fn read_stream(
        &self,
        response: reqwest::Response,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, ProviderError> {
        let provider = self.name();
        let mut answer = Answer::default();
        let finished = read_events(provider, response, |event| {
            let value: Value = serde_json::from_str(&event.data)
                .map_err(|error| protocol(provider, format!("unreadable event: {error}")))?;
            match value["type"].as_str().unwrap_or_default() {
                "message_stop" => std::mem::take(&mut answer)
                    .finish()
                    .map(Some)
                    .ok_or_else(|| protocol(provider, "message_stop before a stop reason")),
                // An error after the stream began: overloads arrive this way too.
                "error" => {
                    let error = &value["error"];
                    let detail = error["message"].as_str().unwrap_or("unknown error").to_owned();
                    Err(if error["type"] == "overloaded_error" {
                        ProviderError::Busy {
                            provider: provider.to_owned(),
                            status: 529,
                            attempts: 1,
                            detail,
                        }
                    } else {
                        protocol(provider, detail)
                    })
                }
                _ => {
                    answer.absorb(&value, on_text);
                    Ok(None)
                }
            }
        })
        .await?;
        finished.ok_or_else(|| protocol(provider, "the stream ended before message_stop"))
    }
}

impl Provider for Anthropic {
    fn name(&self) -> &str {
        "anthropic"
    }

    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_text: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.call(request, on_text))
    }
}

/// One content block as the stream builds it.
#[derive(Debug)]
enum Block {
    Text,
    ToolUse { id: String, name: String, json: String },
}

#[derive(Debug, Default)]
struct Answer {
    text: String,
    blocks: BTreeMap<u64, Block>,
    stop_reason: Option<String>,
    usage: Usage,
}

impl Answer {
    fn absorb(&mut self, event: &Value, on_text: &mut (dyn FnMut(&str) + Send)) {
        let index = event["index"].as_u64().unwrap_or(0);
        match event["type"].as_str().unwrap_or_default() {
            "message_start" => {
                let usage = &event["message"]["usage"];
                self.usage.input_tokens = usage["input_tokens"].as_u64().unwrap_or(0);
                self.usage.output_tokens = usage["output_tokens"].as_u64().unwrap_or(0);
            }
            "content_block_start" => {
                let block = &event["content_block"];
                let started = if block["type"] == "tool_use" {
                    Block::ToolUse {
                        id: block["id"].as_str().unwrap_or_default().to_owned(),
                        name: block["name"].as_str().unwrap_or_default().to_owned(),
                        json: String::new(),
                    }
                } else {
                    Block::Text
                };
                self.blocks.insert(index, started);
            }
            "content_block_delta" => {
                let delta = &event["delta"];
                match (delta["type"].as_str(), self.blocks.get_mut(&index)) {
                    (Some("text_delta"), _) => {
                        if let Some(text) = delta["text"].as_str().filter(|text| !text.is_empty()) {
                            self.text.push_str(text);
                            on_text(text);
                        }
                    }
                    (Some("input_json_delta"), Some(Block::ToolUse { json, .. })) => {
                        json.push_str(delta["partial_json"].as_str().unwrap_or_default());
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(reason) = event["delta"]["stop_reason"].as_str() {
                    self.stop_reason = Some(reason.to_owned());
                }
                if let Some(output) = event["usage"]["output_tokens"].as_u64() {
                    self.usage.output_tokens = output;
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> Option<Completion> {
        let reason = self.stop_reason?;
        let tool_calls = self
            .blocks
            .into_values()
            .filter_map(|block| match block {
                Block::ToolUse { id, name, json } => Some(ToolCall {
                    id,
                    name,
                    arguments: if json.trim().is_empty() {
                        json!({})
                    } else {
                        serde_json::from_str(&json).unwrap_or(Value::String(json))
                    },
                }),
                Block::Text => None,
            })
            .collect();
        let stop_reason = match reason.as_str() {
            "end_turn" | "stop_sequence" => StopReason::EndTurn,
            "tool_use" => StopReason::ToolUse,
            "max_tokens" => StopReason::MaxTokens,
            other => StopReason::Other(other.to_owned()),
        };
        Some(Completion { text: self.text, tool_calls, stop_reason, usage: Some(self.usage) })
    }
}

fn request_body(request: &ChatRequest) -> Value {
    // Anthropic wants user and assistant turns to alternate: tool results are user content,
    // and neighbours of the same role are merged into one message.
    let mut messages: Vec<(&str, Vec<Value>)> = Vec::new();
    for message in &request.messages {
        let (role, content) = match message {
            Message::User { text } => ("user", vec![json!({"type": "text", "text": text})]),
            Message::Assistant { text, tool_calls } => {
                let mut blocks = Vec::new();
                if !text.is_empty() {
                    blocks.push(json!({"type": "text", "text": text}));
                }
                blocks.extend(tool_calls.iter().map(|call| {
                    json!({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments})
                }));
                ("assistant", blocks)
            }
            Message::Tool { call_id, content, is_error } => (
                "user",
                vec![
                    json!({"type": "tool_result", "tool_use_id": call_id, "content": content, "is_error": is_error}),
                ],
            ),
        };
        match messages.last_mut() {
            Some((last_role, blocks)) if *last_role == role => blocks.extend(content),
            _ => messages.push((role, content)),
        }
    }
    let mut body = json!({
        "model": request.model,
        "max_tokens": request.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        "messages": messages
            .into_iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect::<Vec<_>>(),
        "stream": true,
    });
    if let Some(system) = &request.system {
        body["system"] = json!(system);
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| json!({"name": tool.name, "description": tool.description, "input_schema": tool.input_schema}))
            .collect();
    }
    body
}
