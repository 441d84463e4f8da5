//! The Connections page: MCP servers with their live status, added, enabled, signed in to,
//! signed out of and removed, and their tools listed and called; Claude Desktop's servers
//! previewed and imported (the GUI twin of `agentdesk mcp import-claude-config`). The sessions live in
//! [`AppState::connections`], so a signed-in server stays connected between pages, and the
//! chat offers the same servers' tools.

use std::path::PathBuf;
use std::sync::Arc;

use agentdesk_config::{ConfigFile, McpServerSettings};
use agentdesk_identity::Secret;
use agentdesk_mcp::{
    ImportPlan, ImportPreview, McpError, McpServer, SaveError, ServerSecret, ServerStatus,
};
use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::{Runtime, State, WebviewWindow};
use tauri_plugin_dialog::DialogExt;
use ts_rs::TS;

use crate::{ApiError, AppState, ErrorCode};

/// One server on the page: its status and how it is set up (never a secret).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Mcp.ts")]
pub struct ServerView {
    /// Where it stands.
    pub status: ServerStatus,
    /// Whether its tools are offered.
    pub enabled: bool,
    /// The credential provider it signs in with; empty when it follows the server's own
    /// sign-in (the MCP authorization spec) or needs none.
    pub auth: String,
}

/// A tool, as the page lists it and builds its form from.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Mcp.ts")]
pub struct ToolView {
    /// Its name on the server.
    pub name: String,
    /// Its human title, when it has one.
    pub title: Option<String>,
    /// What it does.
    pub description: String,
    /// The JSON Schema of its arguments.
    #[ts(type = "Record<string, unknown>")]
    pub input_schema: Value,
    /// The JSON Schema of its structured result, when it declares one.
    #[ts(type = "Record<string, unknown> | null")]
    pub output_schema: Option<Value>,
}

/// One block of a tool's result.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[ts(export_to = "Mcp.ts")]
pub enum ContentView {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// An image, base64-encoded.
    Image {
        /// Its media type.
        mime_type: String,
        /// The base64 data.
        data: String,
    },
    /// Audio, described rather than played.
    Audio {
        /// Its media type.
        mime_type: String,
    },
    /// A resource, embedded or linked.
    Resource {
        /// Its URI.
        uri: String,
        /// Its text, when it is text.
        text: Option<String>,
    },
}

/// A tool's result.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Mcp.ts")]
pub struct CallView {
    /// Whether the tool reported a failure (its own words are in `content`).
    pub is_error: bool,
    /// What it returned.
    pub content: Vec<ContentView>,
    /// Its structured result.
    #[ts(type = "unknown")]
    pub structured: Option<Value>,
}

fn mcp_error(error: &McpError) -> ApiError {
    let code = match error {
        McpError::UnknownServer(_) | McpError::UnknownTool { .. } => ErrorCode::NotFound,
        McpError::NeedsSignIn { .. }
        | McpError::NeedsProvider { .. }
        | McpError::Unauthorized { .. } => ErrorCode::SignIn,
        McpError::Keyring { .. } => ErrorCode::Keyring,
        McpError::InvalidArguments { .. } => ErrorCode::InvalidValue,
        _ => ErrorCode::Mcp,
    };
    ApiError::new(code, error.to_string())
}

/// What the page shows of `server`.
pub(crate) fn view(server: &McpServer) -> ServerView {
    let settings = server.settings();
    ServerView { status: server.status(), enabled: settings.enabled, auth: settings.auth.clone() }
}

async fn server(state: &AppState, name: &str) -> Result<Arc<McpServer>, ApiError> {
    state.connections().await.server(name).map_err(|error| mcp_error(&error))
}

/// Every configured server as it stands now (nothing is started or reached).
#[tauri::command]
pub(crate) async fn mcp_servers(state: State<'_, AppState>) -> Result<Vec<ServerView>, ApiError> {
    Ok(state.connections().await.servers().map(|server| view(server)).collect())
}

