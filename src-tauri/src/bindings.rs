//! The TypeScript types the UI uses, generated from the Rust wire types by ts-rs.
//!
//! `ui/src/bindings/` is committed; the test below fails when it no longer matches the Rust
//! types. `make bindings` (UPDATE_BINDINGS=1) rewrites it.

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use ts_rs::{Config, TS};

    use crate::{
        ApiError, AppInfo, AuthEvent, AuthView, CallView, ChatModel, ChatTurn, InstallProgress,
        PricesOutcome, PricesProgress, PricesStatus, ServerView, SettingsView, ToolView,
    };

    fn export_all(dir: &Path) {
        // Sizes and counts fit a JavaScript number; `bigint` would only get in the way.
        let config = Config::new().with_out_dir(dir).with_large_int("number");
        let exports = [
            SettingsView::export_all(&config),
            ApiError::export_all(&config),
            AppInfo::export_all(&config),
            crate::StartupTimings::export_all(&config),
            crate::StartupStep::export_all(&config),
            agentdesk_doctor::Report::export_all(&config),
            InstallProgress::export_all(&config),
            agentdesk_wasm_sandbox::ToolResult::export_all(&config),
            agentdesk_wasm_sandbox::ToolCall::export_all(&config),
            agentdesk_wasm_sandbox::SessionInfo::export_all(&config),
            agentdesk_wasm_sandbox::RuntimeStatus::export_all(&config),
            agentdesk_wasm_sandbox::Limits::export_all(&config),
            agentdesk_wasm_sandbox::OutputChunk::export_all(&config),
            agentdesk_wasm_sandbox::SandboxUsage::export_all(&config),
            agentdesk_interpreter::InterpreterView::export_all(&config),
            agentdesk_interpreter::InterpreterStatus::export_all(&config),
            agentdesk_agent::estimator::SavedEstimate::export_all(&config),
            agentdesk_agent::estimator::Comparison::export_all(&config),
            agentdesk_agent::AgentEvent::export_all(&config),
            agentdesk_agent::PastExchange::export_all(&config),
            ChatModel::export_all(&config),
            ChatTurn::export_all(&config),
            AuthEvent::export_all(&config),
            AuthView::export_all(&config),
            agentdesk_identity::DiscoveryReport::export_all(&config),
            crate::RegionChoice::export_all(&config),
            agentdesk_mcp::ImportPreview::export_all(&config),
            ServerView::export_all(&config),
            ToolView::export_all(&config),
            CallView::export_all(&config),
            crate::commands::connections::NamedSecret::export_all(&config),
            agentdesk_memory::Session::export_all(&config),
            agentdesk_memory::Event::export_all(&config),
            agentdesk_memory::MemoryRecord::export_all(&config),
            agentdesk_memory::ScoredRecord::export_all(&config),
            agentdesk_memory::ExtractionStatus::export_all(&config),
            agentdesk_memory::ExtractionReport::export_all(&config),
            PricesStatus::export_all(&config),
            PricesProgress::export_all(&config),
            PricesOutcome::export_all(&config),
            crate::RemoteAgentView::export_all(&config),
            crate::AgentCheck::export_all(&config),
            agentdesk_agent::PricedSession::export_all(&config),
            agentdesk_agent::PricedTraceDetail::export_all(&config),
            agentdesk_telemetry::traces::TraceFilter::export_all(&config),
        ];
        for export in exports {
            export.expect("export TypeScript bindings");
        }
    }

    /// Every `.ts` file under `dir`, by its path relative to `dir`.
    fn files(dir: &Path) -> BTreeMap<String, String> {
        let mut found = BTreeMap::new();
        let mut folders = vec![dir.to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|ext| ext == "ts") {
                    let name = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
                    found.insert(name, std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        found
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
