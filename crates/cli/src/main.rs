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
            eprintln!("error: {}", said_once(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, as `{:#}` gives them, but without a cause its
/// message already says: the libraries' messages include their cause's text (the desktop
/// shows only the message), which the chain would otherwise print a second time.
fn said_once(error: &anyhow::Error) -> String {
    let mut said = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if said.contains(&text) {
            continue;
        }
        if !said.is_empty() {
            said.push_str(": ");
        }
        said.push_str(&text);
    }
    said
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

#[cfg(test)]
mod tests {
    use super::said_once;

    /// A library error as they are written: its cause in its message and as its source.
    #[derive(Debug)]
    struct NotAnIndex {
        cause: std::io::Error,
    }

    impl std::fmt::Display for NotAnIndex {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(
                f,
                "http://x/index.json is not a Price List index ({}); check the URL",
                self.cause
            )
        }
    }

    impl std::error::Error for NotAnIndex {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.cause)
        }
    }

    #[test]
    fn a_cause_the_message_already_says_is_said_once_and_others_are_added() {
        let cause = std::io::Error::other("expected ident at line 1 column 2");
        let error = anyhow::Error::new(NotAnIndex { cause }).context("no catalog was built");
        assert_eq!(
            said_once(&error),
            "no catalog was built: http://x/index.json is not a Price List index (expected ident at line 1 column 2); check the URL"
        );
        let plain = anyhow::Error::new(std::io::Error::other("disk full")).context("cannot save");
        assert_eq!(said_once(&plain), "cannot save: disk full");
    }
}
