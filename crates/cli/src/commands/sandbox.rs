//! `agentdesk sandbox …`.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use agentdesk_wasm_sandbox::{
    LIMIT_EXIT_CODE, Limits, Progress, RuntimeId, Sandbox, SandboxConfig, StartSession, ToolCall,
    ToolResult, WheelSource,
};
use anyhow::{Context, bail};
use serde_json::json;

use super::{Started, print_json};
use crate::args::{RunArgs, SandboxCommand};

pub(crate) fn run(started: &Started, command: SandboxCommand) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let sandbox = open(started)?;
        match command {
            SandboxCommand::Install { runtime, wheel, index_url } => {
                install(&sandbox, &runtime, wheel, index_url).await
            }
            SandboxCommand::Runtimes { json } => runtimes(&sandbox, json),
            SandboxCommand::Run(args) => run_code(&sandbox, args).await,
            SandboxCommand::Repl { runtime } => repl(&sandbox, &runtime).await,
        }
    })
}

fn open(started: &Started) -> anyhow::Result<Sandbox> {
    let locations = &started.loaded.locations;
    Sandbox::open(&SandboxConfig::in_folders(&locations.data_dir, &locations.cache_dir, 0))
        .context("cannot open the sandbox")
}

fn runtime_id(name: &str) -> anyhow::Result<RuntimeId> {
    RuntimeId::parse(name).with_context(|| {
        let known: Vec<&str> = RuntimeId::ALL.iter().map(|id| id.as_str()).collect();
        format!("unknown runtime {name:?}; the runtimes are {}", known.join(", "))
    })
}

