//! Logging for every AgentDesk binary: a console layer for the person at the terminal and a
//! daily-rotated log file in the data folder for later diagnosis.
//!
//! Start at [`init`]. It never fails the program: when the log folder cannot be written, the
//! file layer is left out and [`LogGuard::file_problem`] says why, so the binary can tell the
//! user and go on. `AGENTDESK_LOG` (an `EnvFilter` directive such as
//! `agentdesk_config=debug`) overrides both layers' levels for a focused investigation.
//!
//! Libraries that report their errors to AgentDesk's code as values, which then shows them as
//! statuses and messages, also log them themselves ([`QUIET_ON_CONSOLE`]): on the console those
//! lines are left out unless asked for (`-v`, or `AGENTDESK_LOG`), so an expected state such as
//! "needs sign-in" is not printed again as a library's ERROR with a debug dump. The log file
//! keeps them.
//!
//! Secrets must never reach a log; this crate cannot check that, so callers log names of
//! keyring entries, never their values.
//!
//! With [`LogOptions::traces`] set, AgentDesk's spans are also kept as OpenTelemetry traces
//! in a local SQLite store ([`traces`]), written in batches off the hot path; the guard's drop
//! writes the last batch. With an OTLP endpoint ([`LogOptions::otlp`] or the standard
//! `OTEL_EXPORTER_OTLP_*` variables) they are also sent to any OTLP receiver; the guard's drop
//! says how many spans the receiver did not get.
//!
//! This crate is a leaf: no other AgentDesk crate, no GUI toolkit.
#![deny(missing_docs)]

pub mod traces;

use std::io::IsTerminal;
use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// The environment variable whose filter directives override the configured levels.
pub const FILTER_VAR: &str = "AGENTDESK_LOG";

/// Log targets left off the console at the default levels (warnings and errors): rmcp, the
/// MCP SDK, logs every session that ends as an ERROR ("worker quit with fatal: … AuthRequired
/// …" for a server that wants a sign-in), while AgentDesk's MCP client gets the same error as
/// a value and reports it as the server's status; aws-config logs a WARN with a debug dump
/// for each link of the credential chain that finds nothing (the instance metadata service
/// on a desk), while AgentDesk gets "no credentials" as a value and says what to do.
pub const QUIET_ON_CONSOLE: &[&str] = &["rmcp", "aws_config"];

/// How to log.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// The least severe level shown on standard error.
    pub console: LevelFilter,
    /// The least severe level written to the file.
    pub file: LevelFilter,
    /// The folder for log files; `None` for no file.
    pub folder: Option<PathBuf>,
    /// The file name before the date, e.g. `agentdesk` → `agentdesk.2026-11-25.log`.
    pub file_prefix: &'static str,
    /// How many daily files to keep.
    pub max_files: u32,
    /// The trace store's file (`traces.db` in the data folder); `None` to keep no traces.
    pub traces: Option<PathBuf>,
    /// How long and how much the trace store keeps.
    pub traces_retention: traces::Retention,
    /// Whether message content goes on spans ([`traces::set_capture_content`]).
    pub capture_content: bool,
    /// Where spans are also sent over OTLP (the `OTEL_*` variables win over it).
    pub otlp: traces::OtlpConfig,
}

/// Keeps the background log writer alive; drop it last so buffered lines reach the file.
#[derive(Debug)]
#[must_use = "dropping the guard stops writing the log file"]
pub struct LogGuard {
    // Dropped first (in `drop`): the last spans are written while the log still works.
    traces: Option<traces::Pipeline>,
    /// Whether the local store keeps the spans (said when some could not be sent).
    traces_kept: bool,
    _writer: Option<WorkerGuard>,
    file_problem: Option<String>,
    traces_problem: Option<String>,
}

impl LogGuard {
    /// Why the log file could not be used, if it could not.
    pub fn file_problem(&self) -> Option<&str> {
        self.file_problem.as_deref()
    }

    /// Why traces are not kept, when they were asked for and cannot be.
    pub fn traces_problem(&self) -> Option<&str> {
        self.traces_problem.as_deref()
    }
}

/// Installs the global subscriber. A second call in the same process changes nothing.
pub fn init(options: &LogOptions) -> LogGuard {
    let directives = std::env::var(FILTER_VAR).ok();
    let filter = |level: LevelFilter| match &directives {
        Some(directives) => {
            EnvFilter::builder().with_default_directive(level.into()).parse_lossy(directives)
        }
        None => EnvFilter::default().add_directive(level.into()),
    };
    let console = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .with_target(false)
        .with_filter(console_filter(options.console, directives.as_deref()));

    let (file, writer, file_problem) = match open_appender(options) {
        Ok(Some(appender)) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer =
                fmt::layer().with_writer(writer).with_ansi(false).with_filter(filter(options.file));
            (Some(layer), Some(guard), None)
        }
        Ok(None) => (None, None, None),
        Err(problem) => (None, None, Some(problem)),
    };
    traces::set_capture_content(options.capture_content);
    let (pipeline, problems) = traces::Pipeline::new(&traces::Destinations {
        store: options.traces.clone().map(|path| (path, options.traces_retention)),
        otlp: options.otlp.clone(),
    });
    let traces_kept = options.traces.is_some() && problems.store.is_none();
    let store_problem = problems.store.map(|problem| format!("{problem}; traces are not kept"));
    let traces_problem = match (store_problem, problems.otlp) {
        (Some(store), Some(otlp)) => Some(format!("{store}; {otlp}")),
        (store, otlp) => store.or(otlp),
    };
    let traced = pipeline.as_ref().map(traces::Pipeline::layer);
    // `try_init` fails only when a subscriber is already installed (tests, or a second
    // call); the first one stays in charge, which is what a caller wants.
    let _already_installed =
        tracing_subscriber::registry().with(console).with(file).with(traced).try_init();
    LogGuard { traces: pipeline, traces_kept, _writer: writer, file_problem, traces_problem }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        drop(self.traces.take());
        let Some(status) = traces::otlp_status() else { return };
        let unsent = status.unsent();
        if unsent > 0 {
            let reason =
                status.last_error.as_deref().unwrap_or("no answer before the program ended");
            let kept = if self.traces_kept { "; the local trace store keeps them" } else { "" };
            tracing::warn!(
                "{unsent} of {} spans could not be sent to {} ({reason}){kept}",
                status.queued,
                status.endpoint,
            );
        }
    }
}

