//! The Settings page: read and save the config file.

use agentdesk_config::{ConfigFile, Settings, keys};
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::{ApiError, AppState, ErrorCode, SETTINGS_CHANGED, SettingsView};

#[tauri::command]
pub(crate) fn settings_load(state: State<'_, AppState>) -> SettingsView {
    SettingsView::from(&*state.loaded())
}

/// Saves what the page edited and tells every window the new settings.
#[tauri::command]
pub(crate) fn settings_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<SettingsView, ApiError> {
    check(&settings)?;
    let file = ConfigFile::new(state.loaded().locations.config_file.clone());
    file.save(&settings)?;
    let view = state.reload()?;
    if let Err(error) = app.emit(SETTINGS_CHANGED, &view) {
        tracing::warn!("cannot announce the new settings: {error}");
    }
    Ok(view)
}

/// Refuses values the config file would refuse, naming the key.
fn check(settings: &Settings) -> Result<(), ApiError> {
    for key in keys::KEYS {
        let value = key.get(settings);
        if let Err(expected) = key.set(&mut Settings::default(), &value) {
            return Err(ApiError {
                code: ErrorCode::InvalidValue,
                message: format!("`{value}` is not valid for {}: expected {expected}", key.name),
                key: Some(key.name.to_owned()),
            });
        }
    }
    Ok(())
}
