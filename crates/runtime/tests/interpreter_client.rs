//! AgentDesk's own code interpreter client (`agentdesk-interpreter`) against the data plane
//! `agentdesk serve` offers, over the real WASM sandbox: a whole session in the sandbox's
//! result shape, SigV4 and bearer authorisation as they arrive at the server, a session the
//! server ended replaced once with the state-lost note, a call that timed out never re-run,
//! and an interpreter that cannot be reached named with what to do.

mod common;

use std::sync::Arc;

use agentdesk_config::InterpreterSettings;
use agentdesk_e2e::oidc::{M2M_SECRET, Oidc};
use agentdesk_interpreter::{
    ConversationSessions, Interpreter, InterpreterError, RemoteInterpreter,
};
use agentdesk_wasm_sandbox::{Content, SessionStatus, ToolCall};
use aws_sdk_bedrockagentcore::config::{Credentials, Region, SharedCredentialsProvider};
use common::Served;
use serde_json::json;

/// The client for `served`, signing with fixed test credentials.
fn client(served: &Served, settings: InterpreterSettings) -> Interpreter {
    let settings = InterpreterSettings { endpoint: served.base.clone(), ..settings };
    let remote = RemoteInterpreter::from_settings("desk", &settings, None).expect("settings");
    let credentials = Credentials::new("AKIDEXAMPLE", "x", None, None, "test");
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build();
    Interpreter::remote(remote.with_aws_config(&config))
}

fn code(code: &str) -> ToolCall {
    ToolCall { name: "executeCode".into(), arguments: json!({"code": code}) }
}

