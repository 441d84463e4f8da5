//! The Code Interpreter data plane (`agentdesk_runtime::code_interpreter::router`) on a
//! loopback port, backed by the real WASM sandbox with the Python runtime installed from the
//! wheel `make test` downloads, called by AWS's own clients: boto3's `bedrock-agentcore`
//! through a whole session, the `bedrock-agentcore` SDK's `CodeInterpreter` file helpers,
//! and `aws-sdk-bedrockagentcore` (SigV4-signed); plus the raw wire (event-stream frames,
//! error headers) read with reqwest and AWS's event-stream decoder.

mod common;

use std::path::Path;

use agentdesk_e2e::python_runtime::target;
use agentdesk_wasm_sandbox::Sandbox;
use aws_smithy_types::event_stream::Message;
use common::{IDENTIFIER, Served};
use serde_json::{Value, json};

/// Runs a script of `tests/runtime-peers` with the AgentCore venv's Python and returns the
/// JSON object it prints.
async fn run_peer(script: &str, args: &[&str], env: &[(&str, &str)]) -> Value {
    let python = target().join("agentcore-venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: `make target/agentcore-venv/.installed`",
        python.display()
    );
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/runtime-peers").join(script);
    let output = tokio::process::Command::new(&python)
        .arg(&script)
        .args(args)
        // Hermetic: no credentials, config or retries from the machine.
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_MAX_ATTEMPTS", "1")
        .envs(env.iter().copied())
        .output()
        .await
        .expect("run python");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stdout)))
}

/// The one `result` event of an invoke as the boto3 script recorded it.
fn result_of(step: &Value) -> &Value {
    let events = step["events"].as_array().expect("events");
    assert_eq!(events.len(), 1, "one result event: {step}");
    &events[0]["result"]
}

fn is_session_id(id: &str) -> bool {
    (1..=40).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric())
}

