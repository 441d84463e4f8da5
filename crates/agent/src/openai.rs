//! OpenAI-compatible chat completions, streamed: OpenAI itself, and the local servers that
//! speak its API (Ollama, LM Studio, vLLM, llama.cpp's server) at their own base URL.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::http::{Endpoint, protocol, read_events, send};
use crate::provider::{
    BoxFuture, ChatRequest, Completion, Message, Provider, ProviderError, RetryPolicy, StopReason,
    ToolCall, Usage,
};
use agentdesk_identity::Secret;

/// A provider speaking `POST {base_url}/chat/completions` with `stream: true`.
#[derive(Debug, Clone)]
pub struct OpenAiCompatible {
    name: String,
    endpoint: Endpoint,
    api_key: Option<Secret>,
}

impl OpenAiCompatible {
    /// A provider at `base_url` (`https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`),
    /// with a key when the server wants one.
    pub fn new(name: &str, base_url: &str, api_key: Option<Secret>) -> Self {
        Self { name: name.to_owned(), endpoint: Endpoint::new(base_url), api_key }
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
        let url = self.endpoint.url("/chat/completions");
        let sent = send(&self.name, self.endpoint.retry, || {
            let post = self.endpoint.http.post(&url).json(&body);
            match &self.api_key {
                Some(key) => post.bearer_auth(key.expose()),
                None => post,
            }
        })
        .await?;
        match sent {
            Ok(response) => self.read_stream(response, on_text).await,
            Err(refusal) => {
                let overflow = refusal.code.as_deref() == Some("context_length_exceeded")
                    || refusal.message.contains("maximum context length")
                    || refusal.message.contains("context window");
                if overflow && matches!(refusal.status, 400 | 413) {
                    return Err(ProviderError::ContextOverflow {
                        model: request.model.clone(),
                        detail: refusal.message,
                    });
                }
                Err(refusal.into_error(&self.name))
            }
        }
    }

    async fn read_stream(
        &self,
        response: reqwest::Response,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, ProviderError> {
        let mut answer = Answer::default();
        let finished = read_events(&self.name, response, |event| {
            if event.data == "[DONE]" {
                return std::mem::take(&mut answer)
                    .finish()
                    .map(Some)
                    .ok_or_else(|| protocol(&self.name, "[DONE] before a finish reason"));
            }
            let value: Value = serde_json::from_str(&event.data)
                .map_err(|error| protocol(&self.name, format!("unreadable chunk: {error}")))?;
            if let Some(error) = value.get("error") {
                return Err(protocol(&self.name, format!("error in the stream: {error}")));
            }
            answer.absorb(&value, on_text);
            Ok(None)
        })
        .await?;
        // Some servers end the stream without `[DONE]`; a finish reason is enough.
        match finished {
            Some(completion) => Ok(completion),
            None => answer.finish().ok_or_else(|| {
                protocol(&self.name, "the stream ended before the answer was complete")
            }),
        }
    }
}

impl Provider for OpenAiCompatible {
    fn name(&self) -> &str {
        &self.name
    }

    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_text: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.call(request, on_text))
    }
}

/// The answer as the chunks build it up.
#[derive(Debug, Default)]
struct Answer {
    text: String,
    /// Tool calls by their stream index: id, name, and the argument text so far.
    calls: BTreeMap<u64, (String, String, String)>,
    finish: Option<String>,
    usage: Option<Usage>,
}

impl Answer {
    fn absorb(&mut self, chunk: &Value, on_text: &mut (dyn FnMut(&str) + Send)) {
        if let Some(usage) = chunk.get("usage").filter(|usage| !usage.is_null()) {
            self.usage = Some(Usage {
                input_tokens: usage["prompt_tokens"].as_u64().unwrap_or(0),
                output_tokens: usage["completion_tokens"].as_u64().unwrap_or(0),
            });
        }
        let Some(choice) = chunk["choices"].get(0) else { return };
        let delta = &choice["delta"];
        if let Some(text) = delta["content"].as_str().filter(|text| !text.is_empty()) {
            self.text.push_str(text);
            on_text(text);
        }
        for call in delta["tool_calls"].as_array().into_iter().flatten() {
            let index = call["index"].as_u64().unwrap_or(0);
            let entry = self.calls.entry(index).or_default();
            if let Some(id) = call["id"].as_str() {
                entry.0 = id.to_owned();
            }
            if let Some(name) = call["function"]["name"].as_str() {
                entry.1.push_str(name);
            }
            if let Some(arguments) = call["function"]["arguments"].as_str() {
                entry.2.push_str(arguments);
            }
        }
        if let Some(reason) = choice["finish_reason"].as_str() {
            self.finish = Some(reason.to_owned());
        }
    }

    fn finish(self) -> Option<Completion> {
        let reason = self.finish?;
        let tool_calls = self
            .calls
            .into_values()
            .map(|(id, name, arguments)| ToolCall {
                id,
                name,
                // A model can write arguments that are not JSON; they go on as a string so
                // the tool's schema check can tell the model what was wrong.
                arguments: if arguments.trim().is_empty() {
                    json!({})
                } else {
                    serde_json::from_str(&arguments).unwrap_or(Value::String(arguments))
                },
            })
            .collect();
        let stop_reason = match reason.as_str() {
            "stop" => StopReason::EndTurn,
            "tool_calls" | "function_call" => StopReason::ToolUse,
            "length" => StopReason::MaxTokens,
            other => StopReason::Other(other.to_owned()),
        };
        Some(Completion { text: self.text, tool_calls, stop_reason, usage: self.usage })
    }
}

fn request_body(request: &ChatRequest) -> Value {
    let mut messages = Vec::new();
    if let Some(system) = &request.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    for message in &request.messages {
        messages.push(match message {
            Message::User { text } => json!({"role": "user", "content": text}),
            Message::Assistant { text, tool_calls } if tool_calls.is_empty() => {
                json!({"role": "assistant", "content": text})
            }
            Message::Assistant { text, tool_calls } => json!({
                "role": "assistant",
                "content": if text.is_empty() { Value::Null } else { Value::from(text.as_str()) },
                "tool_calls": tool_calls.iter().map(|call| json!({
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments.to_string()},
                })).collect::<Vec<_>>(),
            }),
            Message::Tool { call_id, content, .. } => {
                json!({"role": "tool", "tool_call_id": call_id, "content": content})
            }
        });
    }
    let mut body = json!({
        "model": request.model,
        "messages": messages,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| json!({"type": "function", "function": {
                "name": tool.name, "description": tool.description, "parameters": tool.input_schema,
            }}))
            .collect();
    }
    if let Some(max_tokens) = request.max_tokens {
        body["max_tokens"] = json!(max_tokens);
    }
    body
}
