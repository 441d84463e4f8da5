//! The Bedrock provider against a local server replaying `ConverseStream`'s binary event
//! stream (`application/vnd.amazon.eventstream`) as the Converse API documents it: the
//! events `messageStart`, `contentBlockStart`, `contentBlockDelta`, `contentBlockStop`,
//! `messageStop` and `metadata`, each JSON payload padded with a `p` field as the service
//! sends it, exceptions mid-stream, and the service's errors with `x-amzn-errortype`.

mod common;

use std::time::Duration;

use agentdesk_agent::{
    Bedrock, ChatRequest, Message, Provider, ProviderError, RetryPolicy, StopReason, ToolCall,
    ToolSpec,
};
use aws_sdk_bedrockruntime::config::{
    BehaviorVersion, Credentials, Region, SharedCredentialsProvider,
};
use aws_smithy_types::event_stream::{Header, HeaderValue, Message as Frame};
use common::{Reply, serve};
use serde_json::{Value, json};

const MODEL: &str = "anthropic.claude-3-5-sonnet-20240620-v1:0";

/// One event-stream frame: the headers the service sets and a JSON payload.
fn frame(
    message_type: &'static str,
    type_header: &'static str,
    name: &'static str,
    payload: &Value,
) -> Vec<u8> {
    let message = Frame::new_from_parts(
        vec![
            Header::new(":message-type", HeaderValue::String(message_type.into())),
            Header::new(type_header, HeaderValue::String(name.into())),
            Header::new(":content-type", HeaderValue::String("application/json".into())),
        ],
        payload.to_string().into_bytes(),
    );
    let mut bytes = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&message, &mut bytes).expect("encode frame");
    bytes
}

fn event(name: &'static str, mut payload: Value) -> Vec<u8> {
    payload["p"] = json!("abcdefghijklmnopqrstuvwxyzABCDEFGH");
    frame("event", ":event-type", name, &payload)
}

fn events(frames: Vec<Vec<u8>>) -> Reply {
    Reply::stream("application/vnd.amazon.eventstream", frames)
}

fn service_error(status: u16, code: &'static str, message: &str) -> Reply {
    let mut reply = Reply::error(status, &json!({"message": message}));
    reply.headers.push(("x-amzn-errortype", code));
    reply
}

fn bedrock(base_url: &str, attempts: u32) -> Bedrock {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-west-2"))
        .endpoint_url(base_url.trim_end_matches("/v1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "test",
        )))
        .build();
    let retry = RetryPolicy {
        attempts,
        first_wait: Duration::from_millis(1),
        max_wait: Duration::from_millis(5),
    };
    Bedrock::with_sdk_config(&config, retry)
}

fn request(messages: Vec<Message>) -> ChatRequest {
    ChatRequest {
        model: MODEL.into(),
        system: Some("You estimate AWS costs.".into()),
        messages,
        tools: vec![ToolSpec {
            name: "execute_python".into(),
            description: "Run Python in the sandbox".into(),
            input_schema: json!({"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}),
        }],
        max_tokens: Some(2048),
    }
}

fn tool_use_stream() -> Reply {
    events(vec![
        event("messageStart", json!({"role": "assistant"})),
        event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": "月額を"}})),
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"text": "計算します。"}}),
        ),
        event("contentBlockStop", json!({"contentBlockIndex": 0})),
        event(
            "contentBlockStart",
            json!({"contentBlockIndex": 1, "start": {"toolUse": {
                "toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "execute_python"}}}),
        ),
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{\"code\": \"print(730"}}}),
        ),
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": " * 0.0416)\"}"}}}),
        ),
        event("contentBlockStop", json!({"contentBlockIndex": 1})),
        event("messageStop", json!({"stopReason": "tool_use"})),
        event(
            "metadata",
            json!({"usage": {"inputTokens": 412, "outputTokens": 57, "totalTokens": 469},
                   "metrics": {"latencyMs": 1203}}),
        ),
    ])
}