/// The console's filter: `level`, or the `AGENTDESK_LOG` directives when set; at warnings and
/// errors only, without the [`QUIET_ON_CONSOLE`] targets.
fn console_filter(level: LevelFilter, directives: Option<&str>) -> EnvFilter {
    if let Some(directives) = directives {
        return EnvFilter::builder().with_default_directive(level.into()).parse_lossy(directives);
    }
    let mut filter = EnvFilter::default().add_directive(level.into());
    if level < LevelFilter::INFO {
        for target in QUIET_ON_CONSOLE {
            if let Ok(off) = format!("{target}=off").parse() {
                filter = filter.add_directive(off);
            }
        }
    }
    filter
}

fn open_appender(options: &LogOptions) -> Result<Option<RollingFileAppender>, String> {
    let Some(folder) = &options.folder else { return Ok(None) };
    std::fs::create_dir_all(folder)
        .map_err(|e| format!("cannot create the log folder {}: {e}", folder.display()))?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(options.file_prefix)
        .filename_suffix("log")
        .max_log_files(options.max_files.max(1) as usize)
        .build(folder)
        .map(Some)
        .map_err(|e| format!("cannot write log files in {}: {e}", folder.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(folder: Option<PathBuf>) -> LogOptions {
        LogOptions {
            console: LevelFilter::OFF,
            file: LevelFilter::INFO,
            folder,
            file_prefix: "test",
            max_files: 2,
            traces: None,
            traces_retention: traces::Retention::new(30, 500),
            capture_content: false,
            otlp: traces::OtlpConfig::default(),
        }
    }

    #[test]
    fn writes_lines_to_a_dated_file_in_the_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let guard = init(&options(Some(dir.path().join("logs"))));
        assert_eq!(guard.file_problem(), None);
        tracing::info!(answer = 42, "hello from the test");
        drop(guard);
        let entries: Vec<_> = std::fs::read_dir(dir.path().join("logs"))
            .expect("log folder")
            .filter_map(Result::ok)
            .collect();
        assert_eq!(entries.len(), 1);
        let name = entries[0].file_name().to_string_lossy().into_owned();
        assert!(name.starts_with("test.") && name.ends_with(".log"), "{name}");
        let text = std::fs::read_to_string(entries[0].path()).expect("read log");
        assert!(text.contains("hello from the test") && text.contains("answer=42"), "{text}");
    }

    /// What a console filtered by `filter` shows of rmcp's "session ended" error and of a
    /// warning of AgentDesk's own.
    fn console_shows(filter: EnvFilter) -> String {
        let written = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = std::sync::Arc::clone(&written);
        let layer = fmt::layer()
            .with_writer(move || Sink(std::sync::Arc::clone(&sink)))
            .with_ansi(false)
            .without_time()
            .with_filter(filter);
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            tracing::error!(
                target: "rmcp::transport::worker",
                "worker quit with fatal: Transport channel closed, when AuthRequired(AuthRequiredError {{ .. }})"
            );
            tracing::warn!(target: "agentdesk_mcp::server", "a warning of our own");
        });
        let bytes = written.lock().map(|bytes| bytes.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut bytes) = self.0.lock() {
                bytes.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Regression (issue 16): `agentdesk mcp list` printed rmcp's "ERROR worker quit with
    /// fatal: … AuthRequired(…)" for a server that wants a sign-in, beside its status.
    #[test]
    fn rmcp_errors_stay_off_the_console_unless_asked_for() {
        let quiet = console_shows(console_filter(LevelFilter::WARN, None));
        assert!(!quiet.contains("worker quit"), "{quiet}");
        assert!(quiet.contains("a warning of our own"), "our own warnings still show: {quiet}");

        let verbose = console_shows(console_filter(LevelFilter::INFO, None));
        assert!(verbose.contains("worker quit"), "-v shows them: {verbose}");
        let asked = console_shows(console_filter(LevelFilter::WARN, Some("rmcp=error")));
        assert!(asked.contains("worker quit"), "AGENTDESK_LOG=rmcp=error shows them: {asked}");
    }

    #[test]
    fn an_unwritable_folder_is_reported_not_fatal() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "not a folder").expect("write");
        let problem = open_appender(&options(Some(blocker.join("logs")))).expect_err("must fail");
        assert!(problem.contains("cannot create the log folder"), "{problem}");
    }
}
