//! The Settings page: read and save the config file, and the regions the default estimate
//! region can be.

use agentdesk_config::{ConfigFile, Settings, keys};
use agentdesk_pricing::{Catalog, region};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime, State};
use ts_rs::TS;

use crate::{ApiError, AppState, ErrorCode, SETTINGS_CHANGED, SettingsView};

/// A region `estimate.region` can be set to: one of AWS's commercial regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Api.ts")]
pub struct RegionChoice {
    /// Its code (`ap-northeast-1`).
    pub code: String,
    /// AWS's English name (`Asia Pacific (Tokyo)`).
    pub name_en: String,
    /// AWS's Japanese name (`アジアパシフィック (東京)`).
    pub name_ja: String,
    /// Every other way of writing it that estimates recognise (`tokyo`, `東京`…), lower case,
    /// for searching.
    pub names: Vec<String>,
    /// Whether the price catalog in use (bundled, plus prices updated here) has any price in
    /// it; estimates in a region without are not priced.
    pub priced: bool,
}

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

/// Every commercial region in AWS's order, each marked with whether prices are catalogued
/// for it.
#[tauri::command]
pub(crate) async fn settings_regions(
    state: State<'_, AppState>,
) -> Result<Vec<RegionChoice>, ApiError> {
    let prices = state.loaded().locations.data_dir.join("prices");
    // Reading the catalog files is blocking I/O: off the async threads.
    let catalog =
        tokio::task::spawn_blocking(move || Catalog::for_folder(&prices)).await.map_err(
            |error| ApiError::new(ErrorCode::Internal, format!("reading prices stopped: {error}")),
        )??;
    let priced = catalog.regions();
    Ok(region::all()
        .iter()
        .map(|region| RegionChoice {
            code: region.code.into(),
            name_en: region.name_en.into(),
            name_ja: region.name_ja.into(),
            names: region.names.clone(),
            priced: priced.contains(&region.code),
        })
        .collect())
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
