//! Upstream MCP servers behind the gateway: the reference `server-everything` from npm over
//! stdio and over streamable HTTP, whose tools must come through unchanged (text, images,
//! structured content, progress); a server written to hang, crash and flood; and a second
//! gateway that wants a bearer from a real OpenID provider (client credentials).

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_e2e::oidc::{M2M_SECRET, Oidc};
use agentdesk_gateway::{
    Endpoint, Gateway, GatewayConfig, JwtAuthorizer, JwtSettings, RuntimeTool, Upstream,
    UpstreamSource, router,
};
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, ClientRequest, ContentBlock,
    ProgressNotificationParam, Tool,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, ServiceExt};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

fn everything_stdio() -> UpstreamSource {
    UpstreamSource::Stdio {
        command: "node".into(),
        args: vec![agentdesk_e2e::mcp_servers::everything_js(), "stdio".into()],
        env: Vec::new(),
        cwd: None,
    }
}

fn misbehaving() -> UpstreamSource {
    UpstreamSource::Stdio {
        command: "node".into(),
        args: vec!["misbehaving.mjs".into()],
        env: Vec::new(),
        cwd: Some(agentdesk_e2e::mcp_servers::folder()),
    }
}

/// Serves `gateway` on loopback with no authorizer; returns its `/mcp` URL.
async fn serve(gateway: Gateway) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = router(gateway, None, &Endpoint::new(&base, ""));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("{base}/mcp")
}

/// A client that passes on the progress notifications it receives.
#[derive(Clone)]
struct Client {
    progress: mpsc::UnboundedSender<f64>,
}

impl ClientHandler for Client {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let _ = self.progress.send(params.progress);
    }
}

async fn connect(url: &str) -> (RunningService<RoleClient, Client>, mpsc::UnboundedReceiver<f64>) {
    let (progress, steps) = mpsc::unbounded_channel();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.to_owned()),
    );
    (Client { progress }.serve(transport).await.expect("connect to the gateway"), steps)
}

/// The next `count` progress values (the client handles notifications on their own tasks,
/// so they may arrive just after the result).
async fn progress_steps(steps: &mut mpsc::UnboundedReceiver<f64>, count: usize) -> Vec<f64> {
    let mut seen = Vec::new();
    while seen.len() < count {
        match tokio::time::timeout(Duration::from_secs(10), steps.recv()).await {
            Ok(Some(step)) => seen.push(step),
            _ => break,
        }
    }
    seen.sort_by(f64::total_cmp);
    seen
}

fn arguments(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("arguments are an object, not {other}"),
    }
}

async fn call(
    client: &RunningService<RoleClient, Client>,
    name: &str,
    args: Value,
) -> CallToolResult {
    client
        .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(arguments(args)))
        .await
        .expect("a tool result")
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.clone()))
        .collect()
}

/// Each of the upstream's tools, as the gateway must list it: the same but for the prefix.
fn prefixed(tools: &[Tool], target: &str) -> Vec<Value> {
    let mut listed: Vec<Value> = tools
        .iter()
        .map(|tool| {
            let mut tool = tool.clone();
            tool.name = format!("{target}___{}", tool.name).into();
            serde_json::to_value(tool).expect("json")
        })
        .collect();
    listed.sort_by_key(|tool| tool["name"].as_str().unwrap_or_default().to_owned());
    listed
}

