//! The OpenAI-compatible provider against a local HTTP server that replays scripted answers in
//! the wire format OpenAI documents for streamed chat completions (`chat.completion.chunk`
//! events, tool calls split across chunks, a usage chunk, `data: [DONE]`) and records what it
//! received. A model cannot run on this machine; this is the one double the tests use.

mod common;

use std::time::Duration;

use agentdesk_agent::{
    ChatRequest, ConnectFailure, Message, OpenAiCompatible, Provider, ProviderError, RetryPolicy,
    Secret, StopReason, ToolSpec,
};
use common::{Reply, serve};
use serde_json::{Value, json};

/// An OpenAI stream: each chunk as a `data:` event, then `data: [DONE]`.
fn stream(chunks: &[Value]) -> Reply {
    let mut pieces: Vec<String> = chunks.iter().map(|chunk| format!("data: {chunk}\n\n")).collect();
    pieces.push("data: [DONE]\n\n".to_owned());
    Reply::sse(pieces)
}

fn chunk(delta: &Value, finish: Option<&str>) -> Value {
    json!({
        "id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1_694_268_190,
        "model": "gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb",
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]
    })
}

fn request(text: &str) -> ChatRequest {
    ChatRequest {
        model: "gpt-4o-mini".into(),
        system: Some("You estimate AWS costs.".into()),
        messages: vec![Message::User { text: text.into() }],
        tools: vec![],
        max_tokens: Some(1024),
    }
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        first_wait: Duration::from_millis(1),
        max_wait: Duration::from_millis(5),
    }
}

#[tokio::test]
async fn text_streams_once_in_order_with_usage() {
    let server = serve(vec![stream(&[
        chunk(&json!({"role": "assistant", "content": ""}), None),
        chunk(&json!({"content": "Hel"}), None),
        chunk(&json!({"content": "lo, "}), None),
        chunk(&json!({"content": "東京"}), None),
        chunk(&json!({}), Some("stop")),
        json!({"id": "chatcmpl-123", "object": "chat.completion.chunk", "choices": [],
               "usage": {"prompt_tokens": 19, "completion_tokens": 4, "total_tokens": 23}}),
    ])])
    .await;
    let provider =
        OpenAiCompatible::new("openai", &server.base_url, Some(Secret::new("sk-test-key")));
    let mut deltas = Vec::new();
    let completion = provider
        .stream(&request("hello"), &mut |text: &str| deltas.push(text.to_owned()))
        .await
        .expect("completion");
    assert_eq!(deltas, ["Hel", "lo, ", "東京"]);
    assert_eq!(completion.text, "Hello, 東京");
    assert_eq!(completion.stop_reason, StopReason::EndTurn);
    let usage = completion.usage.expect("usage");
    assert_eq!((usage.input_tokens, usage.output_tokens), (19, 4));

    let received = server.received.lock().expect("log")[0].clone();
    assert_eq!(received.path, "/v1/chat/completions");
    assert_eq!(received.header("authorization"), Some("Bearer sk-test-key"));
    assert_eq!(received.body["stream"], json!(true));
    assert_eq!(
        received.body["messages"][0],
        json!({"role": "system", "content": "You estimate AWS costs."})
    );
    assert_eq!(received.body["messages"][1], json!({"role": "user", "content": "hello"}));
    assert_eq!(received.body["max_tokens"], json!(1024));
}

