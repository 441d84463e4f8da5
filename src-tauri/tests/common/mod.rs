//! The app on Tauri's mock runtime (`tauri::test`, no window) over a config file and folders in
//! a temporary directory, with commands called through the real IPC layer.
#![allow(dead_code, reason = "each test file uses the part it needs")]

use std::path::PathBuf;

use agentdesk_config::{Environment, Overrides};
use agentdesk_desktop::{AppState, configure};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// The app, its webview and the folder its files live in.
pub(crate) struct Harness {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) config: PathBuf,
    pub(crate) app: App<MockRuntime>,
    pub(crate) webview: WebviewWindow<MockRuntime>,
}

/// The app over `config.toml` holding `config_text` (no file at all for `None`).
pub(crate) fn harness(config_text: Option<&str>) -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    if let Some(text) = config_text {
        std::fs::write(&config, text).expect("write config");
    }
    let overrides = Overrides {
        config_file: Some(config.clone()),
        data_dir: Some(dir.path().join("data")),
        cache_dir: Some(dir.path().join("cache")),
    };
    let state = AppState::load(overrides, Environment::default()).expect("load state");
    let app =
        configure(mock_builder(), state).build(mock_context(noop_assets())).expect("build app");
    let webview =
        WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("webview");
    Harness { dir, config, app, webview }
}

impl Harness {
    /// Calls `command` with `body` as the page would; the error is the command's JSON error.
    pub(crate) fn invoke(&self, command: &str, body: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: command.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request)
            .map(|response| response.deserialize::<Value>().expect("JSON response"))
    }

    /// The config file as it is on disk now.
    pub(crate) fn file(&self) -> Option<String> {
        std::fs::read_to_string(&self.config).ok()
    }
}