#[tokio::test(flavor = "multi_thread")]
async fn server_everything_over_stdio_comes_through_unchanged() {
    let direct = ()
        .serve(
            TokioChildProcess::new({
                let mut command = tokio::process::Command::new("node");
                command.args([agentdesk_e2e::mcp_servers::everything_js(), "stdio".into()]);
                command
            })
            .expect("start server-everything"),
        )
        .await
        .expect("connect directly");
    let direct_tools = direct.list_all_tools().await.expect("tools");
    assert!(direct_tools.len() >= 10, "server-everything lists its tools");

    let url = serve(Gateway::new(Duration::from_secs(30), true).with_upstream(Upstream::new(
        "everything",
        everything_stdio(),
        None,
    )))
    .await;
    let (client, mut steps) = connect(&url).await;
    let mut listed = client.list_all_tools().await.expect("tools through the gateway");
    listed.retain(|tool| tool.name != agentdesk_gateway::SEARCH_TOOL);
    assert_eq!(listed.len(), direct_tools.len(), "every tool is re-exported once");
    let listed: Vec<Value> = {
        let mut values: Vec<Value> =
            listed.into_iter().map(|tool| serde_json::to_value(tool).expect("json")).collect();
        values.sort_by_key(|tool| tool["name"].as_str().unwrap_or_default().to_owned());
        values
    };
    assert_eq!(listed, prefixed(&direct_tools, "everything"), "names prefixed, nothing else");

    let echoed = call(&client, "everything___echo", json!({"message": "こんにちは"})).await;
    assert_eq!(text(&echoed), "Echo: こんにちは");

    let image = call(&client, "everything___get-tiny-image", json!({})).await;
    let direct_image =
        direct.call_tool(CallToolRequestParams::new("get-tiny-image")).await.expect("direct image");
    assert!(image.content.iter().any(|block| block.as_image().is_some()), "an image block");
    assert_eq!(
        serde_json::to_value(&image.content).expect("json"),
        serde_json::to_value(&direct_image.content).expect("json"),
        "the image arrives byte for byte"
    );

    let weather =
        call(&client, "everything___get-structured-content", json!({"location": "Chicago"})).await;
    let structured = weather.structured_content.expect("structured content");
    assert!(structured["temperature"].is_number(), "{structured}");

    let finished = call(
        &client,
        "everything___trigger-long-running-operation",
        json!({"duration": 0.3, "steps": 3}),
    )
    .await;
    assert!(text(&finished).contains("Steps: 3"), "{}", text(&finished));
    assert_eq!(
        progress_steps(&mut steps, 3).await,
        vec![1.0, 2.0, 3.0],
        "each upstream progress step reaches the caller"
    );

    let refused = client
        .call_tool(
            CallToolRequestParams::new("everything___get-sum")
                .with_arguments(arguments(json!({"a": "one", "b": 2}))),
        )
        .await
        .expect_err("arguments that break the schema are refused");
    let message = refused.to_string();
    assert!(message.contains("do not match its schema") && message.contains("/a"), "{message}");

    let found =
        call(&client, agentdesk_gateway::SEARCH_TOOL, json!({"query": "long running progress"}))
            .await;
    let first = &found.structured_content.expect("results")["tools"][0];
    assert_eq!(first["name"], "everything___trigger-long-running-operation");
    assert!(first["inputSchema"]["properties"]["steps"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn server_everything_over_streamable_http_comes_through() {
    let port = agentdesk_e2e::mcp_servers::free_port();
    let _server = agentdesk_e2e::mcp_servers::serve_everything("streamableHttp", port).await;
    let url = serve(Gateway::new(Duration::from_secs(30), false).with_upstream(Upstream::new(
        "web",
        UpstreamSource::Http { url: format!("http://127.0.0.1:{port}/mcp"), auth: None },
        None,
    )))
    .await;
    let (client, mut steps) = connect(&url).await;
    let tools = client.list_all_tools().await.expect("tools");
    assert!(tools.iter().any(|tool| tool.name == "web___get-structured-content"));
    let sum = call(&client, "web___get-sum", json!({"a": 2, "b": 40})).await;
    assert!(text(&sum).contains("42"), "{}", text(&sum));
    let image = call(&client, "web___get-tiny-image", json!({})).await;
    assert!(image.content.iter().any(|block| matches!(block, ContentBlock::Image(_))));
    call(&client, "web___trigger-long-running-operation", json!({"duration": 0.2, "steps": 2}))
        .await;
    assert_eq!(progress_steps(&mut steps, 2).await, vec![1.0, 2.0], "progress over HTTP too");
}

#[tokio::test(flavor = "multi_thread")]
async fn hanging_crashing_and_flooding_targets_give_errors_in_time_and_the_gateway_stays_up() {
    let timeout = Duration::from_secs(2);
    let url = serve(Gateway::new(timeout, false).with_upstream(Upstream::new(
        "bad",
        misbehaving(),
        None,
    )))
    .await;
    let (client, mut steps) = connect(&url).await;
    let echoed = call(&client, "bad___echo", json!({"text": "fine"})).await;
    assert_eq!(text(&echoed), "fine", "an unknown notification from upstream is ignored");

    for tool in ["hang", "flood", "huge"] {
        let started = Instant::now();
        let result = call(&client, &format!("bad___{tool}"), json!({})).await;
        assert_eq!(result.is_error, Some(true), "{tool}");
        assert!(text(&result).contains("did not answer within 2 s"), "{tool}: {}", text(&result));
        assert!(started.elapsed() < timeout * 3, "{tool} is bounded by the timeout");
    }

    let crashed = call(&client, "bad___crash", json!({})).await;
    assert_eq!(crashed.is_error, Some(true));
    assert!(text(&crashed).contains("simulated crash"), "the server's stderr: {}", text(&crashed));
    let again = call(&client, "bad___echo", json!({"text": "back"})).await;
    assert_eq!(text(&again), "back", "the crashed server is started again on the next call");

    let broken = call(&client, "bad___garbage", json!({})).await;
    assert_eq!(broken.is_error, Some(true), "a reply that is not JSON is an error in time");

    // A call cancelled once it is running reaches the upstream server as
    // notifications/cancelled.
    while steps.try_recv().is_ok() {}
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(
        CallToolRequestParams::new("bad___hang").with_arguments(Map::new()),
    ));
    let handle = client
        .send_cancellable_request(request, PeerRequestOptions::no_options())
        .await
        .expect("send");
    assert_eq!(progress_steps(&mut steps, 1).await, vec![0.0], "the hanging call started");
    handle.cancel(Some("changed my mind".into())).await.expect("cancel");
    // Answered once the server has heard this cancellation.
    let wait = json!({"text": "wait:cancelled the call"});
    let heard = text(&call(&client, "bad___cancellations", wait).await);
    assert!(heard.contains("the gateway's caller cancelled the call"), "{heard}");
    let health = reqwest::get(url.replace("/mcp", "/healthz")).await.expect("healthz");
    assert_eq!(health.text().await.expect("body"), "ok");
}

/// A second gateway that lets in only the OpenID provider's machine client, with the
/// seed's cost tool behind it answered by a runtime that echoes the prompt.
async fn guarded_gateway(oidc: &Oidc) -> String {
    let runtime = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let runtime_url = format!("http://{}", runtime.local_addr().expect("addr"));
    let answer = axum::Router::new().route(
        "/invocations",
        axum::routing::post(|axum::Json(body): axum::Json<Value>| async move {
            axum::Json(json!({"result": format!("estimated: {}", body["prompt"])}))
        }),
    );
    tokio::spawn(async move { axum::serve(runtime, answer).await });
    let cost = RuntimeTool {
        name: "aws_cost_estimation".into(),
        description: "Estimate AWS costs for a given architecture description".into(),
        input_schema: arguments(json!({"type": "object", "required": ["architecture_description"],
            "properties": {"architecture_description": {"type": "string"}}})),
        prompt_argument: "architecture_description".into(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let authorizer = JwtAuthorizer::new(JwtSettings {
        discovery_url: format!("{}/.well-known/openid-configuration", oidc.issuer),
        allowed_clients: vec!["m2m".into()],
        ..JwtSettings::default()
    })
    .expect("authorizer");
    let gateway =
        Gateway::new(Duration::from_secs(30), false).with_runtime("cost", &runtime_url, vec![cost]);
    let app = router(gateway, Some(authorizer), &Endpoint::new(&base, &oidc.issuer));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("{base}/mcp")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_that_wants_a_token_gets_one_from_the_identity_provider() {
    let oidc = Oidc::start(300).await;
    let inner = guarded_gateway(&oidc).await;
    let m2m = oidc.m2m();
    let provider = toml_edit::ser::to_string(&m2m).expect("provider as toml");
    let config_text = format!(
        "listen = \"127.0.0.1:0\"\n[authorizer]\ntype = \"none\"\n\
         [[targets]]\nname = \"inner\"\ntype = \"mcp\"\nurl = \"{inner}\"\nauth = \"idp\"\n\
         [[targets]]\nname = \"anonymous\"\ntype = \"mcp\"\nurl = \"{inner}\"\n\
         [providers.idp]\n{provider}"
    );
    let config = GatewayConfig::parse(&config_text).expect("config");
    let store = agentdesk_identity::Identity::new(
        config.providers.clone(),
        agentdesk_identity::Vault::open(agentdesk_identity::KeyringBackend::Os),
        Arc::new(agentdesk_identity::SystemBrowser),
    );
    store
        .store_secret("idp", agentdesk_identity::Secret::new(M2M_SECRET))
        .await
        .expect("the client secret goes into the keyring");
    let (gateway, _) = config.build().expect("build");
    let url = serve(gateway).await;
    let (client, _) = connect(&url).await;
    let tools: Vec<String> = client
        .list_all_tools()
        .await
        .expect("tools")
        .into_iter()
        .map(|tool| tool.name.to_string())
        .collect();
    assert_eq!(
        tools,
        vec!["inner___cost___aws_cost_estimation"],
        "only the signed-in target lists"
    );
    let estimate = call(
        &client,
        "inner___cost___aws_cost_estimation",
        json!({"architecture_description": "one t3.micro"}),
    )
    .await;
    assert_eq!(text(&estimate), "estimated: \"one t3.micro\"");
    let refused = client
        .call_tool(CallToolRequestParams::new("anonymous___cost___aws_cost_estimation"))
        .await
        .expect_err("a target that refuses the gateway cannot be called");
    assert!(refused.to_string().contains("anonymous"), "the target is named: {refused}");
    store.forget_everything("idp").await.expect("clean up the keyring");
}
