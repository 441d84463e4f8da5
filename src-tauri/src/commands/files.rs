//! Files through the OS: the native save dialog, then an atomic write of what the page gave.
//!
//! The page never names a path itself: the person picks it in the dialog, so a page cannot
//! write anywhere the person did not choose.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;
use tauri::{Runtime, WebviewWindow};
use tauri_plugin_dialog::DialogExt;

use crate::{ApiError, ErrorCode};

/// The file type the dialog offers, e.g. `{ name: "CSV", extensions: ["csv"] }`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SaveFilter {
    name: String,
    extensions: Vec<String>,
}

/// Asks where to save with the OS's save dialog (over the window that asked), then writes
/// `contents_base64` there. Returns the path written, or `None` when the person cancelled.
#[tauri::command]
pub(crate) async fn save_file<R: Runtime>(
    window: WebviewWindow<R>,
    suggested_name: String,
    contents_base64: String,
    filter: SaveFilter,
) -> Result<Option<String>, ApiError> {
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(&contents_base64).map_err(|error| {
            ApiError::new(
                ErrorCode::InvalidValue,
                format!("the file's contents are not base64: {error}"),
            )
        })?;
    let (chosen, picked) = tokio::sync::oneshot::channel();
    let mut dialog = window.dialog().file().set_parent(&window).set_file_name(&suggested_name);
    // Where people keep what they download; never the app's own working folder.
    if let Some(folder) = dirs::download_dir().filter(|d| d.is_dir()).or_else(dirs::home_dir) {
        dialog = dialog.set_directory(folder);
    }
    let extensions: Vec<&str> = filter.extensions.iter().map(String::as_str).collect();
    if !extensions.is_empty() {
        dialog = dialog.add_filter(&filter.name, &extensions);
    }
    // The callback form: the dialog runs on the main thread, this command waits off it.
    dialog.save_file(move |path| {
        let _ = chosen.send(path);
    });
    let Some(path) = picked.await.ok().flatten() else { return Ok(None) };
    let path = path.into_path().map_err(|error| {
        ApiError::new(ErrorCode::Io, format!("the save dialog gave no usable path: {error}"))
    })?;
    let written = path.clone();
    tokio::task::spawn_blocking(move || write_atomically(&written, &bytes))
        .await
        .map_err(|error| ApiError::new(ErrorCode::Internal, format!("saving stopped: {error}")))?
        .map_err(|error| {
            ApiError::new(
                ErrorCode::Io,
                format!("cannot save {}: {error}; choose another folder or name", path.display()),
            )
        })?;
    Ok(Some(path.display().to_string()))
}

/// Writes `bytes` to `path` so that the file is either its old self or complete: into a new
/// file beside it, flushed to disk, then renamed over it.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file")
    })?;
    let staged = staging_path(folder, name);
    let result = (|| {
        // A new file with the usual permissions (the umask's), unlike a private temp file.
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&staged)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&staged, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&staged);
    }
    result
}

/// A hidden name beside the target that no other save uses at the same time.
fn staging_path(folder: &Path, name: &std::ffi::OsStr) -> PathBuf {
    let mut random = [0u8; 6];
    let unique = match getrandom::fill(&mut random) {
        Ok(()) => random.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        Err(_) => format!("{}", std::process::id()),
    };
    folder.join(format!(".{}.{unique}.part", name.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_replaces_the_file_whole_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("estimate.csv");
        std::fs::write(&target, "old").expect("write");
        write_atomically(&target, b"service,usd\nEC2,60.74\n").expect("save");
        assert_eq!(std::fs::read(&target).expect("read"), b"service,usd\nEC2,60.74\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("estimate.csv")]);
    }

    #[test]
    fn a_save_into_a_missing_folder_fails_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("missing").join("out.csv");
        let error = write_atomically(&target, b"x").expect_err("no folder");
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
        assert!(!target.exists());
    }
}
