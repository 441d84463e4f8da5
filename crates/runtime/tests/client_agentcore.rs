//! ARN agents through `aws-sdk-bedrockagentcore`'s InvokeAgentRuntime, pointed at a local
//! endpoint that captures what the SDK sent (no AWS account is reachable here): SigV4,
//! the session header, the ARN as one percent-encoded path segment; AWS's errors in AWS's
//! words.

use std::sync::{Arc, Mutex};

use agentdesk_config::AgentSettings;
use agentdesk_runtime::client::{ClientError, Invocation, RemoteAgent, new_session_id};
use aws_sdk_bedrockagentcore::config::{BehaviorVersion, Credentials, SharedCredentialsProvider};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

const ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/cost_agent-AbCdEf1234";

/// What the capture server received.
#[derive(Debug, Clone)]
struct Received {
    uri: String,
    headers: HeaderMap,
    body: Value,
}

/// Answers as AgentCore's data plane does: an SSE stream echoing the session header, or,
/// for the prompts `denied` and `broken`, AWS's error shapes.
async fn start_capture() -> (String, Arc<Mutex<Vec<Received>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&received);
    let handler = move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let kept = Arc::clone(&kept);
        async move {
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let session = headers
                .get("x-amzn-bedrock-agentcore-runtime-session-id")
                .cloned()
                .unwrap_or_else(|| axum::http::HeaderValue::from_static("none"));
            kept.lock().expect("kept").push(Received {
                uri: uri.to_string(),
                headers,
                body: body.clone(),
            });
            let aws_error = |status: StatusCode, kind: &str, message: &str| -> Response {
                (
                    status,
                    [
                        ("x-amzn-errortype", kind.to_owned()),
                        ("content-type", "application/json".into()),
                    ],
                    json!({"message": message}).to_string(),
                )
                    .into_response()
            };
            match body["prompt"].as_str() {
                Some("denied") => aws_error(
                    StatusCode::FORBIDDEN,
                    "AccessDeniedException:http://internal.amazon.com/coral/com.amazonaws.bedrockagentcore/",
                    "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime",
                ),
                Some("broken") => aws_error(
                    StatusCode::FAILED_DEPENDENCY,
                    "RuntimeClientError",
                    "Received error (500) from runtime. Please check your CloudWatch logs for more information.",
                ),
                _ => {
                    let stream = format!(
                        "data: \"月額 \"\n\ndata: {}\n\ndata: {}\n\n",
                        json!({"kind": "text", "text": "$7.59"}),
                        json!({"kind": "estimate", "estimate": {"monthly_usd": 7.59}})
                    );
                    (
                        StatusCode::OK,
                        [
                            (
                                "content-type",
                                axum::http::HeaderValue::from_static("text/event-stream"),
                            ),
                            ("x-amzn-bedrock-agentcore-runtime-session-id", session),
                        ],
                        stream,
                    )
                        .into_response()
                }
            }
        }
    };
    let app = axum::Router::new().fallback(axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), received)
}

fn dummy_aws() -> aws_config::SdkConfig {
    let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", None, None, "test");
    aws_config::SdkConfig::builder()
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .behavior_version(BehaviorVersion::latest())
        .build()
}

fn arn_agent(endpoint: &str) -> RemoteAgent {
    let settings = AgentSettings {
        arn: ARN.into(),
        endpoint: endpoint.to_owned(),
        ..AgentSettings::default()
    };
    RemoteAgent::from_settings("deployed", &settings, None)
        .expect("usable settings")
        .with_aws_config(&dummy_aws())
}

#[tokio::test]
async fn the_sdk_signs_the_call_sends_the_session_and_streams_the_answer() {
    let (endpoint, received) = start_capture().await;
    let agent = arn_agent(&endpoint);
    let session = new_session_id();
    let mut items = Vec::new();
    let invoked = agent
        .invoke(Invocation::prompt("ｔ３．ｍｉｃｒｏを東京で", &session), &mut |item| {
            items.push(item);
        })
        .await
        .expect("an answer");
    assert!(invoked.streamed);
    assert_eq!(invoked.text, "月額 $7.59");
    assert_eq!(invoked.session_id, session);
    assert_eq!(items.len(), 3);
    assert_eq!(items[2]["estimate"]["monthly_usd"], 7.59);

    let received = received.lock().expect("received");
    let request = &received[0];
    let header = |name: &str| {
        request.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
    };
    assert!(
        header("authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
        "{:?}",
        request.headers
    );
    assert!(header("authorization").contains("/us-west-2/bedrock-agentcore/aws4_request"));
    assert!(!header("x-amz-date").is_empty());
    assert_eq!(header("x-amzn-bedrock-agentcore-runtime-session-id"), session);
    assert_eq!(
        request.uri,
        "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-west-2%3A123456789012%3Aruntime%2Fcost_agent-AbCdEf1234/invocations?qualifier=DEFAULT"
    );
    assert_eq!(request.body, json!({"prompt": "ｔ３．ｍｉｃｒｏを東京で"}));
}

#[tokio::test]
async fn aws_errors_come_back_in_aws_words() {
    let (endpoint, _) = start_capture().await;
    let agent = arn_agent(&endpoint);
    let denied = agent
        .invoke(Invocation::prompt("denied", &new_session_id()), &mut |_| {})
        .await
        .expect_err("denied");
    assert_eq!(denied.code(), "access_denied");
    assert!(
        denied
            .to_string()
            .contains("is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime"),
        "{denied}"
    );
    let broken = agent
        .invoke(Invocation::prompt("broken", &new_session_id()), &mut |_| {})
        .await
        .expect_err("424");
    assert_eq!(
        broken,
        ClientError::RuntimeClientError {
            agent: "deployed".into(),
            message: "Received error (500) from runtime. Please check your CloudWatch logs for more information.".into(),
        }
    );
}

#[tokio::test]
async fn a_stopped_endpoint_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let failed = arn_agent(&endpoint)
        .invoke(Invocation::prompt("hi", &new_session_id()), &mut |_| {})
        .await
        .expect_err("nothing listens");
    assert_eq!(failed.code(), "unreachable", "{failed}");
    assert!(failed.to_string().contains(&endpoint), "{failed}");
}
