//! `agentdesk`: the headless face of AgentDesk.
//!
//! It owns argument parsing (`args`), the commands that run them (`commands`) and how
//! results are printed; the work itself is done by the GUI-free crates. It must never
//! depend on Tauri, GTK or WebKit: it runs on servers and in containers.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error (clap's default for bad arguments).

mod args;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