#[tokio::test]
async fn text_and_a_tool_call_stream_in_signed_and_shaped_for_converse() {
    let server = serve(vec![tool_use_stream()]).await;
    let provider = bedrock(&server.base_url, 1);
    let earlier = vec![
        Message::User { text: "t3.micro 1台の月額は?".into() },
        Message::Assistant {
            text: String::new(),
            tool_calls: vec![ToolCall {
                id: "tooluse_first".into(),
                name: "execute_python".into(),
                arguments: json!({"code": "print(1)"}),
            }],
        },
        Message::Tool { call_id: "tooluse_first".into(), content: "1".into(), is_error: false },
        Message::User { text: "続けて".into() },
    ];
    let mut deltas = Vec::new();
    let completion = provider
        .stream(&request(earlier), &mut |text| deltas.push(text.to_owned()))
        .await
        .expect("completion");

    assert_eq!(deltas, ["月額を", "計算します。"]);
    assert_eq!(completion.text, "月額を計算します。");
    assert_eq!(completion.stop_reason, StopReason::ToolUse);
    assert_eq!(
        completion.tool_calls,
        [ToolCall {
            id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q".into(),
            name: "execute_python".into(),
            arguments: json!({"code": "print(730 * 0.0416)"}),
        }]
    );
    let usage = completion.usage.expect("usage");
    assert_eq!((usage.input_tokens, usage.output_tokens), (412, 57));

    let received = server.received.lock().expect("log")[0].clone();
    assert_eq!(received.path, "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
    let authorization = received.header("authorization").expect("signed");
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
            && authorization.contains("/us-west-2/bedrock/aws4_request"),
        "{authorization}"
    );
    let body = &received.body;
    assert_eq!(body["system"], json!([{"text": "You estimate AWS costs."}]));
    assert_eq!(body["inferenceConfig"], json!({"maxTokens": 2048}));
    assert_eq!(body["toolConfig"]["tools"][0]["toolSpec"]["name"], "execute_python");
    assert_eq!(
        body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["required"],
        json!(["code"])
    );
    // Roles alternate: the tool result and the next question are one user message.
    let roles: Vec<&str> = body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["role"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    assert_eq!(
        body["messages"][1]["content"][0]["toolUse"],
        json!({"toolUseId": "tooluse_first", "name": "execute_python", "input": {"code": "print(1)"}})
    );
    assert_eq!(
        body["messages"][2]["content"],
        json!([
            {"toolResult": {"toolUseId": "tooluse_first", "content": [{"text": "1"}], "status": "success"}},
            {"text": "続けて"}
        ])
    );
}

#[tokio::test]
async fn throttling_is_retried_before_anything_streams() {
    let server = serve(vec![
        service_error(
            429,
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
        ),
        tool_use_stream(),
    ])
    .await;
    let provider = bedrock(&server.base_url, 3);
    let completion = provider
        .stream(&request(vec![Message::User { text: "hi".into() }]), &mut |_| {})
        .await
        .expect("the second try answers");
    assert_eq!(completion.text, "月額を計算します。");
    assert_eq!(server.received.lock().expect("log").len(), 2);
}

#[tokio::test]
async fn refusals_name_the_service_error() {
    let server = serve(vec![
        service_error(
            403,
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
        ),
        service_error(400, "ValidationException", "Input is too long for requested model."),
        service_error(
            429,
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
        ),
    ])
    .await;
    let provider = bedrock(&server.base_url, 1);
    let ask = || request(vec![Message::User { text: "hi".into() }]);

    let denied = provider.stream(&ask(), &mut |_| {}).await.expect_err("denied");
    assert!(matches!(denied, ProviderError::Unauthorized { status: 403, .. }), "{denied:?}");
    assert!(denied.to_string().contains("don't have access to the model"), "{denied}");

    let too_long = provider.stream(&ask(), &mut |_| {}).await.expect_err("too long");
    assert!(matches!(too_long, ProviderError::ContextOverflow { .. }), "{too_long:?}");

    let busy = provider.stream(&ask(), &mut |_| {}).await.expect_err("busy");
    assert!(matches!(busy, ProviderError::Busy { status: 429, .. }), "{busy:?}");
}

#[tokio::test]
async fn an_exception_mid_stream_keeps_what_was_shown_and_says_why() {
    let server = serve(vec![events(vec![
        event("messageStart", json!({"role": "assistant"})),
        event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": "Part"}})),
        frame(
            "exception",
            ":exception-type",
            "modelStreamErrorException",
            &json!({"message": "The model stopped responding.", "originalStatusCode": 500}),
        ),
    ])])
    .await;
    let provider = bedrock(&server.base_url, 3);
    let mut deltas = Vec::new();
    let error = provider
        .stream(&request(vec![Message::User { text: "hi".into() }]), &mut |text| {
            deltas.push(text.to_owned());
        })
        .await
        .expect_err("broken stream");
    assert_eq!(deltas, ["Part"]);
    assert!(error.to_string().contains("The model stopped responding."), "{error}");
    // A half-delivered answer is never asked for again.
    assert_eq!(server.received.lock().expect("log").len(), 1);
}
