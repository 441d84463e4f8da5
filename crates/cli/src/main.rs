//! `agentdesk`: the headless face of AgentDesk.
//!
//! It owns argument parsing (`args`), the commands that run them (`commands`) and how
//! results are printed; the work itself is done by the GUI-free crates. It must never
//! depend on Tauri, GTK or WebKit: it runs on servers and in containers.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error (clap's default for bad arguments), 141
//! when standard output was closed early (`agentdesk … | head`), as a shell reports SIGPIPE.

mod args;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    end_quietly_on_closed_stdout();
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Output piped into a program that stops reading (`agentdesk mcp list | head`) ends the
/// command quietly, as it does for other command-line tools. `println!` panics on a closed
/// pipe because Rust ignores SIGPIPE, which must stay ignored here: the MCP client writes to
/// local servers' pipes, which close when a server exits. So that one panic becomes the exit
/// status a shell gives a program stopped by SIGPIPE.
fn end_quietly_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>().map_or("", String::as_str);
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
