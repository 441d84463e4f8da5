//! The Anthropic provider against a local server replaying the Messages API's documented
//! streaming events (`message_start`, `content_block_*`, `ping`, `message_delta`,
//! `message_stop`, and `error` mid-stream).

mod common;

use std::time::Duration;

use agentdesk_agent::{
    Anthropic, ChatRequest, Message, Provider, ProviderError, RetryPolicy, Secret, StopReason,
    ToolCall, ToolSpec,
};
use common::{Reply, serve};
use serde_json::{Value, json};

/// Anthropic's stream: each event as `event:` and `data:` lines.
fn events(events: &[Value]) -> Reply {
    Reply::sse(
        events
            .iter()
            .map(|event| {
                format!("event: {}\ndata: {event}\n\n", event["type"].as_str().unwrap_or(""))
            })
            .collect(),
    )
}

fn message_start() -> Value {
    json!({"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
        "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5",
        "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 472, "output_tokens": 2}}})
}

fn request() -> ChatRequest {
    ChatRequest {
        model: "claude-sonnet-4-5".into(),
        system: Some("You estimate AWS costs.".into()),
        messages: vec![Message::User { text: "パン屋のサイトをなるべく安く".into() }],
        tools: vec![ToolSpec {
            name: "execute_python".into(),
            description: "Run Python in the sandbox".into(),
            input_schema: json!({"type": "object", "properties": {"code": {"type": "string"}}}),
        }],
        max_tokens: None,
    }
}

#[tokio::test]
async fn text_and_a_tool_call_stream_in_and_usage_adds_up() {
    let server = serve(vec![events(&[
        message_start(),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "ping"}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "計算"}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "します。"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use",
            "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "execute_python", "input": {}}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": ""}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"code\": \"print(0.023"}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": " * 1)\"}"}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null}, "usage": {"output_tokens": 89}}),
        json!({"type": "message_stop"}),
    ])])
    .await;
    let provider = Anthropic::new(&server.base_url.replace("/v1", ""), Secret::new("sk-ant-test"));
    let mut deltas = Vec::new();
    let completion = provider
        .stream(&request(), &mut |text: &str| deltas.push(text.to_owned()))
        .await
        .expect("completion");
    assert_eq!(deltas, ["計算", "します。"]);
    assert_eq!(completion.text, "計算します。");
    assert_eq!(completion.stop_reason, StopReason::ToolUse);
    assert_eq!(completion.tool_calls[0].id, "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assert_eq!(completion.tool_calls[0].arguments, json!({"code": "print(0.023 * 1)"}));
    let usage = completion.usage.expect("usage");
    assert_eq!((usage.input_tokens, usage.output_tokens), (472, 89));

    let received = server.received.lock().expect("log")[0].clone();
    assert_eq!(received.path, "/v1/messages");
    assert_eq!(received.header("x-api-key"), Some("sk-ant-test"));
    assert_eq!(received.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(received.body["system"], json!("You estimate AWS costs."));
    assert_eq!(received.body["max_tokens"], json!(4096), "Anthropic requires max_tokens");
    assert_eq!(received.body["tools"][0]["input_schema"]["type"], json!("object"));
}

#[tokio::test]
async fn tool_results_go_back_as_user_content_and_turns_alternate() {
    let server = serve(vec![events(&[
        message_start(),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "$0.02"}}),
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}}),
        json!({"type": "message_stop"}),
    ])])
    .await;
    let provider = Anthropic::new(&server.base_url.replace("/v1", ""), Secret::new("k"));
    let mut ask = request();
    let call = |id: &str| ToolCall {
        id: id.into(),
        name: "execute_python".into(),
        arguments: json!({"code": "1"}),
    };
    ask.messages.push(Message::Assistant {
        text: "計算します。".into(),
        tool_calls: vec![call("toolu_a"), call("toolu_b")],
    });
    ask.messages.push(Message::Tool {
        call_id: "toolu_a".into(),
        content: "1".into(),
        is_error: false,
    });
    ask.messages.push(Message::Tool {
        call_id: "toolu_b".into(),
        content: "NameError".into(),
        is_error: true,
    });
    let completion = provider.stream(&ask, &mut |_: &str| {}).await.expect("completion");
    assert_eq!(completion.stop_reason, StopReason::EndTurn);

    let messages = server.received.lock().expect("log")[0].body["messages"].clone();
    let roles: Vec<&str> =
        messages.as_array().expect("messages").iter().filter_map(|m| m["role"].as_str()).collect();
    assert_eq!(roles, ["user", "assistant", "user"], "both tool results in one user turn");
    assert_eq!(
        messages[1]["content"][1],
        json!({"type": "tool_use", "id": "toolu_a", "name": "execute_python", "input": {"code": "1"}})
    );
    assert_eq!(messages[2]["content"][1]["is_error"], json!(true));
    assert_eq!(messages[2]["content"][0]["tool_use_id"], json!("toolu_a"));
}

#[tokio::test]
async fn an_overload_mid_stream_is_busy_and_an_http_overload_is_retried() {
    let server = serve(vec![
        Reply::error(529, &json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})),
        events(&[message_start(), json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})]),
    ])
    .await;
    let retry = RetryPolicy {
        attempts: 2,
        first_wait: Duration::from_millis(1),
        max_wait: Duration::from_millis(5),
    };
    let provider =
        Anthropic::new(&server.base_url.replace("/v1", ""), Secret::new("k")).with_retry(retry);
    let error = provider.stream(&request(), &mut |_: &str| {}).await.expect_err("overloaded");
    assert!(matches!(error, ProviderError::Busy { status: 529, .. }), "{error}");
    assert_eq!(server.received.lock().expect("log").len(), 2, "the HTTP 529 was retried once");
}

#[tokio::test]
async fn a_prompt_too_long_is_a_context_overflow() {
    let server = serve(vec![Reply::error(
        400,
        &json!({"type": "error", "error": {"type": "invalid_request_error", "message": "prompt is too long: 208310 tokens > 200000 maximum"}}),
    )])
    .await;
    let provider = Anthropic::new(&server.base_url.replace("/v1", ""), Secret::new("k"));
    let error = provider.stream(&request(), &mut |_: &str| {}).await.expect_err("too long");
    assert!(matches!(error, ProviderError::ContextOverflow { .. }), "{error}");
}

#[tokio::test]
async fn a_bad_key_is_unauthorized_with_the_provider_message() {
    let server = serve(vec![Reply::error(
        401,
        &json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
    )])
    .await;
    let provider =
        Anthropic::new(&server.base_url.replace("/v1", ""), Secret::new("sk-ant-secret"));
    let error = provider.stream(&request(), &mut |_: &str| {}).await.expect_err("bad key");
    assert!(matches!(error, ProviderError::Unauthorized { .. }), "{error}");
    assert!(error.to_string().contains("invalid x-api-key"));
    assert!(!error.to_string().contains("sk-ant-secret"));
}