#[tokio::test]
async fn boto3_goes_through_a_whole_session() {
    let served = Served::start().await;
    let said = run_peer("code_interpreter_boto3.py", &[&served.base, IDENTIFIER], &[]).await;

    let session = said["start"]["sessionId"].as_str().expect("session id");
    assert!(is_session_id(session), "{session}");
    assert_eq!(said["start"]["codeInterpreterIdentifier"], IDENTIFIER);
    assert!(said["start"]["createdAt"].as_str().is_some_and(|at| at.contains('T')), "{said}");

    // State kept between calls.
    assert_eq!(said["add"]["sessionId"], session);
    let add = result_of(&said["add"]);
    assert_eq!(add["content"][0], json!({"type": "text", "text": "42\n"}));
    assert_eq!(add["structuredContent"]["stdout"], "42\n");
    assert_eq!(add["structuredContent"]["exitCode"], 0);
    assert_eq!(add["isError"], false);

    // An exception is a result with its traceback, not a transport error.
    let raised = result_of(&said["raise"]);
    assert_eq!(raised["isError"], true, "{raised}");
    let stderr = raised["structuredContent"]["stderr"].as_str().expect("stderr");
    assert!(stderr.contains("Traceback") && stderr.contains("ZeroDivisionError"), "{stderr}");
    assert_eq!(raised["structuredContent"]["exitCode"], 1);

    // Files: written, read back as `resource` blocks, listed, seen by Python, removed.
    assert_eq!(result_of(&said["write"])["isError"], false, "{}", said["write"]);
    let read = &result_of(&said["read"])["content"];
    assert_eq!(read[0]["type"], "resource");
    assert_eq!(read[0]["resource"]["type"], "text");
    assert_eq!(read[0]["resource"]["text"], "héllo, desk\n");
    assert_eq!(read[1]["resource"]["type"], "blob");
    assert_eq!(
        read[1]["resource"]["blob"],
        json!({"base64": "AAEC/w=="}),
        "blobs decode to the bytes written"
    );
    let listed = result_of(&said["list"])["content"].to_string();
    assert!(listed.contains("hello.txt") && listed.contains("resource_link"), "{listed}");
    assert_eq!(result_of(&said["python_sees_files"])["content"][0]["text"], "héllo, desk\n");
    assert_eq!(result_of(&said["remove"])["isError"], false);
    let remaining = result_of(&said["list_after_remove"])["content"].to_string();
    assert!(remaining.contains("data") && !remaining.contains("raw.bin"), "{remaining}");

    // executeCommand is answered, as a result saying it is not available.
    let command = result_of(&said["command"]);
    assert_eq!(command["isError"], true);
    assert!(
        command["content"][0]["text"].as_str().is_some_and(|text| text.contains("not available")),
        "{command}"
    );

    // Bad input: clear refusals with the API's exception names.
    assert_eq!(said["unknown_tool"]["error"], "ValidationException", "{}", said["unknown_tool"]);
    assert_eq!(said["unknown_tool"]["status"], 400);
    assert!(
        said["unknown_tool"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown tool \"frobnicate\""))
    );
    assert_eq!(said["no_code"]["error"], "ValidationException");
    assert!(said["no_code"]["message"].as_str().is_some_and(|m| m.contains("arguments.code")));
    assert_eq!(said["unknown_session"]["error"], "ResourceNotFoundException");
    assert_eq!(said["unknown_session"]["status"], 404);
    assert_eq!(said["bad_session_id"]["error"], "ValidationException");
    assert_eq!(said["other_identifier"]["error"], "ResourceNotFoundException");

    // Get, list, stop, get again.
    assert_eq!(said["get_ready"]["status"], "READY");
    assert_eq!(said["get_ready"]["name"], "boto3-session");
    assert_eq!(said["get_ready"]["sessionTimeoutSeconds"], 600);
    for listing in ["list_sessions", "list_ready"] {
        let items = said[listing]["items"].as_array().expect("items");
        assert!(
            items.iter().any(|item| item["sessionId"] == session && item["status"] == "READY"),
            "{listing}: {items:?}"
        );
    }
    assert_eq!(said["stop"]["sessionId"], session);
    assert!(said["stop"]["lastUpdatedAt"].is_string());
    assert_eq!(
        said["stop_again"]["lastUpdatedAt"], said["stop"]["lastUpdatedAt"],
        "stop is idempotent"
    );
    assert_eq!(said["get_terminated"]["status"], "TERMINATED");
    let terminated = said["list_terminated"]["items"].as_array().expect("items");
    assert!(terminated.iter().any(|item| item["sessionId"] == session), "{terminated:?}");
    assert!(terminated.iter().all(|item| item["status"] == "TERMINATED"));
    let after = &said["invoke_after_stop"];
    assert_eq!(after["error"], "ValidationException", "{after}");
    assert!(after["message"].as_str().is_some_and(|m| m.contains("TERMINATED")), "{after}");
}

#[tokio::test]
async fn the_sdk_helpers_upload_and_download_files() {
    let served = Served::start().await;
    let said = run_peer(
        "code_interpreter_sdk.py",
        &[],
        &[("BEDROCK_AGENTCORE_DP_ENDPOINT", served.base.as_str()), ("AWS_REGION", "us-east-1")],
    )
    .await;
    assert!(said["session"].as_str().is_some_and(is_session_id), "{said}");
    assert_eq!(said["identifier"], IDENTIFIER, "the SDK's default identifier");
    assert_eq!(said["download_text"], "estimate: 42 USD\n");
    // Not UTF-8, so the helper hands back the bytes.
    assert_eq!(said["download_binary"], json!({"base64": "AJ+Slg=="}));
    let files = said["download_files"].as_object().expect("files");
    assert_eq!(files.len(), 2, "{files:?}");
    // The helper keys files by their `resource.uri` without `file://`.
    assert_eq!(files["/workspace/notes/plan.txt"], "estimate: 42 USD\n", "{files:?}");
    assert_eq!(files["/workspace/raw.bin"], json!({"base64": "AJ+Slg=="}), "{files:?}");
    assert_eq!(said["execute"][0]["content"][0]["text"], "estimate: 42 USD 42\n");
    assert_eq!(said["execute_again"][0]["content"][0]["text"], "43\n");
    assert_eq!(
        said["cleared"][0]["content"][0]["text"], "False\n",
        "clearContext resets the state"
    );
    assert_eq!(said["command"][0]["isError"], true);
    assert_eq!(said["status"], "READY");
    assert_eq!(said["stopped"], true);
}