/// Checks `name` for real (a session opened or pinged, without asking the user anything)
/// and lists its tools, so the status says how that went.
#[tauri::command]
pub(crate) async fn mcp_check(
    state: State<'_, AppState>,
    name: String,
) -> Result<ServerView, ApiError> {
    let server = server(&state, &name).await?;
    // A failure is what the status now shows; the page reads it from there.
    if server.settings().enabled && server.connect(false).await.is_ok() {
        let _listed = server.tools().await;
    }
    Ok(view(&server))
}

/// Signs in to `name` (its provider's flow, or the server's own by the MCP spec), then lists
/// its tools.
#[tauri::command]
pub(crate) async fn mcp_sign_in(
    state: State<'_, AppState>,
    name: String,
) -> Result<ServerView, ApiError> {
    let server = server(&state, &name).await?;
    server.connect(true).await.map_err(|error| mcp_error(&error))?;
    server.tools().await.map_err(|error| mcp_error(&error))?;
    Ok(view(&server))
}

/// Forgets the credentials `name` signs in with.
#[tauri::command]
pub(crate) async fn mcp_sign_out(
    state: State<'_, AppState>,
    name: String,
) -> Result<ServerView, ApiError> {
    let server = server(&state, &name).await?;
    server.sign_out().await.map_err(|error| mcp_error(&error))?;
    Ok(view(&server))
}

/// A secret header (for a URL server) or environment variable (for a started server) given
/// when adding a server: its value goes to the keyring, never to the config file, and is
/// never shown again.
#[derive(Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Mcp.ts")]
pub(crate) struct NamedSecret {
    /// The header's or variable's name.
    pub(crate) name: String,
    /// Its value.
    pub(crate) value: String,
}

impl std::fmt::Debug for NamedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamedSecret").field("name", &self.name).finish_non_exhaustive()
    }
}

fn save_error(error: &SaveError) -> ApiError {
    let code = match error {
        SaveError::NoKeyring { .. } | SaveError::Keyring { .. } => ErrorCode::Keyring,
        SaveError::Config { .. } => ErrorCode::Io,
        _ => ErrorCode::InvalidValue,
    };
    ApiError::new(code, error.to_string())
}

/// Adds (or replaces) server `name` in the config file, with `secrets`: secret headers for a
/// URL server, secret environment variables for a started one. Their values go to the
/// keyring first; when one cannot be kept, nothing is saved.
#[tauri::command]
pub(crate) async fn mcp_add(
    state: State<'_, AppState>,
    name: String,
    settings: McpServerSettings,
    secrets: Option<Vec<NamedSecret>>,
) -> Result<ServerView, ApiError> {
    let name = name.trim().to_owned();
    let secrets: Vec<ServerSecret> = secrets
        .unwrap_or_default()
        .into_iter()
        .map(|secret| {
            let value = Secret::new(secret.value);
            let name = secret.name.trim().to_owned();
            if settings.is_stdio() {
                ServerSecret::env(name, value)
            } else {
                ServerSecret::header(name, value)
            }
        })
        .collect();
    let (store, config_file) = {
        let loaded = state.loaded();
        (loaded.settings.keyring.store, loaded.locations.config_file.clone())
    };
    let enabled = settings.enabled;
    let saving = name.clone();
    // The keyring and the file are blocking I/O: off the async threads.
    let saved = tokio::task::spawn_blocking(move || {
        let vault =
            (!secrets.is_empty()).then(|| agentdesk_agent::open_vault(store).ok()).flatten();
        agentdesk_mcp::save_server(
            &ConfigFile::new(config_file),
            vault.as_ref(),
            &saving,
            settings,
            &secrets,
        )
    })
    .await
    .map_err(|error| ApiError::new(ErrorCode::Internal, format!("adding stopped: {error}")))?;
    saved.map_err(|error| save_error(&error))?;
    state.reload()?;
    let server = server(&state, &name).await?;
    if enabled {
        let _listed = server.tools().await;
    }
    Ok(view(&server))
}