#[tokio::test]
async fn tool_calls_split_across_chunks_are_assembled_and_sent_back() {
    let server = serve(vec![stream(&[
        chunk(&json!({"role": "assistant", "content": null, "tool_calls": [
            {"index": 0, "id": "call_abc", "type": "function", "function": {"name": "execute_python", "arguments": ""}}
        ]}), None),
        chunk(&json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"code\": \"print("}}]}), None),
        chunk(&json!({"tool_calls": [{"index": 0, "function": {"arguments": "730 * 0.0416)\"}"}}]}), None),
        chunk(&json!({"tool_calls": [
            {"index": 1, "id": "call_def", "type": "function", "function": {"name": "get_price", "arguments": "{\"service\":\"ec2\"}"}}
        ]}), None),
        chunk(&json!({}), Some("tool_calls")),
    ])])
    .await;
    let provider = OpenAiCompatible::new("ollama", &server.base_url, None);
    let mut ask = request("estimate");
    ask.tools.push(ToolSpec {
        name: "execute_python".into(),
        description: "Run Python in the sandbox".into(),
        input_schema: json!({"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}),
    });
    let completion = provider.stream(&ask, &mut |_: &str| {}).await.expect("completion");
    assert_eq!(completion.stop_reason, StopReason::ToolUse);
    assert_eq!(completion.tool_calls.len(), 2);
    assert_eq!(completion.tool_calls[0].id, "call_abc");
    assert_eq!(completion.tool_calls[0].arguments, json!({"code": "print(730 * 0.0416)"}));
    assert_eq!(completion.tool_calls[1].name, "get_price");

    let received = server.received.lock().expect("log")[0].clone();
    assert_eq!(received.header("authorization"), None, "no key, no header");
    assert_eq!(received.body["tools"][0]["type"], json!("function"));
    assert_eq!(received.body["tools"][0]["function"]["name"], json!("execute_python"));
    assert_eq!(received.body["tools"][0]["function"]["parameters"]["required"], json!(["code"]));
}

#[tokio::test]
async fn tool_results_go_back_in_the_openai_shape() {
    let server = serve(vec![stream(&[chunk(&json!({"content": "$30.37"}), Some("stop"))])]).await;
    let provider = OpenAiCompatible::new("openai", &server.base_url, None);
    let mut ask = request("estimate");
    ask.messages.push(Message::Assistant {
        text: String::new(),
        tool_calls: vec![agentdesk_agent::ToolCall {
            id: "call_abc".into(),
            name: "execute_python".into(),
            arguments: json!({"code": "print(730 * 0.0416)"}),
        }],
    });
    ask.messages.push(Message::Tool {
        call_id: "call_abc".into(),
        content: "30.368".into(),
        is_error: false,
    });
    provider.stream(&ask, &mut |_: &str| {}).await.expect("completion");
    let body = server.received.lock().expect("log")[0].body.clone();
    assert_eq!(
        body["messages"][2]["tool_calls"][0]["function"]["arguments"],
        json!("{\"code\":\"print(730 * 0.0416)\"}")
    );
    assert_eq!(body["messages"][2]["content"], Value::Null);
    assert_eq!(
        body["messages"][3],
        json!({"role": "tool", "tool_call_id": "call_abc", "content": "30.368"})
    );
}

#[tokio::test]
async fn a_rate_limit_is_retried_before_anything_streamed() {
    let server = serve(vec![
        Reply {
            status: 429,
            headers: vec![("content-type", "application/json"), ("retry-after", "0")],
            pieces: vec![json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}).to_string().into_bytes()],
        },
        stream(&[chunk(&json!({"content": "ok"}), Some("stop"))]),
    ])
    .await;
    let provider =
        OpenAiCompatible::new("openai", &server.base_url, None).with_retry(quick_retries());
    let completion = provider.stream(&request("hi"), &mut |_: &str| {}).await.expect("retried");
    assert_eq!(completion.text, "ok");
    assert_eq!(server.received.lock().expect("log").len(), 2);
}

#[tokio::test]
async fn an_overloaded_provider_gives_up_after_the_last_attempt() {
    let overloaded =
        || Reply::error(503, &json!({"error": {"message": "The server is overloaded"}}));
    let server = serve(vec![overloaded(), overloaded(), overloaded()]).await;
    let provider =
        OpenAiCompatible::new("vllm", &server.base_url, None).with_retry(quick_retries());
    let error = provider.stream(&request("hi"), &mut |_: &str| {}).await.expect_err("busy");
    assert!(matches!(error, ProviderError::Busy { status: 503, attempts: 3, .. }), "{error}");
    assert!(error.to_string().contains("overloaded"), "{error}");
}

