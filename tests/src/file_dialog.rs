//! GTK's own file chooser, which the app opens through Tauri's dialog plugin: a native window
//! WebDriver cannot see, found and answered with `xdotool` (Debian package `xdotool`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::Result;

/// Which chooser: they differ in their title and in where the typed path goes.
#[derive(Clone, Copy, Debug)]
pub enum FileDialog {
    /// "Open File": the path goes into the location bar (Ctrl+L).
    Open,
    /// "Save File": the path replaces the suggested name, which the dialog opens selected.
    Save,
}

impl FileDialog {
    fn title(self) -> &'static str {
        match self {
            FileDialog::Open => "^Open File$",
            FileDialog::Save => "^Save File$",
        }
    }
}

/// Waits up to 30 s for the dialog, saves the whole screen (dialog included) to `screen`,
/// then chooses `path` and presses Enter.
pub fn answer(dialog: FileDialog, path: &Path, screen: &Path) -> Result<()> {
    let window = poll("the file dialog never opened", Duration::from_secs(30), || {
        xdotool(&["search", "--onlyvisible", "--name", dialog.title()])
            .ok()
            .and_then(|found| found.lines().next().map(str::to_owned))
    })?;
    xdotool(&["windowfocus", "--sync", &window])?;
    let _ = Command::new("import").args(["-window", "root"]).arg(screen).status();
    if let FileDialog::Open = dialog {
        xdotool(&["key", "--clearmodifiers", "ctrl+l"])?;
    }
    xdotool(&["key", "--clearmodifiers", "ctrl+a"])?;
    xdotool(&["type", "--delay", "15", &path.display().to_string()])?;
    xdotool(&["key", "Return"])?;
    Ok(())
}

/// Calls `found` every 50 ms until it gives a value, for at most `within`; the error names
/// `what` was awaited. For things outside the page (files, native windows), which WebDriver's
/// implicit wait cannot await.
pub fn poll<T>(what: &str, within: Duration, mut found: impl FnMut() -> Option<T>) -> Result<T> {
    let give_up = Instant::now() + within;
    loop {
        if let Some(value) = found() {
            return Ok(value);
        }
        if Instant::now() > give_up {
            return Err(format!("gave up after {within:?}: {what}").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn xdotool(args: &[&str]) -> Result<String> {
    let output = Command::new("xdotool")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run xdotool (Debian package xdotool): {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "xdotool {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
