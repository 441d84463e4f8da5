//! Generates Tauri's context (config, capabilities, embedded UI) at build time.

fn main() {
    // The config lives at the repository root (tauri.conf.json); `src-tauri/tauri.conf.json`
    // is a link to it because tauri-build reads the config from this crate's folder. Windows
    // needs the icon path spelled out, since paths in the config are relative to the root.
    let windows = tauri_build::WindowsAttributes::new().window_icon_path("icons/icon.ico");
    tauri_build::try_build(tauri_build::Attributes::new().windows_attributes(windows))
        .unwrap_or_else(|error| panic!("tauri-build failed: {error:#}"));
}