/// Switches server `name` on or off.
#[tauri::command]
pub(crate) async fn mcp_set_enabled(
    state: State<'_, AppState>,
    name: String,
    enabled: bool,
) -> Result<ServerView, ApiError> {
    let current = server(&state, &name).await?;
    let settings = McpServerSettings { enabled, ..current.settings().clone() };
    let file = ConfigFile::new(state.loaded().locations.config_file.clone());
    file.save_mcp_server(&name, &settings)?;
    state.reload()?;
    Ok(view(&*server(&state, &name).await?))
}

/// Removes server `name`: its sign-in by the spec and its secrets from the keyring, then its
/// table from the config file.
#[tauri::command]
pub(crate) async fn mcp_remove(state: State<'_, AppState>, name: String) -> Result<(), ApiError> {
    let server = server(&state, &name).await?;
    server.forget_secrets().await.map_err(|error| mcp_error(&error))?;
    let file = ConfigFile::new(state.loaded().locations.config_file.clone());
    file.remove_mcp_server(&name)?;
    state.reload()?;
    Ok(())
}

/// What importing Claude Desktop's config (or the `mcpServers` JSON file at `path`) would
/// add, and what it would skip and why. Nothing is changed.
#[tauri::command]
pub(crate) async fn mcp_import_preview(
    state: State<'_, AppState>,
    path: Option<String>,
) -> Result<ImportPreview, ApiError> {
    Ok(import_plan(&state, path)?.preview())
}

/// Asks for the file to import through the OS's native Open dialog (JSON files, starting in
/// the folder Claude Desktop keeps its config in when it exists). Returns the chosen path, or
/// `None` when the user cancelled.
#[tauri::command]
pub(crate) async fn mcp_import_pick<R: Runtime>(
    window: WebviewWindow<R>,
) -> Result<Option<String>, ApiError> {
    let (chosen, picked) = tokio::sync::oneshot::channel();
    let mut dialog = window.dialog().file().set_parent(&window).add_filter("JSON", &["json"]);
    let start = agentdesk_mcp::claude_config_path()
        .and_then(|path| path.parent().map(std::path::Path::to_path_buf))
        .filter(|folder| folder.is_dir())
        .or_else(dirs::home_dir);
    if let Some(folder) = start {
        dialog = dialog.set_directory(folder);
    }
    // The callback form: the dialog runs on the main thread, this command waits off it.
    dialog.pick_file(move |path| {
        let _sent = chosen.send(path);
    });
    let Some(path) = picked.await.ok().flatten() else { return Ok(None) };
    let path = path.into_path().map_err(|error| {
        ApiError::new(ErrorCode::Io, format!("the Open dialog gave no usable path: {error}"))
    })?;
    Ok(Some(path.display().to_string()))
}

/// Imports the servers the preview marks to add: their secrets into the keyring, their
/// settings into the config file. Returns what became of each.
#[tauri::command]
pub(crate) async fn mcp_import(
    state: State<'_, AppState>,
    path: Option<String>,
) -> Result<ImportPreview, ApiError> {
    let plan = import_plan(&state, path)?;
    let (store, config_file) = {
        let loaded = state.loaded();
        (loaded.settings.keyring.store, loaded.locations.config_file.clone())
    };
    let needs_keyring = plan.needs_keyring();
    // The keyring and the file are blocking I/O: off the async threads.
    let done = tokio::task::spawn_blocking(move || {
        let vault = needs_keyring.then(|| agentdesk_agent::open_vault(store).ok()).flatten();
        plan.apply(&ConfigFile::new(config_file), vault.as_ref())
    })
    .await
    .map_err(|error| ApiError::new(ErrorCode::Internal, format!("the import stopped: {error}")))?;
    state.reload()?;
    Ok(done)
}