#[tokio::test]
async fn a_refused_key_says_so_without_showing_it() {
    let server = serve(vec![Reply::error(
        401,
        &json!({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": "invalid_api_key"}}),
    )])
    .await;
    let provider =
        OpenAiCompatible::new("openai", &server.base_url, Some(Secret::new("sk-very-secret")));
    let error = provider.stream(&request("hi"), &mut |_: &str| {}).await.expect_err("refused");
    let message = error.to_string();
    assert!(matches!(error, ProviderError::Unauthorized { status: 401, .. }), "{message}");
    assert!(message.contains("Incorrect API key provided"), "{message}");
    assert!(
        !message.contains("sk-very-secret") && !format!("{provider:?}").contains("sk-very-secret")
    );
}

#[tokio::test]
async fn a_context_overflow_is_recognised() {
    let server = serve(vec![Reply::error(
        400,
        &json!({"error": {"message": "This model's maximum context length is 128000 tokens.", "type": "invalid_request_error", "code": "context_length_exceeded"}}),
    )])
    .await;
    let provider = OpenAiCompatible::new("openai", &server.base_url, None);
    let error = provider.stream(&request("hi"), &mut |_: &str| {}).await.expect_err("too long");
    assert!(matches!(error, ProviderError::ContextOverflow { .. }), "{error}");
}

#[tokio::test]
async fn a_stream_cut_off_mid_answer_is_an_error_not_a_short_answer() {
    let server = serve(vec![Reply {
        status: 200,
        headers: vec![("content-type", "text/event-stream")],
        pieces: vec![
            format!("data: {}\n\n", chunk(&json!({"content": "The total is"}), None)).into_bytes(),
        ],
    }])
    .await;
    let provider = OpenAiCompatible::new("openai", &server.base_url, None);
    let error = provider.stream(&request("hi"), &mut |_: &str| {}).await.expect_err("cut off");
    assert!(matches!(error, ProviderError::Protocol { .. }), "{error}");
}

#[tokio::test]
async fn an_unreachable_server_is_named() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let provider = OpenAiCompatible::new("lm-studio", &format!("http://{address}/v1"), None);
    let error =
        provider.stream(&request("hi"), &mut |_: &str| {}).await.expect_err("nobody listens");
    assert!(
        matches!(
            error,
            ProviderError::Unreachable { failure: ConnectFailure::NothingListening, .. }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("lm-studio"), "{message}");
    // Not reqwest's bare "error sending request for url (…)": the reason, and what to do.
    assert!(message.contains("Connection refused"), "{message}");
    assert!(message.contains("`ollama serve`") && message.contains("model.base_url"), "{message}");
}

#[tokio::test]
async fn a_base_url_that_is_not_the_api_is_told_from_a_missing_model() {
    let not_found_page = Reply {
        status: 404,
        headers: vec![("content-type", "text/plain")],
        pieces: vec![b"404 page not found".to_vec()],
    };
    // Ollama's answer for a model it has not pulled.
    let no_model = Reply::error(
        404,
        &json!({"error": {"message": "model \"llama9\" not found, try pulling it first", "type": "not_found_error", "param": null, "code": null}}),
    );
    let server = serve(vec![not_found_page, no_model]).await;
    let provider = OpenAiCompatible::new("ollama", &server.base_url, None);
    let error = provider.stream(&request("hi"), &mut |_: &str| {}).await.expect_err("no API");
    assert!(matches!(error, ProviderError::NotAnApi { status: 404, .. }), "{error:?}");
    assert!(error.to_string().contains("model.base_url"), "{error}");
    let error = provider.stream(&request("hi"), &mut |_: &str| {}).await.expect_err("no model");
    assert!(matches!(error, ProviderError::ModelNotFound { .. }), "{error:?}");
    assert!(error.to_string().contains("ollama pull"), "{error}");
}
