//! Running the `agentdesk` binary against a throwaway config, data and cache folder.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `agentdesk ARGS` with `folder` holding its config, data and cache, `input` on
/// standard input.
pub(crate) fn agentdesk(folder: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentdesk"))
        .arg("--config")
        .arg(folder.join("config.toml"))
        .arg("--data-dir")
        .arg(folder.join("data"))
        .arg("--cache-dir")
        .arg(folder.join("cache"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run agentdesk");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("stdin");
    child.wait_with_output().expect("output")
}