async fn install(
    sandbox: &Sandbox,
    name: &str,
    wheel: Option<std::path::PathBuf>,
    index_url: String,
) -> anyhow::Result<ExitCode> {
    let id = runtime_id(name)?;
    let source = match wheel {
        Some(path) => WheelSource::File(path),
        None => WheelSource::Index(index_url),
    };
    let interactive = std::io::stderr().is_terminal();
    // Compiling reports each unit Cranelift finishes: a log gets its first line only.
    let said_compiling = std::sync::atomic::AtomicBool::new(false);
    let show = move |progress: Progress| {
        let line = match progress {
            Progress::Downloading { done, total: Some(total) } if total > 0 => {
                format!(
                    "downloading {:>5.1} / {:.1} MB ({:>3}%)",
                    mb(done),
                    mb(total),
                    done * 100 / total
                )
            }
            Progress::Downloading { done, .. } => format!("downloading {:.1} MB", mb(done)),
            Progress::Verifying => "verifying and unpacking".to_owned(),
            Progress::Compiling { done, total } if total > 0 => {
                format!("compiling for this machine (once per install) {:>3}%", done * 100 / total)
            }
            Progress::Compiling { .. } => {
                "compiling for this machine (once per install)".to_owned()
            }
            Progress::Done => "done".to_owned(),
        };
        let ongoing = match progress {
            Progress::Downloading { .. } => true,
            Progress::Compiling { .. } => {
                said_compiling.swap(true, std::sync::atomic::Ordering::Relaxed)
            }
            Progress::Verifying | Progress::Done => false,
        };
        let counting =
            matches!(progress, Progress::Downloading { .. } | Progress::Compiling { .. });
        if interactive {
            eprint!("\r\x1b[2K{id}: {line}");
            if !counting {
                eprintln!();
            }
        } else if !ongoing {
            eprintln!("{id}: {line}");
        }
    };
    let status = sandbox.install(id, &source, &show).await?;
    if !status.installed {
        bail!("{id} was unpacked but is not ready to run");
    }
    println!("{id} (Python {}) is installed", status.python);
    Ok(ExitCode::SUCCESS)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

fn runtimes(sandbox: &Sandbox, json: bool) -> anyhow::Result<ExitCode> {
    let statuses = sandbox.runtimes();
    if json {
        print_json(&statuses)?;
    } else {
        for status in statuses {
            let state = if status.installed { "installed" } else { "not installed" };
            println!(
                "{:<18} Python {:<7} {state:<14} ({})",
                status.id.as_str(),
                status.python,
                status.source
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_code(sandbox: &Sandbox, args: RunArgs) -> anyhow::Result<ExitCode> {
    let id = runtime_id(&args.runtime)?;
    let limits = Limits {
        deadline: Duration::try_from_secs_f64(args.timeout)
            .context("--timeout must be a positive number of seconds")?,
        memory_bytes: args.memory.saturating_mul(1 << 20),
        fuel: args.fuel,
        ..Limits::default()
    };
    limits.validate().map_err(anyhow::Error::msg)?;
    let cells = match &args.file {
        Some(file) => vec![
            std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?,
        ],
        None => args.code.clone(),
    };
    let session = sandbox
        .start_session(StartSession {
            name: "agentdesk sandbox run".into(),
            runtime: id,
            timeout_seconds: 28_800,
            metered: args.fuel.is_some(),
        })
        .await?;
    let mut results = Vec::new();
    let mut exit = 0;
    for code in cells {
        let call = ToolCall { name: "executeCode".into(), arguments: json!({"code": code}) };
        let result = sandbox.invoke(&session.session_id, &call, &limits).await;
        exit = exit_code(&result);
        if !args.json {
            print_streams(&result);
        }
        results.push(result);
        if exit != 0 {
            break;
        }
    }
    let _ = sandbox.stop_session(&session.session_id);
    if args.json {
        print_json(&results)?;
    }
    Ok(ExitCode::from(u8::try_from(exit.clamp(0, 255)).unwrap_or(1)))
}

fn exit_code(result: &ToolResult) -> i32 {
    match &result.structured_content {
        Some(execution)
            if execution.limit.is_some_and(|l| l != agentdesk_wasm_sandbox::Limit::Output) =>
        {
            LIMIT_EXIT_CODE
        }
        Some(execution) => execution.exit_code,
        None if result.is_error => 1,
        None => 0,
    }
}

fn print_streams(result: &ToolResult) {
    match &result.structured_content {
        Some(execution) => {
            print!("{}", execution.stdout);
            if !execution.stdout.is_empty() && !execution.stdout.ends_with('\n') {
                println!();
            }
            if !execution.stderr.is_empty() {
                eprint!("{}", execution.stderr);
                if !execution.stderr.ends_with('\n') {
                    eprintln!();
                }
            }
            for item in &result.content {
                if let agentdesk_wasm_sandbox::Content::ResourceLink { name, .. } = item {
                    eprintln!("file: {name}");
                }
            }
        }
        None => {
            for item in &result.content {
                if let agentdesk_wasm_sandbox::Content::Text { text } = item {
                    eprintln!("{text}");
                }
            }
        }
    }
    let _ = std::io::stdout().flush();
}

async fn repl(sandbox: &Sandbox, name: &str) -> anyhow::Result<ExitCode> {
    let id = runtime_id(name)?;
    let session = sandbox
        .start_session(StartSession {
            name: "agentdesk sandbox repl".into(),
            runtime: id,
            timeout_seconds: 28_800,
            metered: false,
        })
        .await?;
    eprintln!(
        "Python in the AgentDesk sandbox ({id}). State is kept between inputs; an empty line ends a block; Ctrl+D quits."
    );
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let limits = Limits::default();
    loop {
        let mut block = String::new();
        let mut prompt = ">>> ";
        loop {
            eprint!("{prompt}");
            let Some(line) = lines.next() else {
                let _ = sandbox.stop_session(&session.session_id);
                eprintln!();
                return Ok(ExitCode::SUCCESS);
            };
            let line = line.context("cannot read the input")?;
            let continues = line.trim_end().ends_with(':')
                || line.starts_with([' ', '\t'])
                || line.trim_end().ends_with('\\');
            if line.trim().is_empty() && block.is_empty() {
                break;
            }
            block.push_str(&line);
            block.push('\n');
            if line.trim().is_empty() || (!continues && prompt == ">>> ") {
                break;
            }
            prompt = "... ";
        }
        if block.trim().is_empty() {
            continue;
        }
        let call = ToolCall { name: "executeCode".into(), arguments: json!({"code": block}) };
        let result = sandbox.invoke(&session.session_id, &call, &limits).await;
        print_streams(&result);
    }
}
