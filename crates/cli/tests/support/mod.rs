//! Running the `agentdesk` binary against a throwaway config, data and cache folder.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `agentdesk ARGS` with `folder` holding its config, data and cache, its standard streams
/// piped, no browser ever opened (sign-in pages are completed by the tests) and no model
/// chosen by the environment of whoever runs the tests.
pub(crate) fn command(folder: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agentdesk"));
    command
        .arg("--config")
        .arg(folder.join("config.toml"))
        .arg("--data-dir")
        .arg(folder.join("data"))
        .arg("--cache-dir")
        .arg(folder.join("cache"))
        .args(args)
        .env("AGENTDESK_BROWSER", "none")
        .env_remove("OPENAI_API_KEY")
        .env_remove("AGENTDESK_MODEL_PROVIDER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs `command` with `input` on standard input, to the end.
fn run(mut command: Command, input: &str) -> Output {
    let mut child = command.spawn().expect("run agentdesk");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("stdin");
    child.wait_with_output().expect("output")
}

/// Runs `agentdesk ARGS` in `folder` with `input` on standard input.
pub(crate) fn agentdesk(folder: &Path, args: &[&str], input: &str) -> Output {
    run(command(folder, args), input)
}
