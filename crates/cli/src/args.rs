//! The command line, as data. Execution lives in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// AgentDesk from the terminal: the same configuration, data and checks as the desktop app.
#[derive(Debug, Parser)]
#[command(name = "agentdesk", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The config file to use instead of the platform's [env: AGENTDESK_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The data folder to use (conversations, logs, sandbox files) [env: AGENTDESK_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// The cache folder to use (compiled modules) [env: AGENTDESK_CACHE_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Say more on standard error (-v info, -vv debug, -vvv trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub(crate) verbose: u8,
    /// Say only errors on standard error
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check what works on this machine and what is missing, with the fix for each
    Doctor {
        /// Print the report as JSON (see docs/cli.md for the shape)
        #[arg(long)]
        json: bool,
    },
    /// Read and change the configuration
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the config file's path
    Path,
    /// List every key with its value and where the value comes from
    List {
        /// Print the list as JSON
        #[arg(long)]
        json: bool,
    },
    /// Print the value in force for KEY (e.g. ui.theme)
    Get {
        /// The dotted key
        key: String,
    },
    /// Set KEY to VALUE in the config file, keeping its comments
    Set {
        /// The dotted key
        key: String,
        /// The new value ("" resets a folder to the platform default)
        value: String,
    },
    /// Open the config file in $VISUAL or $EDITOR; an invalid result is not saved
    Edit,
}
