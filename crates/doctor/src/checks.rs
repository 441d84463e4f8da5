//! The individual checks.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use agentdesk_config::{KeyringStore, Loaded, Locations};
use agentdesk_identity::{KeyringBackend, Vault};
use agentdesk_memory::{DATABASE_FILE, Error as MemoryError, MemoryStore, Stats};
use agentdesk_wasm_sandbox::{RuntimeId, RuntimeStore};

use crate::{Check, Status};

struct Outcome<'a> {
    status: Status,
    code: &'a str,
    params: Vec<(&'a str, String)>,
    summary: String,
    fix: Option<String>,
}

fn check(id: &str, outcome: Outcome<'_>) -> Check {
    let params: BTreeMap<String, String> =
        outcome.params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    Check {
        id: id.to_owned(),
        status: outcome.status,
        code: outcome.code.to_owned(),
        params,
        summary: outcome.summary,
        fix: outcome.fix,
    }
}

pub(crate) fn config(loaded: &Loaded) -> Check {
    let path = loaded.locations.config_file.display().to_string();
    let outcome = if let Some(first) = loaded.problems.first() {
        let count = loaded.problems.len();
        Outcome {
            status: Status::Warning,
            code: "problems",
            params: vec![("path", path), ("count", count.to_string()), ("first", first.to_string())],
            summary: format!("{count} problem(s) in the configuration; defaults are used instead. First: {first}"),
            fix: Some("Fix the value named above (agentdesk config edit), or remove the line to use the default. The file was not changed.".into()),
        }
    } else if loaded.locations.config_file.exists() {
        Outcome {
            status: Status::Ok,
            code: "valid",
            summary: format!("{path} is valid"),
            params: vec![("path", path)],
            fix: None,
        }
    } else {
        Outcome {
            status: Status::Ok,
            code: "defaults",
            summary: format!("no config file yet ({path}); defaults are in use"),
            params: vec![("path", path)],
            fix: None,
        }
    };
    check("config", outcome)
}

pub(crate) fn writable_folder(id: &str, folder: &Path) -> Check {
    let path = folder.display().to_string();
    let outcome = match probe_folder(folder) {
        Ok(()) => Outcome {
            status: Status::Ok,
            code: "writable",
            summary: format!("{path} is writable"),
            params: vec![("path", path)],
            fix: None,
        },
        Err(error) => {
            let (variable, flag, key) = match id {
                "cache_dir" => ("AGENTDESK_CACHE_DIR", "--cache-dir", "cache_dir"),
                _ => ("AGENTDESK_DATA_DIR", "--data-dir", "data_dir"),
            };
            Outcome {
                status: Status::Error,
                code: "not_writable",
                summary: format!("cannot write to {path}: {error}"),
                fix: Some(format!(
                    "Make {path} writable, or choose another folder with {flag}, {variable} or `{key}` in the config file."
                )),
                params: vec![("path", path), ("error", error.to_string())],
            }
        }
    };
    check(id, outcome)
}

/// Creates the folder if needed, then writes, syncs and deletes a small file in it.
fn probe_folder(folder: &Path) -> std::io::Result<()> {
    fs::create_dir_all(folder)?;
    let mut probe = tempfile::Builder::new().prefix(".agentdesk-probe").tempfile_in(folder)?;
    probe.write_all(b"probe")?;
    probe.as_file().sync_all()?;
    probe.close()
}

pub(crate) fn keyring(store: KeyringStore) -> Check {
    let backend = match store {
        KeyringStore::Os => KeyringBackend::Os,
        KeyringStore::Keyutils => KeyringBackend::Keyutils,
    };
    let name = backend.display_name().to_owned();
    let outcome = match Vault::open(backend).and_then(|vault| vault.probe()) {
        Ok(()) if backend == KeyringBackend::Keyutils => Outcome {
            status: Status::Warning,
            code: "volatile",
            summary: format!("{name} works, but everything in it is lost at reboot"),
            params: vec![("backend", name)],
            fix: Some("Set keyring.store = \"os\" once a Secret Service provider is running, so sign-ins survive a reboot.".into()),
        },
        Ok(()) => Outcome {
            status: Status::Ok,
            code: "works",
            summary: format!("{name} works (a secret was written, read back and deleted)"),
            params: vec![("backend", name)],
            fix: None,
        },
        Err(error) => Outcome {
            status: Status::Error,
            code: "unusable",
            summary: format!("{error}; sign-ins and API keys cannot be stored"),
            fix: Some(error.fix().to_owned()),
            params: vec![("backend", name), ("error", error.to_string())],
        },
    };
    check("keyring", outcome)
}

pub(crate) fn sandbox(locations: &Locations) -> Check {
    let store = RuntimeStore::new(&locations.data_dir, &locations.cache_dir);
    let python = store.status(RuntimeId::Python);
    let scientific = store.status(RuntimeId::PythonScientific);
    let outcome = if python.installed {
        let extra = if scientific.installed {
            "python-scientific is installed too"
        } else {
            "python-scientific (numpy, pandas, matplotlib) is not installed"
        };
        Outcome {
            status: Status::Ok,
            code: if scientific.installed { "installed_both" } else { "installed" },
            summary: format!("python (CPython {}) is installed; {extra}", python.python),
            params: vec![("python", python.python)],
            fix: None,
        }
    } else {
        Outcome {
            status: Status::Warning,
            code: "not_installed",
            summary: "the Python sandbox runtime is not installed, so code cannot run locally".into(),
            params: Vec::new(),
            fix: Some("Run `agentdesk sandbox install python` (about 12 MB from PyPI; `make run` does it).".into()),
        }
    };
    check("sandbox", outcome)
}

