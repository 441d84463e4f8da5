//! The end of a local server's stderr, kept for its status and error messages.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::AsyncBufReadExt;
use tokio::sync::watch;

/// Lines kept.
const KEPT_LINES: usize = 20;
/// Characters kept of one line.
const LINE_CHARS: usize = 300;

/// The last lines a child process wrote to stderr. Reading never stops, so a server that
/// floods stderr can neither block on a full pipe nor fill memory.
#[derive(Debug, Clone, Default)]
pub struct StderrTail {
    lines: Arc<Mutex<VecDeque<String>>>,
    open: Arc<Mutex<Option<watch::Receiver<bool>>>>,
}

impl StderrTail {
    /// Starts keeping `stderr` (of the process called `name` in the debug log), replacing
    /// what an earlier process left.
    pub fn follow(&self, stderr: tokio::process::ChildStderr, name: &str) {
        let (closed, open) = watch::channel(false);
        *self.open.lock().unwrap_or_else(PoisonError::into_inner) = Some(open);
        let lines = Arc::clone(&self.lines);
        lines.lock().unwrap_or_else(PoisonError::into_inner).clear();
        let name = name.to_owned();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(stderr).split(b'\n');
            while let Ok(Some(line)) = reader.next_segment().await {
                let line: String =
                    String::from_utf8_lossy(&line).chars().take(LINE_CHARS).collect();
                tracing::debug!(server = name, stderr = %line);
                let mut lines = lines.lock().unwrap_or_else(PoisonError::into_inner);
                if lines.len() == KEPT_LINES {
                    lines.pop_front();
                }
                lines.push_back(line);
            }
            let _ = closed.send(true);
        });
    }

    /// Waits (at most `patience`) until the process's stderr has been read to its end: after
    /// a crash, its last words are then in the tail.
    pub async fn settled(&self, patience: Duration) {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(mut open) = open {
            let _ = tokio::time::timeout(patience, open.wait_for(|closed| *closed)).await;
        }
    }

    /// Every kept line, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }

    /// ` (its stderr: …)` with the last three lines, or nothing when it wrote none.
    pub fn suffix(&self) -> String {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        let last: Vec<String> = lines
            .iter()
            .skip(lines.len().saturating_sub(3))
            .map(|line| line.chars().take(200).collect())
            .collect();
        if last.is_empty() { String::new() } else { format!(" (its stderr: {})", last.join(" | ")) }
    }
}
