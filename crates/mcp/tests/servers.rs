//! The client against real servers: the reference server-everything (npm) over stdio and
//! streamable HTTP — every kind of result, progress that keeps a slow call alive, the tool's
//! own error, schema breaks caught before sending — and servers written to misbehave, each
//! misdeed a clear error in time with a status that says so: over stdio
//! (tests/mcp-servers/misbehaving.mjs) garbage, a 30 MB line, silence, a crash, unknown
//! notifications; over HTTP (misbehaving-http.mjs) a stream cut mid-way, a body that is not
//! JSON, silence, a dropped connection. And AWS Labs' pricing server (PyPI) with no AWS
//! credentials, which must list its tools and say so.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use agentdesk_e2e::mcp_servers::{free_port, serve_everything};
use agentdesk_mcp::{McpError, McpServer, McpServerSettings, ServerState};
use rmcp::model::ContentBlock;
use serde_json::{Map, Value, json};

fn arguments(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("arguments are an object, not {other}"),
    }
}

fn text(result: &rmcp::model::CallToolResult) -> String {
    result.content.iter().filter_map(|block| block.as_text().map(|t| t.text.clone())).collect()
}

fn stdio(command: &str, args: &[&str], timeout_seconds: u64) -> McpServerSettings {
    McpServerSettings {
        command: command.into(),
        args: args.iter().map(|arg| (*arg).to_owned()).collect(),
        timeout_seconds,
        ..McpServerSettings::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn server_everything_over_stdio_gives_every_kind_of_result() {
    let js = agentdesk_e2e::mcp_servers::everything_js();
    let server = McpServer::new("everything", stdio("node", &[&js, "stdio"], 1), None, None);
    assert_eq!(server.status().state, ServerState::Idle, "nothing is started before first use");
    let tools = server.tools().await.expect("tools");
    assert!(tools.iter().any(|tool| tool.name == "echo") && tools.len() >= 10);
    let status = server.status();
    assert_eq!(status.state, ServerState::Connected);
    assert_eq!(status.tools, Some(tools.len()));
    assert!(status.server_info.is_some() && status.protocol_version.is_some(), "{status:?}");

    let echoed = server.call("echo", arguments(json!({"message": "hi"}))).await.expect("echo");
    assert_eq!(text(&echoed), "Echo: hi");
    let image = server.call("get-tiny-image", Map::new()).await.expect("image");
    assert!(image.content.iter().any(|block| matches!(block, ContentBlock::Image(_))));
    let weather = server
        .call("get-structured-content", arguments(json!({"location": "New York"})))
        .await
        .expect("structured");
    assert!(weather.structured_content.expect("structured")["humidity"].is_number());
    let reference = server
        .call("get-resource-reference", arguments(json!({"resourceId": 2})))
        .await
        .expect("resource");
    assert!(
        reference.content.iter().any(|block| matches!(block, ContentBlock::Resource(_))),
        "an embedded resource"
    );

    // Two and a half seconds with a one-second timeout: progress every half second keeps it.
    let slow = server
        .call("trigger-long-running-operation", arguments(json!({"duration": 2.5, "steps": 5})))
        .await
        .expect("progress restarts the timeout");
    assert!(text(&slow).contains("Steps: 5"));

    let failed = server
        .call("get-resource-reference", arguments(json!({"resourceId": -1})))
        .await
        .expect("a tool error is a result");
    assert_eq!(failed.is_error, Some(true));
    assert!(text(&failed).contains("Invalid resourceId"), "{}", text(&failed));

    let broken = server.call("get-sum", arguments(json!({"a": "one", "b": 2}))).await;
    match broken {
        Err(McpError::InvalidArguments { violations, .. }) => {
            assert!(
                violations.iter().any(|violation| violation.starts_with("/a")),
                "{violations:?}"
            );
        }
        other => panic!("a schema break is caught before sending: {other:?}"),
    }
    assert!(matches!(
        server.call("no-such-tool", Map::new()).await,
        Err(McpError::UnknownTool { .. })
    ));
    server.disconnect().await;
    assert_eq!(server.status().state, ServerState::Idle);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_everything_over_streamable_http_survives_a_restart() {
    let port = free_port();
    let mut first = serve_everything("streamableHttp", port).await;
    let settings = McpServerSettings {
        url: format!("http://127.0.0.1:{port}/mcp"),
        timeout_seconds: 10,
        ..McpServerSettings::default()
    };
    let server = McpServer::new("web", settings, None, None);
    let sum = server.call("get-sum", arguments(json!({"a": 2, "b": 40}))).await.expect("sum");
    assert!(text(&sum).contains("42"), "{}", text(&sum));

    first.kill().await.expect("stop the server");
    let _ = first.wait().await;
    let _second = serve_everything("streamableHttp", port).await;
    let started = Instant::now();
    let again = server
        .call("echo", arguments(json!({"message": "back"})))
        .await
        .expect("the next call works after the server restarted, without anyone's help");
    assert_eq!(text(&again), "Echo: back");
    assert_eq!(server.status().state, ServerState::Connected);
    println!("recovered in {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kept_alive_session_shows_a_server_going_away_and_reconnects_by_itself() {
    let port = free_port();
    let first = serve_everything("streamableHttp", port).await;
    let settings = McpServerSettings {
        url: format!("http://127.0.0.1:{port}/mcp"),
        timeout_seconds: 5,
        ..McpServerSettings::default()
    };
    let server = std::sync::Arc::new(McpServer::new("kept", settings, None, None));
    server.connect(false).await.expect("connected");
    let mut changes = server.watch();
    let every = Duration::from_millis(100);
    tokio::spawn(McpServer::keep_alive(
        std::sync::Arc::downgrade(&server),
        every,
        Duration::from_millis(400),
    ));
    // Nobody calls a tool: the pings alone notice the server went away, and that it is back.
    drop(first);
    let bound = Duration::from_secs(20);
    let went = tokio::time::timeout(bound, changes.wait_for(|state| *state == ServerState::Failed));
    assert!(went.await.is_ok_and(|seen| seen.is_ok()), "the status says the server is gone");
    assert!(server.status().error.is_some(), "with the real error");
    let _second = serve_everything("streamableHttp", port).await;
    let back =
        tokio::time::timeout(bound, changes.wait_for(|state| *state == ServerState::Connected));
    assert!(back.await.is_ok_and(|seen| seen.is_ok()), "reconnected without anyone's help");
    assert_eq!(server.status().error, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misbehaving_server_gives_clear_errors_in_time_and_the_status_says_so() {
    let mut settings = stdio("node", &["misbehaving.mjs"], 2);
    settings.cwd = agentdesk_e2e::mcp_servers::folder().display().to_string();
    let server = McpServer::new("bad", settings, None, None);
    let echoed = server.call("echo", arguments(json!({"text": "fine"}))).await.expect("echo");
    assert_eq!(text(&echoed), "fine", "an unknown notification is ignored");

    for tool in ["hang", "garbage", "huge"] {
        let started = Instant::now();
        let outcome = server.call(tool, Map::new()).await;
        assert!(
            matches!(&outcome, Err(McpError::Timeout { seconds: 2, .. })),
            "{tool}: {outcome:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(6), "{tool} is bounded by the timeout");
        let status = server.status();
        assert_eq!(status.state, ServerState::Failed, "{tool}");
        assert!(status.error.is_some_and(|error| error.contains("did not answer within 2 s")));
    }

    let crashed = server.call("crash", Map::new()).await;
    match crashed {
        Err(McpError::Unavailable { message, .. }) => {
            assert!(message.contains("simulated crash"), "its stderr is in the error: {message}");
        }
        other => panic!("a crash is reported: {other:?}"),
    }
    assert!(server.status().stderr.iter().any(|line| line.contains("simulated crash")));
    let back = server.call("echo", arguments(json!({"text": "again"}))).await.expect("restarted");
    assert_eq!(text(&back), "again");
    assert_eq!(server.status().state, ServerState::Connected, "the status follows the truth");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misbehaving_http_server_gives_clear_errors_in_time_and_the_next_call_works() {
    let port = free_port();
    let _server = agentdesk_e2e::mcp_servers::serve_misbehaving_http(port).await;
    let settings = McpServerSettings {
        url: format!("http://127.0.0.1:{port}/mcp"),
        timeout_seconds: 2,
        ..McpServerSettings::default()
    };
    let server = McpServer::new("bad-http", settings, None, None);
    let echoed = server.call("echo", arguments(json!({"text": "fine"}))).await.expect("echo");
    assert_eq!(text(&echoed), "fine");

    for tool in ["cut", "garbage", "hang", "drop"] {
        let started = Instant::now();
        let outcome = server.call(tool, Map::new()).await;
        let error = match outcome {
            Err(error) => error.to_string(),
            Ok(result) => panic!("{tool} gave a result: {result:?}"),
        };
        assert!(started.elapsed() < Duration::from_secs(6), "{tool} is bounded by the timeout");
        assert!(error.contains("bad-http"), "{tool}: the error names the server: {error}");
        assert!(!error.contains("rmcp::"), "{tool}: no Rust type names: {error}");
        let status = server.status();
        assert_eq!(status.state, ServerState::Failed, "{tool}: {error}");
        assert_eq!(status.error.as_deref(), Some(error.as_str()), "{tool}: the status says so");
        let back = server.call("echo", arguments(json!({"text": tool}))).await.expect("next call");
        assert_eq!(text(&back), tool, "after {tool} the next call works");
        assert_eq!(server.status().state, ServerState::Connected);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_nobody_waits_for_any_more_is_cancelled_at_the_server() {
    let mut settings = stdio("node", &["misbehaving.mjs"], 30);
    settings.cwd = agentdesk_e2e::mcp_servers::folder().display().to_string();
    let server = McpServer::new("stopped", settings, None, None);
    server.call("echo", arguments(json!({"text": "ready"}))).await.expect("a session");
    // The caller gives up long before the call's own 30 s timeout, as a chat's Stop does.
    let gave_up = tokio::time::timeout(Duration::from_secs(1), server.call("hang", Map::new()));
    assert!(gave_up.await.is_err(), "hang never answers");
    // Answered once the server has heard a cancellation (the call times out otherwise).
    let wait = arguments(json!({"text": "wait:the caller stopped waiting"}));
    let seen = server.call("cancellations", wait).await.expect("cancellations");
    assert!(text(&seen).contains("the caller stopped waiting"), "{}", text(&seen));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_cannot_start_says_why() {
    let server = McpServer::new("ghost", stdio("/nonexistent/mcp-server", &[], 2), None, None);
    let outcome = server.tools().await;
    assert!(
        matches!(&outcome, Err(McpError::Unavailable { message, .. }) if message.contains("cannot start")),
        "{outcome:?}"
    );
    let status = server.status();
    assert_eq!(status.state, ServerState::Failed);
    assert!(status.error.is_some_and(|error| error.contains("/nonexistent/mcp-server")));
    let disabled = McpServer::new(
        "off",
        McpServerSettings { enabled: false, ..stdio("node", &["x"], 2) },
        None,
        None,
    );
    assert!(matches!(disabled.tools().await, Err(McpError::Disabled(_))));
    assert_eq!(disabled.status().state, ServerState::Disabled);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_aws_pricing_server_from_pypi_lists_its_tools_and_names_missing_credentials() {
    let program = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/mcp-venv/bin/awslabs.aws-pricing-mcp-server");
    let home = tempfile::tempdir().expect("an empty home: no AWS profile");
    let mut settings = stdio(&program.display().to_string(), &[], 60);
    // As the seed passes the user's AWS credentials in the environment; here there are none.
    for (variable, value) in [
        ("AWS_REGION", "us-east-1"),
        ("FASTMCP_LOG_LEVEL", "ERROR"),
        ("HOME", &home.path().display().to_string()),
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
        ("AWS_CONFIG_FILE", "/nonexistent/config"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ] {
        settings.env.insert(variable.into(), value.into());
    }
    let server = McpServer::new("pricing", settings, None, None);
    let tools = server.tools().await.expect("the pricing server's tools");
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    for expected in ["get_pricing", "get_pricing_service_codes", "generate_cost_report"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let answer = server.call("get_pricing_service_codes", Map::new()).await.expect("an answer");
    let said = format!("{}{}", text(&answer), answer.structured_content.unwrap_or_default());
    assert!(said.contains("Unable to locate credentials"), "its own error: {said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_on_the_deprecated_sse_transport_is_named_as_such() {
    let port = free_port();
    let _legacy = serve_everything("sse", port).await;
    let settings = McpServerSettings {
        url: format!("http://127.0.0.1:{port}/sse"),
        timeout_seconds: 10,
        ..McpServerSettings::default()
    };
    let server = McpServer::new("legacy", settings, None, None);
    let outcome = server.tools().await;
    assert!(
        matches!(&outcome, Err(McpError::Unavailable { message, .. }) if message.contains("deprecated HTTP+SSE")),
        "{outcome:?}"
    );
}