fn header<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message
        .headers()
        .iter()
        .find(|header| header.name().as_str() == name)
        .and_then(|header| header.value().as_string().ok())
        .map(|value| value.as_str())
}

#[tokio::test]
async fn the_wire_is_framed_and_refused_as_agentcore_does() {
    let served = Served::start().await;
    let http = reqwest::Client::new();
    let url = |rest: &str| served.url(rest);

    let bad = http.put(url("sessions/start")).body("{not json").send().await.expect("start");
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.headers()["x-amzn-errortype"], "ValidationException");
    let body: Value = bad.json().await.expect("json");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("StartCodeInterpreterSession")),
        "{body}"
    );

    let too_long = http
        .put(url("sessions/start"))
        .json(&json!({"sessionTimeoutSeconds": 28_801}))
        .send()
        .await
        .expect("start");
    assert_eq!(too_long.status(), 400);
    let body: Value = too_long.json().await.expect("json");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("1 to 28800")), "{body}");

    let started: Value = served.start_session(&http, json!({"clientToken": "a".repeat(33)})).await;
    let session = started["sessionId"].as_str().expect("id").to_owned();
    let again: Value = served.start_session(&http, json!({"clientToken": "a".repeat(33)})).await;
    assert_eq!(again["sessionId"], session.as_str(), "a retried start is the same session");

    let answer = http
        .post(url("tools/invoke"))
        .header("x-amzn-code-interpreter-session-id", &session)
        .json(&json!({"name": "executeCode", "arguments": {"code": "print(6 * 7)"}}))
        .send()
        .await
        .expect("invoke");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/vnd.amazon.eventstream");
    assert_eq!(answer.headers()["x-amzn-code-interpreter-session-id"], session.as_str());
    let mut bytes = answer.bytes().await.expect("body");
    let message =
        aws_smithy_eventstream::frame::read_message_from(&mut bytes).expect("one valid frame");
    assert!(bytes.is_empty(), "nothing after the result");
    assert_eq!(header(&message, ":message-type"), Some("event"));
    assert_eq!(header(&message, ":event-type"), Some("result"));
    assert_eq!(header(&message, ":content-type"), Some("application/json"));
    let result: Value = serde_json::from_slice(message.payload()).expect("json");
    assert_eq!(result["content"][0]["text"], "42\n");

    let no_header = http
        .post(url("tools/invoke"))
        .json(&json!({"name": "listFiles"}))
        .send()
        .await
        .expect("invoke");
    assert_eq!(no_header.status(), 400);
    let body: Value = no_header.json().await.expect("json");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("x-amzn-code-interpreter-session-id")),
        "{body}"
    );

    let missing = http.get(url("sessions/get")).send().await.expect("get");
    assert_eq!(missing.status(), 400);
    assert_eq!(missing.headers()["x-amzn-errortype"], "ValidationException");

    let listed =
        http.post(url("sessions/list")).json(&json!({"maxResults": 1})).send().await.expect("list");
    let listed: Value = listed.json().await.expect("json");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "{listed}");
    let bad_page =
        http.post(url("sessions/list")).json(&json!({"maxResults": 0})).send().await.expect("list");
    assert_eq!(bad_page.status(), 400);

    let other = http
        .post(format!("{}/code-interpreters/someone.else/sessions/list", served.base))
        .send()
        .await
        .expect("list");
    let other: Value = other.json().await.expect("json");
    assert_eq!(other["items"], json!([]), "each identifier has its own sessions");
}