fn text(result: &agentdesk_wasm_sandbox::ToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|item| match item {
            Content::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_whole_session_comes_back_in_the_sandbox_shape_and_every_call_is_signed() {
    let served = Served::start().await;
    let interpreter = client(&served, InterpreterSettings::default());
    let session = interpreter.start_session("round trip", Some(120)).await.expect("started");

    interpreter.invoke(&session, &code("x = 41"), None).await.expect("defined");
    let (sink, mut printed) = tokio::sync::mpsc::unbounded_channel();
    let kept =
        interpreter.invoke(&session, &code("x += 1\nprint(x)"), Some(sink)).await.expect("ran");
    assert_eq!(kept.structured_content.as_ref().map(|run| run.stdout.as_str()), Some("42\n"));
    assert!(!kept.is_error);
    assert_eq!(
        printed.recv().await.map(|chunk| chunk.text),
        Some("42\n".to_owned()),
        "output reached the sink"
    );

    let failed = interpreter
        .invoke(&session, &code("1 / 0"), None)
        .await
        .expect("a result, not a transport error");
    assert!(failed.is_error);
    let run = failed.structured_content.as_ref().expect("the run");
    assert_eq!(run.exit_code, 1);
    assert!(run.stderr.contains("ZeroDivisionError"), "the traceback: {}", run.stderr);

    let write = ToolCall {
        name: "writeFiles".into(),
        arguments: json!({"content": [{"path": "notes.txt", "text": "東京 t3.micro"}, {"path": "raw.bin", "blob": "AJ//"}]}),
    };
    assert!(!interpreter.invoke(&session, &write, None).await.expect("written").is_error);
    let read = ToolCall {
        name: "readFiles".into(),
        arguments: json!({"paths": ["notes.txt", "raw.bin"]}),
    };
    let read = interpreter.invoke(&session, &read, None).await.expect("read");
    let resources: Vec<_> = read
        .content
        .iter()
        .filter_map(|item| match item {
            Content::Resource { resource } => Some((resource.text.clone(), resource.blob.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        resources,
        [(Some("東京 t3.micro".to_owned()), None), (None, Some("AJ//".to_owned()))]
    );
    let listed = ToolCall { name: "listFiles".into(), arguments: json!({"directoryPath": "."}) };
    let listed = interpreter.invoke(&session, &listed, None).await.expect("listed");
    let names: Vec<_> = listed
        .content
        .iter()
        .filter_map(|item| match item {
            Content::ResourceLink { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert!(names.contains(&"notes.txt") && names.contains(&"raw.bin"), "{listed:?}");
    let shell = ToolCall { name: "executeCommand".into(), arguments: json!({"command": "ls"}) };
    let shell = interpreter.invoke(&session, &shell, None).await.expect("a result");
    assert!(shell.is_error && text(&shell).contains("not available"), "{shell:?}");

    assert_eq!(interpreter.session_status(&session).await.expect("status"), SessionStatus::Ready);
    interpreter.stop_session(&session).await.expect("stopped");
    assert_eq!(
        interpreter.session_status(&session).await.expect("status"),
        SessionStatus::Terminated
    );
    interpreter.stop_session(&session).await.expect("stopping twice is no matter");
    let refused = interpreter
        .invoke(&session, &code("print(x)"), None)
        .await
        .expect_err("nothing runs after stop");
    assert_eq!(refused.code(), "refused", "{refused}");

    let signatures = served.signatures.lock().expect("lock").clone();
    assert!(signatures.len() >= 10, "{signatures:?}");
    for signature in signatures {
        assert!(
            signature.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
                && signature.contains("/us-east-1/bedrock-agentcore/aws4_request"),
            "{signature}"
        );
    }
}

#[tokio::test]
async fn a_session_the_server_ended_is_replaced_once_and_says_the_state_was_lost() {
    let served = Served::start().await;
    let interpreter = client(&served, InterpreterSettings::default());
    let sessions = ConversationSessions::new(interpreter.clone(), Some(120));
    sessions.run("chat-1", &code("rate = 0.0104"), None).await.expect("defined");
    let first = sessions.run("chat-1", &code("print(rate * 730)"), None).await.expect("ran");
    assert!(!first.is_error, "state kept between calls: {first:?}");

    // The server ends the session behind the client's back (as a timeout would).
    for session in served.sandbox.list_sessions() {
        served.sandbox.stop_session(&session.session_id).expect("stopped");
    }
    served.requests.lock().expect("lock").clear();
    let again =
        sessions.run("chat-1", &code("print('ran')"), None).await.expect("ran in a new session");
    assert!(text(&again).starts_with("[the interpreter's session had ended"), "{again:?}");
    assert!(
        again
            .structured_content
            .as_ref()
            .is_some_and(|run| run.state_lost && run.stdout == "ran\n")
    );
    let invokes = served
        .requests
        .lock()
        .expect("lock")
        .iter()
        .filter(|request| request.ends_with("/tools/invoke"))
        .count();
    assert_eq!(invokes, 2, "refused once in the old session, run once in the new one");
    let lost = sessions.run("chat-1", &code("print(rate)"), None).await.expect("a result");
    assert!(lost.is_error, "the old variables are gone, as the note said");

    sessions.close("chat-1").await;
    assert!(
        served
            .sandbox
            .list_sessions()
            .iter()
            .all(|session| session.status == SessionStatus::Terminated),
        "closing the conversation stopped its session"
    );
}

#[tokio::test]
async fn a_call_that_timed_out_is_not_run_again() {
    let served = Served::start().await;
    let interpreter = client(
        &served,
        InterpreterSettings { timeout_seconds: 1, ..InterpreterSettings::default() },
    );
    let sessions = ConversationSessions::new(interpreter, Some(120));
    sessions.run("chat-1", &code("import time"), None).await.expect("warm");
    served.requests.lock().expect("lock").clear();
    let timed_out =
        sessions.run("chat-1", &code("time.sleep(30)"), None).await.expect_err("too slow");
    assert!(matches!(timed_out, InterpreterError::Timeout { seconds: 1, .. }), "{timed_out}");
    assert!(timed_out.to_string().contains("timeout_seconds"), "says what to change: {timed_out}");
    let requests = served.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1, "one invoke, no retry and no new session: {requests:?}");
}

#[tokio::test]
async fn an_interpreter_that_is_not_there_is_named_with_what_to_do() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let settings = InterpreterSettings {
        endpoint: format!("http://{address}"),
        ..InterpreterSettings::default()
    };
    let remote = RemoteInterpreter::from_settings("gone", &settings, None).expect("settings");
    let status = remote.probe().await;
    assert!(!status.reachable);
    assert_eq!(status.code.as_deref(), Some("unreachable"));
    let message = status.message.expect("why");
    assert!(message.contains("gone") && message.contains(&address.to_string()), "{message}");

    let broken = InterpreterSettings {
        endpoint: "ftp://example.com".into(),
        ..InterpreterSettings::default()
    };
    let refused = RemoteInterpreter::from_settings("odd", &broken, None).expect_err("refused");
    assert_eq!(refused.code(), "bad_settings");
    assert!(refused.to_string().contains("interpreters.odd.endpoint"), "{refused}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_auth_the_providers_token_is_sent_as_the_bearer_instead_of_a_signature() {
    let oidc = Oidc::start(300).await;
    let served = Served::start().await;
    let mut providers = std::collections::BTreeMap::new();
    providers.insert("idp".to_owned(), oidc.m2m());
    let identity = Arc::new(agentdesk_identity::Identity::new(
        providers,
        agentdesk_identity::Vault::open(agentdesk_identity::KeyringBackend::Os),
        Arc::new(agentdesk_identity::SystemBrowser),
    ));
    identity
        .store_secret("idp", agentdesk_identity::Secret::new(M2M_SECRET))
        .await
        .expect("the client secret goes into the keyring");
    let settings = InterpreterSettings {
        endpoint: served.base.clone(),
        auth: "idp".into(),
        ..InterpreterSettings::default()
    };
    let remote = RemoteInterpreter::from_settings("team", &settings, Some(Arc::clone(&identity)))
        .expect("settings");
    let interpreter = Interpreter::remote(remote);
    let session = interpreter.start_session("bearer", None).await.expect("started");
    let result = interpreter.invoke(&session, &code("print(6 * 7)"), None).await.expect("ran");
    assert_eq!(result.structured_content.map(|run| run.stdout), Some("42\n".to_owned()));
    interpreter.stop_session(&session).await.expect("stopped");

    let signatures = served.signatures.lock().expect("lock").clone();
    assert_eq!(signatures.len(), 3, "{signatures:?}");
    for signature in &signatures {
        let token =
            signature.strip_prefix("Bearer ").unwrap_or_else(|| panic!("a bearer: {signature}"));
        assert_eq!(token.split('.').count(), 3, "the provider's JWT");
    }
    identity.forget_everything("idp").await.expect("clean up the keyring");
}