/// The import of `path` (Claude Desktop's config where none is given): an absolute path to
/// a `.json` file, `~/` standing for the home folder.
fn import_plan(state: &AppState, path: Option<String>) -> Result<ImportPlan, ApiError> {
    let typed = path.map(|path| path.trim().to_owned()).filter(|path| !path.is_empty());
    let path = match typed {
        Some(typed) => match typed.strip_prefix("~/").zip(std::env::var_os("HOME")) {
            Some((rest, home)) => PathBuf::from(home).join(rest),
            None => PathBuf::from(typed),
        },
        None => agentdesk_mcp::claude_config_path().ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidValue,
                "cannot tell where Claude Desktop keeps its config on this computer: give the file's path",
            )
        })?,
    };
    if !path.is_absolute() {
        return Err(ApiError::new(
            ErrorCode::InvalidValue,
            format!("{} is not a full path: give the file's whole path", path.display()),
        ));
    }
    if path.extension().is_none_or(|extension| extension != "json") {
        return Err(ApiError::new(
            ErrorCode::InvalidValue,
            format!(
                "{} is not a .json file: give Claude Desktop's claude_desktop_config.json (or another client's mcpServers JSON)",
                path.display()
            ),
        ));
    }
    let existing = state.loaded().settings.mcp_servers.clone();
    ImportPlan::read(&path, &existing).map_err(|error| mcp_error(&error))
}

/// Server `name`'s tools.
#[tauri::command]
pub(crate) async fn mcp_tools(
    state: State<'_, AppState>,
    name: String,
) -> Result<Vec<ToolView>, ApiError> {
    let server = server(&state, &name).await?;
    let tools = server.tools().await.map_err(|error| mcp_error(&error))?;
    Ok(tools
        .iter()
        .map(|tool| ToolView {
            name: tool.name.to_string(),
            title: tool.title.clone(),
            description: tool.description.as_deref().unwrap_or_default().to_owned(),
            input_schema: Value::Object((*tool.input_schema).clone()),
            output_schema: tool
                .output_schema
                .as_ref()
                .map(|schema| Value::Object((**schema).clone())),
        })
        .collect())
}

/// Calls `tool` on server `name` with `arguments` (checked against its schema first).
#[tauri::command]
pub(crate) async fn mcp_call(
    state: State<'_, AppState>,
    name: String,
    tool: String,
    arguments: Value,
) -> Result<CallView, ApiError> {
    let Value::Object(arguments) = arguments else {
        return Err(ApiError::new(ErrorCode::InvalidValue, "the arguments must be a JSON object"));
    };
    let server = server(&state, &name).await?;
    let result = server.call(&tool, arguments).await.map_err(|error| mcp_error(&error))?;
    Ok(call_view(result))
}

fn call_view(result: CallToolResult) -> CallView {
    let content = result
        .content
        .into_iter()
        .map(|block| match block {
            ContentBlock::Text(text) => ContentView::Text { text: text.text },
            ContentBlock::Image(image) => {
                ContentView::Image { mime_type: image.mime_type, data: image.data }
            }
            ContentBlock::Audio(audio) => ContentView::Audio { mime_type: audio.mime_type },
            ContentBlock::Resource(embedded) => match embedded.resource {
                ResourceContents::TextResourceContents { uri, text, .. } => {
                    ContentView::Resource { uri, text: Some(text) }
                }
                blob => {
                    let described = serde_json::to_value(&blob).unwrap_or_default();
                    let uri = described["uri"].as_str().unwrap_or_default().to_owned();
                    ContentView::Resource { uri, text: None }
                }
            },
            // A resource link, or a kind of block newer than this app: its address.
            other => {
                let described = serde_json::to_value(&other).unwrap_or_default();
                let uri = described["uri"].as_str().unwrap_or("(unknown content)").to_owned();
                ContentView::Resource { uri, text: None }
            }
        })
        .collect();
    CallView {
        is_error: result.is_error == Some(true),
        content,
        structured: result.structured_content,
    }
}