/// One tool call through `aws-sdk-bedrockagentcore`, returning the one result event.
async fn sdk_invoke(
    client: &aws_sdk_bedrockagentcore::Client,
    session: &str,
    tool: aws_sdk_bedrockagentcore::types::ToolName,
    arguments: aws_sdk_bedrockagentcore::types::ToolArguments,
) -> aws_sdk_bedrockagentcore::types::CodeInterpreterResult {
    let mut output = client
        .invoke_code_interpreter()
        .code_interpreter_identifier(IDENTIFIER)
        .session_id(session)
        .name(tool)
        .arguments(arguments)
        .send()
        .await
        .expect("invoke");
    let event = output.stream.recv().await.expect("a readable stream").expect("one event");
    let result = event.as_result().expect("a result event").clone();
    assert!(output.stream.recv().await.expect("a clean end").is_none(), "one event only");
    result
}

#[tokio::test]
async fn aws_sdk_for_rust_signs_and_goes_through_a_session() {
    use aws_sdk_bedrockagentcore::config::{
        BehaviorVersion, Credentials, Region, SharedCredentialsProvider,
    };
    use aws_sdk_bedrockagentcore::primitives::Blob;
    use aws_sdk_bedrockagentcore::types::{
        CodeInterpreterSessionStatus, InputContentBlock, ResourceContentType, ToolArguments,
        ToolName,
    };

    let served = Served::start().await;
    let credentials = Credentials::new("AKIDEXAMPLE", "x", None, None, "test");
    let config = aws_sdk_bedrockagentcore::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .endpoint_url(&served.base)
        .build();
    let client = aws_sdk_bedrockagentcore::Client::from_conf(config);

    let started = client
        .start_code_interpreter_session()
        .code_interpreter_identifier(IDENTIFIER)
        .name("rust-sdk")
        .session_timeout_seconds(120)
        .send()
        .await
        .expect("start");
    let session = started.session_id().to_owned();

    let code = |code: &str| ToolArguments::builder().code(code).build();
    sdk_invoke(&client, &session, ToolName::ExecuteCode, code("y = 7")).await;
    let result = sdk_invoke(&client, &session, ToolName::ExecuteCode, code("print(y * 6)")).await;
    assert_eq!(result.content()[0].text(), Some("42\n"));
    assert_eq!(result.structured_content().and_then(|run| run.exit_code()), Some(0));
    assert_eq!(result.is_error(), Some(false));

    let file = InputContentBlock::builder()
        .path("raw.bin")
        .blob(Blob::new(vec![0, 159, 255]))
        .build()
        .expect("file");
    let written = sdk_invoke(
        &client,
        &session,
        ToolName::WriteFiles,
        ToolArguments::builder().content(file).build(),
    )
    .await;
    assert_eq!(written.is_error(), Some(false));
    let read = sdk_invoke(
        &client,
        &session,
        ToolName::ReadFiles,
        ToolArguments::builder().paths("raw.bin").build(),
    )
    .await;
    let resource = read.content()[0].resource().expect("a resource block");
    assert_eq!(resource.r#type(), &ResourceContentType::Blob);
    assert_eq!(resource.blob().map(|blob| blob.as_ref().to_vec()), Some(vec![0, 159, 255]));

    let status = |session: String| {
        let client = client.clone();
        async move {
            let got = client
                .get_code_interpreter_session()
                .code_interpreter_identifier(IDENTIFIER)
                .session_id(session)
                .send()
                .await
                .expect("get");
            got.status().cloned()
        }
    };
    assert_eq!(status(session.clone()).await, Some(CodeInterpreterSessionStatus::Ready));
    client
        .stop_code_interpreter_session()
        .code_interpreter_identifier(IDENTIFIER)
        .session_id(&session)
        .send()
        .await
        .expect("stop");
    assert_eq!(status(session.clone()).await, Some(CodeInterpreterSessionStatus::Terminated));
    let refused = client
        .invoke_code_interpreter()
        .code_interpreter_identifier(IDENTIFIER)
        .session_id(&session)
        .name(ToolName::ExecuteCode)
        .arguments(code("print(y)"))
        .send()
        .await
        .expect_err("a stopped session runs nothing");
    assert!(refused.into_service_error().is_validation_exception());

    // Every request was SigV4-signed for the service and region.
    let signatures = served.signatures.lock().expect("lock").clone();
    assert!(signatures.len() >= 9, "{signatures:?}");
    for signature in signatures {
        assert!(
            signature.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
                && signature.contains("/us-east-1/bedrock-agentcore/aws4_request")
                && signature.contains("Signature="),
            "{signature}"
        );
    }
}

#[tokio::test]
async fn stopping_a_session_ends_the_cell_running_in_it_with_a_result() {
    let served = Served::start().await;
    let http = reqwest::Client::new();
    let url = |rest: &str| served.url(rest);
    let started: Value = served.start_session(&http, json!({})).await;
    let session = started["sessionId"].as_str().expect("id").to_owned();
    let running = tokio::spawn(
        http.post(url("tools/invoke"))
            .header("x-amzn-code-interpreter-session-id", &session)
            .json(&json!({"name": "executeCode", "arguments": {"code": "print('spinning', flush=True)\nwhile True: pass"}}))
            .send(),
    );
    until_running(&served.sandbox, true).await;
    let stopped = http
        .put(format!("{}?sessionId={session}", url("sessions/stop")))
        .json(&json!({}))
        .send()
        .await
        .expect("stop");
    assert_eq!(stopped.status(), 200);
    let answer = running.await.expect("task").expect("invoke");
    assert_eq!(answer.status(), 200);
    let mut bytes = answer.bytes().await.expect("body");
    let message = aws_smithy_eventstream::frame::read_message_from(&mut bytes).expect("frame");
    assert_eq!(header(&message, ":event-type"), Some("result"));
    let result: Value = serde_json::from_slice(message.payload()).expect("json");
    assert_eq!(result["isError"], true, "{result}");
    assert_eq!(result["structuredContent"]["stdout"], "spinning\n", "{result}");
    assert!(
        result["structuredContent"]["stderr"].as_str().is_some_and(|e| e.contains("stopped")),
        "{result}"
    );
}

/// Polls the sandbox until a call is running in a session (or not), for up to a minute.
async fn until_running(sandbox: &Sandbox, running: bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sandbox.usage().sessions.iter().any(|usage| usage.running) != running {
        assert!(std::time::Instant::now() < deadline, "never running = {running}");
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_caller_that_goes_away_stops_its_cell_and_the_session_stays_usable() {
    let served = Served::start().await;
    let http = reqwest::Client::new();
    let url = |rest: &str| served.url(rest);
    let started: Value = served.start_session(&http, json!({})).await;
    let session = started["sessionId"].as_str().expect("id").to_owned();
    let invoke = |code: &str| {
        http.post(url("tools/invoke"))
            .header("x-amzn-code-interpreter-session-id", &session)
            .json(&json!({"name": "executeCode", "arguments": {"code": code}}))
            .send()
    };
    let caller = tokio::spawn(invoke("while True: pass"));
    until_running(&served.sandbox, true).await;
    caller.abort();
    until_running(&served.sandbox, false).await;

    let answer = invoke("print('still here')").await.expect("invoke");
    let mut bytes = answer.bytes().await.expect("body");
    let message = aws_smithy_eventstream::frame::read_message_from(&mut bytes).expect("frame");
    let result: Value = serde_json::from_slice(message.payload()).expect("json");
    assert_eq!(result["content"][0]["text"], "still here\n", "{result}");
}
