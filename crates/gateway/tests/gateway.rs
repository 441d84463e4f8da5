//! The gateway as a client sees it: rmcp's own streamable HTTP client with a real OpenID
//! Provider's token (oidc-provider on loopback), an agent runtime target that follows the
//! AgentCore Runtime contract (JSON and SSE answers, and one that hangs), the built-in search,
//! and raw HTTP for the 401 challenge, the RFC 9728 metadata and a JSON-RPC exchange with no
//! SDK.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_e2e::oidc::Oidc;
use agentdesk_gateway::{
    Endpoint, Gateway, JwtAuthorizer, JwtSettings, RuntimeTool, SEARCH_TOOL, router,
};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the runtime received: the session id and traceparent headers, and the prompt.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// A runtime following CONTRACTS.md: POST /invocations {"prompt"}; "stream" in the prompt
/// answers as SSE, "hang" never answers, anything else as JSON.
async fn runtime() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut bytes = Vec::new();
                let mut buffer = [0u8; 4096];
                let (head, body) = loop {
                    let read = socket.read(&mut buffer).await.unwrap_or(0);
                    if read == 0 {
                        return;
                    }
                    bytes.extend_from_slice(&buffer[..read]);
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length: usize = head
                            .lines()
                            .find_map(|line| {
                                line.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            break (head.to_owned(), body.to_owned());
                        }
                    }
                };
                let header = |name: &str| {
                    head.lines()
                        .find_map(|line| {
                            line.split_once(':')
                                .filter(|(key, _)| key.eq_ignore_ascii_case(name))
                                .map(|(_, value)| value.trim().to_owned())
                        })
                        .unwrap_or_default()
                };
                let prompt = serde_json::from_str::<Value>(&body)
                    .ok()
                    .and_then(|v| v["prompt"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                log.lock().expect("log").push((
                    header("x-amzn-bedrock-agentcore-runtime-session-id"),
                    header("traceparent"),
                    prompt.clone(),
                ));
                if prompt.contains("hang") {
                    std::future::pending::<()>().await;
                }
                let response = if prompt.contains("stream") {
                    let events = "data: \"t3.medium 1台で\"\n\ndata: \"月額 $30.37\"\n\n";
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n{events}"
                    )
                } else {
                    let body = json!({"result": format!("Estimated: {prompt}")}).to_string();
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

fn cost_tool() -> RuntimeTool {
    RuntimeTool {
        name: "aws_cost_estimation".into(),
        description: "Estimate AWS costs for a given architecture description".into(),
        input_schema: json!({"type": "object",
            "properties": {"architecture_description": {"type": "string",
                "description": "Description of the AWS architecture to estimate costs for"}},
            "required": ["architecture_description"]})
        .as_object()
        .cloned()
        .unwrap_or_default(),
        prompt_argument: "architecture_description".into(),
    }
}

async fn start(oidc: &Oidc, runtime_url: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let gateway = Gateway::new(Duration::from_secs(2), true).with_runtime(
        "cost",
        runtime_url,
        vec![cost_tool()],
    );
    let authorizer = JwtAuthorizer::new(JwtSettings {
        discovery_url: format!("{}/.well-known/openid-configuration", oidc.issuer),
        allowed_audiences: vec!["urn:agentdesk:gateway".into()],
        allowed_clients: vec!["m2m".into()],
        allowed_scopes: vec!["gateway".into()],
        leeway_seconds: None,
    })
    .expect("authorizer");
    let app = router(gateway, Some(authorizer), &Endpoint::new(&base, &oidc.issuer));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mcp_client_lists_and_calls_runtime_tools_and_search_through_the_gateway() {
    let oidc = Oidc::start(300).await;
    let (runtime_url, seen) = runtime().await;
    let base = start(&oidc, &runtime_url).await;
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp"))
            .auth_header(oidc.m2m_token().await),
    );
    let client = ().serve(transport).await.expect("connected");
    let tools = client.list_all_tools().await.expect("tools");
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    assert_eq!(names, ["cost___aws_cost_estimation", SEARCH_TOOL]);
    assert_eq!(tools[0].input_schema["required"], json!(["architecture_description"]));

    let call = |description: &str| {
        CallToolRequestParams::new("cost___aws_cost_estimation").with_arguments(
            json!({"architecture_description": description})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
    };
    let answer = client.call_tool(call("ALB and 2 t3.medium")).await.expect("call");
    assert_eq!(answer.is_error, Some(false));
    assert_eq!(
        serde_json::to_value(&answer.content).expect("json")[0]["text"],
        "Estimated: ALB and 2 t3.medium"
    );
    let streamed = client.call_tool(call("stream it")).await.expect("call");
    assert_eq!(
        serde_json::to_value(&streamed.content).expect("json")[0]["text"],
        "t3.medium 1台で月額 $30.37"
    );
    let (session, traceparent, _) = seen.lock().expect("seen")[0].clone();
    assert!(session.len() >= 33, "AgentCore wants 33+ characters: {session}");
    assert!(traceparent.starts_with("00-") && traceparent.len() == 55, "{traceparent}");

    let hung = client.call_tool(call("hang forever")).await.expect("an answer, not a hang");
    assert_eq!(hung.is_error, Some(true));
    assert!(
        serde_json::to_value(&hung.content).expect("json")[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("did not answer within 2 s"))
    );

    let search = CallToolRequestParams::new(SEARCH_TOOL).with_arguments(
        json!({"query": "estimate costs"}).as_object().cloned().unwrap_or_default(),
    );
    let found = client.call_tool(search).await.expect("search");
    assert_eq!(
        found.structured_content.expect("structured")["tools"][0]["name"],
        "cost___aws_cost_estimation"
    );
    let unknown = client.call_tool(CallToolRequestParams::new("nope")).await;
    assert!(unknown.is_err(), "an unknown tool is a JSON-RPC error");
    client.cancel().await.expect("closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_token_the_answer_is_a_challenge_and_raw_json_rpc_works_with_one() {
    let oidc = Oidc::start(300).await;
    let (runtime_url, seen) = runtime().await;
    let base = start(&oidc, &runtime_url).await;
    let http = reqwest::Client::new();
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}});
    let refused = http
        .post(format!("{base}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&initialize)
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 401);
    let challenge = refused.headers()["www-authenticate"].to_str().expect("ascii").to_owned();
    assert!(
        challenge.contains(&format!(
            "resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\""
        )),
        "{challenge}"
    );
    let metadata: Value = http
        .get(format!("{base}/.well-known/oauth-protected-resource/mcp"))
        .send()
        .await
        .expect("metadata")
        .json()
        .await
        .expect("json");
    assert_eq!(metadata["authorization_servers"], json!([oidc.issuer]));
    assert_eq!(http.get(format!("{base}/healthz")).send().await.expect("health").status(), 200);

    let accepted = http
        .post(format!("{base}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(oidc.m2m_token().await)
        .json(&initialize)
        .send()
        .await
        .expect("post");
    assert_eq!(accepted.status(), 200);
    let body = accepted.text().await.expect("body");
    // The answer is JSON, or an event stream whose data lines carry it.
    let message = body
        .lines()
        .map(|line| line.strip_prefix("data:").unwrap_or(line).trim())
        .find_map(|json| {
            serde_json::from_str::<Value>(json).ok().filter(|value| value["jsonrpc"] == "2.0")
        })
        .unwrap_or_else(|| panic!("a JSON-RPC answer in {body:?}"));
    assert_eq!(message["result"]["serverInfo"]["name"], "agentdesk-gateway");
    assert!(seen.lock().expect("seen").is_empty(), "no target was called");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_and_malformed_requests_get_clear_errors_and_reach_no_target() {
    let oidc = Oidc::start(300).await;
    let (runtime_url, seen) = runtime().await;
    let base = start(&oidc, &runtime_url).await;
    let token = oidc.m2m_token().await;
    let http = reqwest::Client::new();
    let post = |body: String| {
        http.post(format!("{base}/mcp"))
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .bearer_auth(&token)
            .body(body)
    };
    let huge = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(10 << 20)
    );
    // The gateway answers 413 and stops reading at its 4 MB limit; a client still writing
    // the rest sees the connection close instead of the answer.
    match post(huge).send().await {
        Ok(refused) => assert_eq!(refused.status(), 413),
        Err(error) => assert!(error.is_request(), "{error}"),
    }
    let garbage = post("{not json".into()).send().await.expect("garbage");
    assert!(garbage.status().is_client_error(), "invalid JSON-RPC: {}", garbage.status());
    assert!(!garbage.text().await.expect("body").is_empty(), "with a message");

    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp"))
            .auth_header(token.clone()),
    );
    let client = ().serve(transport).await.expect("connected");
    let wrong_arguments = CallToolRequestParams::new("cost___aws_cost_estimation")
        .with_arguments(json!({"architecture": 3}).as_object().cloned().unwrap_or_default());
    let error = client.call_tool(wrong_arguments).await.expect_err("invalid params");
    assert!(error.to_string().contains("architecture_description"), "{error}");
    client.cancel().await.expect("closed");
    assert!(seen.lock().expect("seen").is_empty(), "no target was called");
}

/// The JSON-RPC message in an answer that is JSON, or an event stream whose data lines carry it.
fn json_rpc_answer(body: &str) -> Value {
    body.lines()
        .map(|line| line.strip_prefix("data:").unwrap_or(line).trim())
        .find_map(|json| {
            serde_json::from_str::<Value>(json).ok().filter(|value| value["jsonrpc"] == "2.0")
        })
        .unwrap_or_else(|| panic!("a JSON-RPC answer in {body:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_protocol_version_from_2025_03_26_to_the_stateless_2026_07_28_is_spoken() {
    let oidc = Oidc::start(300).await;
    let (runtime_url, _) = runtime().await;
    let base = start(&oidc, &runtime_url).await;
    let token = oidc.m2m_token().await;
    let http = reqwest::Client::new();
    for version in ["2025-03-26", "2025-06-18", "2025-11-25"] {
        let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}});
        let answer = http
            .post(format!("{base}/mcp"))
            .header("accept", "application/json, text/event-stream")
            .bearer_auth(&token)
            .json(&initialize)
            .send()
            .await
            .expect("initialize");
        let message = json_rpc_answer(&answer.text().await.expect("body"));
        assert_eq!(message["result"]["protocolVersion"], version, "{message}");
    }

    // 2026-07-28 has no initialize and no session: every request carries its own metadata.
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")).auth_header(token),
    );
    let stateless = ()
        .serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("a stateless client");
    let info = stateless.peer_info().expect("the server described itself");
    assert_eq!(info.protocol_version, ProtocolVersion::V_2026_07_28);
    let tools = stateless.list_all_tools().await.expect("tools without a session");
    assert_eq!(tools[0].name, "cost___aws_cost_estimation");
    let answer = stateless
        .call_tool(
            CallToolRequestParams::new("cost___aws_cost_estimation").with_arguments(
                json!({"architecture_description": "one bucket"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ),
        )
        .await
        .expect("a stateless call");
    assert_eq!(
        serde_json::to_value(&answer.content).expect("json")[0]["text"],
        "Estimated: one bucket"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_session_is_closed_and_its_id_then_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let idle = Duration::from_secs(1);
    let app = router(
        Gateway::new(Duration::from_secs(5), true),
        None,
        &Endpoint::new(&base, "").with_session_idle(idle),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let post = |body: Value, session: Option<&str>| {
        let mut request = http
            .post(format!("{base}/mcp"))
            .header("accept", "application/json, text/event-stream")
            .json(&body);
        if let Some(session) = session {
            request = request
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", "2025-06-18");
        }
        request.send()
    };
    let initialized = post(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}}),
        None,
    )
    .await
    .expect("initialize");
    let session = initialized.headers()["mcp-session-id"].to_str().expect("id").to_owned();
    let _ = initialized.text().await;
    let ready =
        post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), Some(&session))
            .await
            .expect("initialized");
    assert_eq!(ready.status(), 202);
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let listed = post(list.clone(), Some(&session)).await.expect("list");
    assert_eq!(listed.status(), 200, "the session is alive");
    let _ = listed.text().await;
    // What is under test is time passing with nothing sent, so here the test does wait.
    tokio::time::sleep(idle * 3).await;
    let expired = post(list, Some(&session)).await.expect("list again");
    assert_eq!(expired.status(), 404, "an idle session is gone; clients re-initialise on 404");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_tool_list_comes_in_pages_that_clients_follow() {
    let tools: Vec<RuntimeTool> = (0..120)
        .map(|index| RuntimeTool { name: format!("tool_{index:03}"), ..cost_tool() })
        .collect();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let gateway = Gateway::new(Duration::from_secs(5), true).with_runtime(
        "many",
        "http://127.0.0.1:9",
        tools,
    );
    let app = router(gateway, None, &Endpoint::new(&base, ""));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")),
    );
    let client = ().serve(transport).await.expect("connected");
    let first = client.list_tools(None).await.expect("first page");
    assert_eq!(first.tools.len(), 50, "a page holds 50 tools");
    let cursor = first.next_cursor.expect("a cursor to the next page");
    let all = client.list_all_tools().await.expect("every page");
    assert_eq!(all.len(), 121, "120 tools and the search, each once");
    assert_eq!(all[119].name, "many___tool_119");
    let bad = client
        .list_tools(Some(
            rmcp::model::PaginatedRequestParams::default()
                .with_cursor(Some(format!("{cursor}9999"))),
        ))
        .await;
    assert!(bad.is_err(), "an unknown cursor is an invalid-params error");
}
