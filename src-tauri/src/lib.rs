//! The AgentDesk desktop shell.
//!
//! This crate only adapts: each Tauri command parses its input, calls one function of a
//! GUI-free crate and maps the error to an [`ApiError`] (`{code, message, key}`), so the
//! front end never matches on strings. Long work streams progress as events. No business
//! logic lives here; if a command grows past a few lines, the logic belongs in a crate.
//!
//! Start at [`run`], then `commands/`. [`configure`] registers state and commands on any
//! Tauri runtime, so the tests drive the same commands through `tauri::test` without a
//! window. The wire types shared with the UI are generated into `ui/src/bindings/` by
//! ts-rs; the `bindings` test fails when they drift.
//!
//! This is the only crate that may depend on Tauri, GTK or WebKit.
#![deny(missing_docs)]

mod bindings;
#[allow(clippy::needless_pass_by_value, reason = "Tauri hands command arguments over by value")]
mod commands;
mod error;
mod startup;
mod state;

use std::process::ExitCode;

use agentdesk_config::{Environment, Overrides};
use tauri::{Runtime, Wry};

pub use commands::agents::{AgentCheck, RemoteAgentView};
pub use commands::app::{AppInfo, StartupStep, StartupTimings};
pub use commands::auth::{AuthEvent, AuthView};
pub use commands::chat::{ChatModel, ChatTurn, RunningTurns};
pub use commands::connections::{CallView, ServerView, ToolView};
pub use commands::prices::{
    BuiltCatalog, BundledCatalog, PricesOutcome, PricesProgress, PricesRegion, PricesService,
    PricesStatus,
};
pub use commands::sandbox::InstallProgress;
pub use commands::settings::RegionChoice;
pub use error::{ApiError, ErrorCode};
pub use state::{AppState, MemoryDesk, Overridden, SettingsView};

/// The name of the event emitted after the settings change; its payload is a
/// [`SettingsView`].
pub const SETTINGS_CHANGED: &str = "settings-changed";

/// The name of the event that reports a runtime install's progress; its payload is a
/// [`commands::sandbox::InstallProgress`].
pub const SANDBOX_INSTALL_PROGRESS: &str = "sandbox-install-progress";

/// The name of the event that reports sign-in changes; its payload is an
/// [`commands::auth::AuthEvent`].
pub const AUTH_CHANGED: &str = "auth-changed";

/// The name of the event that reports an MCP server's change of state; its payload is a
/// [`ServerView`].
pub const MCP_CHANGED: &str = "mcp-changed";

/// Starts the desktop app and returns when its last window closes.
pub fn run() -> ExitCode {
    startup::begin();
    // The app takes its folders from the environment (AGENTDESK_CONFIG, AGENTDESK_DATA_DIR,
    // AGENTDESK_CACHE_DIR); a malformed config still starts it, and Settings shows why.
    let state = match AppState::load(Overrides::default(), Environment::from_process()) {
        Ok(state) => state,
        Err(error) => {
            eprintln!("AgentDesk cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let _log = state.start_logging("agentdesk-desktop");
    let context = tauri::generate_context!("../tauri.conf.json");
    let boot =
        startup::boot_script(&commands::app::app_info(), &SettingsView::from(&*state.loaded()));
    let boot = tauri::plugin::Builder::<Wry>::new("agentdesk-boot").js_init_script(boot).build();
    let app = configure(tauri::Builder::<Wry>::default().plugin(boot), state).build(context);
    match app {
        Ok(app) => {
            app.run(|app, event| {
                if let tauri::RunEvent::Exit = event {
                    stop_remote_sessions(app);
                }
            });
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!("the desktop app stopped: {error}");
            eprintln!("AgentDesk stopped: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Stops the sessions the app started on remote interpreters, which would otherwise run (and
/// be paid for) until their timeout; gives up after a few seconds so quitting stays quick.
fn stop_remote_sessions(app: &tauri::AppHandle) {
    use tauri::Manager;
    let state = app.state::<AppState>();
    let stopping = async {
        state.close_calculator().await;
        state.interpreters.close_all().await;
    };
    let stopped = tauri::async_runtime::block_on(tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stopping,
    ));
    if stopped.is_err() {
        tracing::warn!(
            "some remote interpreter sessions were not stopped; they end at their timeout"
        );
    }
}

/// Registers AgentDesk's state and commands on a Tauri builder.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    let mut auth_events = state.auth_events.subscribe();
    let mut mcp_events = state.mcp_events.subscribe();
    builder
        .manage(state)
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            use tauri::Emitter;
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                while let Ok(event) = auth_events.recv().await {
                    let _no_window = handle.emit(AUTH_CHANGED, &event);
                }
            });
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    match mcp_events.recv().await {
                        Ok(server) => {
                            let _no_window = handle.emit(MCP_CHANGED, &server);
                        }
                        // A slow window missed some changes; the later ones still arrive.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    }
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::app_started,
            commands::settings::settings_load,
            commands::settings::settings_save,
            commands::doctor::doctor_run,
            commands::sandbox::sandbox_runtimes,
            commands::sandbox::sandbox_install,
            commands::sandbox::sandbox_start,
            commands::sandbox::sandbox_stop,
            commands::sandbox::sandbox_invoke,
            commands::sandbox::sandbox_sessions,
            commands::sandbox::sandbox_cancel,
            commands::sandbox::sandbox_usage,
            commands::interpreters::interpreters_list,
            commands::interpreters::interpreters_probe,
            commands::interpreters::interpreter_start,
            commands::interpreters::interpreter_session,
            commands::interpreters::interpreter_invoke,
            commands::interpreters::interpreter_stop,
            commands::files::save_file,
            commands::traces::traces_sessions,
            commands::traces::traces_list,
            commands::traces::trace_detail,
            commands::traces::trace_otlp_json,
            commands::memory::memory_sessions,
            commands::memory::memory_sessions_search,
            commands::memory::memory_session_rename,
            commands::memory::memory_session_delete,
            commands::memory::memory_events,
            commands::memory::memory_event,
            commands::memory::memory_records,
            commands::memory::memory_search,
            commands::memory::memory_record_update,
            commands::memory::memory_record_delete,
            commands::memory::memory_status,
            commands::memory::memory_extract,
            commands::prices::prices_status,
            commands::prices::prices_update,
            commands::chat::chat_offline,
            commands::chat::chat_history,
            commands::chat::chat_model,
            commands::chat::chat_send,
            commands::chat::chat_approve,
            commands::chat::chat_stop,
            commands::chat::model_key_set,
            commands::chat::model_key_forget,
            commands::auth::auth_view,
            commands::auth::auth_sign_in,
            commands::auth::auth_sign_out,
            commands::auth::auth_store_secret,
            commands::auth::auth_check_provider,
            commands::auth::auth_save_provider,
            commands::auth::auth_remove_provider,
            commands::settings::settings_regions,
            commands::connections::mcp_servers,
            commands::connections::mcp_check,
            commands::connections::mcp_sign_in,
            commands::connections::mcp_sign_out,
            commands::connections::mcp_add,
            commands::connections::mcp_set_enabled,
            commands::connections::mcp_remove,
            commands::connections::mcp_tools,
            commands::connections::mcp_call,
            commands::connections::mcp_import_preview,
            commands::connections::mcp_import_pick,
            commands::connections::mcp_import,
            commands::agents::agents_list,
            commands::agents::agents_add,
            commands::agents::agents_remove,
            commands::agents::agents_test,
            commands::agents::agents_send,
            commands::agents::agents_conversation,
        ])
}