pub(crate) fn memory(locations: &Locations) -> Check {
    let file = locations.data_dir.join(DATABASE_FILE);
    let path = file.display().to_string();
    let outcome = match open_and_check(&file) {
        Ok(stats) => Outcome {
            status: Status::Ok,
            code: "ok",
            summary: format!(
                "{path}: {} conversations, {} memories, {:.1} MB; the integrity check passed",
                stats.sessions,
                stats.records,
                stats.bytes as f64 / 1e6
            ),
            params: vec![
                ("path", path),
                ("sessions", stats.sessions.to_string()),
                ("records", stats.records.to_string()),
                ("megabytes", format!("{:.1}", stats.bytes as f64 / 1e6)),
            ],
            fix: None,
        },
        Err(error @ (MemoryError::Corrupt { .. } | MemoryError::NewerSchema { .. })) => {
            let code =
                if matches!(error, MemoryError::Corrupt { .. }) { "corrupt" } else { "newer" };
            Outcome {
                status: Status::Error,
                code,
                summary: error.to_string(),
                params: vec![("path", path), ("error", error.to_string())],
                fix: Some(match code {
                    "corrupt" => "Move the file aside (AgentDesk never overwrites it) to start a new database, or restore it from a backup.".into(),
                    _ => "Update AgentDesk, or choose another data folder in Settings.".into(),
                }),
            }
        }
        Err(error) => Outcome {
            status: Status::Error,
            code: "unavailable",
            summary: format!("the memory database cannot be opened: {error}"),
            params: vec![("path", path), ("error", error.to_string())],
            fix: Some(
                "Check that the data folder is writable (see above) and has free space.".into(),
            ),
        },
    };
    check("memory", outcome)
}

/// Opens the database and runs SQLite's integrity check, on a thread of its own so the
/// doctor can be called from any thread, inside an async runtime or not.
fn open_and_check(file: &Path) -> Result<Stats, MemoryError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(
                        |error| MemoryError::Invalid(format!("cannot start a runtime: {error}")),
                    )?;
                runtime.block_on(async {
                    let store = MemoryStore::open(file).await?;
                    let result = match store.integrity_check().await {
                        Ok(()) => store.stats().await,
                        Err(error) => Err(error),
                    };
                    store.close().await;
                    result
                })
            })
            .join()
            .unwrap_or_else(|_| {
                Err(MemoryError::Invalid("the database check stopped unexpectedly".into()))
            })
    })
}

/// Where traces go: kept on this machine, and how sending them over OTLP is going in this
/// process (the desktop's whole session; a CLI command's own start).
pub(crate) fn traces(loaded: &Loaded) -> Check {
    let telemetry = &loaded.settings.telemetry;
    let config = agentdesk_telemetry::traces::OtlpConfig {
        endpoint: telemetry.otlp_endpoint.clone(),
        protocol: telemetry.otlp_protocol.clone(),
    };
    let outcome = if let Some(problem) = agentdesk_telemetry::traces::otlp_setting_problem(&config)
    {
        Outcome {
            status: Status::Warning,
            code: "bad_setting",
            summary: problem.clone(),
            params: vec![("error", problem)],
            fix: Some("Set telemetry.otlp_protocol to http/protobuf or grpc and telemetry.otlp_endpoint to the receiver's http:// or https:// URL (or the OTEL_EXPORTER_OTLP_* variables), then restart AgentDesk.".into()),
        }
    } else if let Some(status) = agentdesk_telemetry::traces::otlp_status() {
        let params = vec![
            ("endpoint", status.endpoint.clone()),
            ("protocol", status.protocol.clone()),
            ("sent", status.sent.to_string()),
            ("failed", status.failed.to_string()),
            ("queued", status.queued.to_string()),
        ];
        match &status.last_error {
            Some(error) => Outcome {
                status: Status::Warning,
                code: "failing",
                summary: format!(
                    "{} of {} spans could not be sent to {} over {}: {error}; they are kept on this machine",
                    status.failed, status.queued, status.endpoint, status.protocol
                ),
                params: params.into_iter().chain([("error", error.clone())]).collect(),
                fix: Some(format!(
                    "Check that an OTLP receiver is running at {} and takes {}.",
                    status.endpoint, status.protocol
                )),
            },
            None => Outcome {
                status: Status::Ok,
                code: "sending",
                summary: format!(
                    "traces are kept on this machine and sent to {} over {}: {} spans sent",
                    status.endpoint, status.protocol, status.sent
                ),
                params,
                fix: None,
            },
        }
    } else {
        Outcome {
            status: Status::Ok,
            code: "local",
            summary: "traces are kept on this machine only; set telemetry.otlp_endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) to send them to Phoenix, Jaeger, Langfuse or an OpenTelemetry Collector as well".into(),
            params: Vec::new(),
            fix: None,
        }
    };
    check("traces", outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writable_folder_is_created_and_left_clean() {
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = dir.path().join("new").join("data");
        let found = writable_folder("data_dir", &folder);
        assert_eq!(found.status, Status::Ok, "{found:?}");
        assert_eq!(fs::read_dir(&folder).expect("folder").count(), 0, "probe file removed");
    }

    #[test]
    fn a_folder_that_cannot_be_created_is_an_error_with_the_fix() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blocker = dir.path().join("file");
        fs::write(&blocker, "a file, not a folder").expect("write");
        let found = writable_folder("data_dir", &blocker.join("data"));
        assert_eq!(found.status, Status::Error);
        assert_eq!(found.code, "not_writable");
        assert!(found.summary.contains(&blocker.display().to_string()), "{}", found.summary);
        assert!(found.fix.as_deref().is_some_and(|fix| fix.contains("--data-dir")), "{found:?}");
    }
}
