//! The TypeScript types the UI uses, generated from the Rust wire types by ts-rs.
//!
//! `ui/src/bindings/` is committed; the test below fails when it no longer matches the Rust
//! types. `make bindings` (UPDATE_BINDINGS=1) rewrites it.

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use ts_rs::{Config, TS};

    use crate::{ApiError, AppInfo, SettingsView};

    fn export_all(dir: &Path) {
        let config = Config::new().with_out_dir(dir);
        let exports = [
            SettingsView::export_all(&config),
            ApiError::export_all(&config),
            AppInfo::export_all(&config),
            agentdesk_doctor::Report::export_all(&config),
        ];
        for export in exports {
            export.expect("export TypeScript bindings");
        }
    }

    fn files(dir: &Path) -> BTreeMap<String, String> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "ts"))
                    .map(|entry| {
                        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                        (entry.file_name().to_string_lossy().into_owned(), text)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn ui_bindings_match_the_rust_types() {
        let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            let _ = std::fs::remove_dir_all(&committed);
            export_all(&committed);
            return;
        }
        let fresh = tempfile::tempdir().expect("temp dir");
        export_all(fresh.path());
        assert_eq!(
            files(&committed),
            files(fresh.path()),
            "ui/src/bindings is out of date with the Rust types: run `make bindings` and commit the result"
        );
    }
}
