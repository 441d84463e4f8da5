//! `agentdesk sandbox …`: the local sandbox's runtimes, and running code in it or, with
//! `--interpreter NAME`, on a remote code interpreter with the same output and exit codes.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use agentdesk_interpreter::Interpreter;
use agentdesk_wasm_sandbox::{
    LIMIT_EXIT_CODE, Limits, Progress, RuntimeId, Sandbox, SandboxConfig, ToolCall, ToolResult,
    WheelSource,
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
            SandboxCommand::Run(args) => {
                let interpreter = interpreter(
                    started,
                    sandbox,
                    &args.runtime,
                    limits(&args)?,
                    args.interpreter.as_deref(),
                )?;
                run_code(&interpreter, &args).await
            }
            SandboxCommand::Repl { runtime, interpreter: name } => {
                let interpreter =
                    interpreter(started, sandbox, &runtime, Limits::default(), name.as_deref())?;
                repl(&interpreter).await
            }
        }
    })
}

fn open(started: &Started) -> anyhow::Result<Sandbox> {
    let locations = &started.loaded.locations;
    Sandbox::open(&SandboxConfig::in_folders(&locations.data_dir, &locations.cache_dir, 0))
        .context("cannot open the sandbox")
}

/// The local sandbox running `runtime` within `limits`, or the remote interpreter `name`.
fn interpreter(
    started: &Started,
    sandbox: Sandbox,
    runtime: &str,
    limits: Limits,
    name: Option<&str>,
) -> anyhow::Result<Interpreter> {
    let local = Interpreter::local(sandbox, runtime_id(runtime)?, limits);
    let Some(name) = name else { return Ok(local) };
    let settings = &started.loaded.settings;
    let identity = settings
        .interpreters
        .get(name)
        .and_then(|interpreter| super::interpreters::identity_for(settings, interpreter));
    Ok(agentdesk_interpreter::named(settings, name, Some(local), identity)?)
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

/// The local sandbox's limits for each cell.
fn limits(args: &RunArgs) -> anyhow::Result<Limits> {
    let limits = Limits {
        deadline: Duration::try_from_secs_f64(args.timeout)
            .context("--timeout must be a positive number of seconds")?,
        memory_bytes: args.memory.saturating_mul(1 << 20),
        fuel: args.fuel,
        ..Limits::default()
    };
    limits.validate().map_err(anyhow::Error::msg)?;
    Ok(limits)
}

async fn run_code(interpreter: &Interpreter, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let cells = match &args.file {
        Some(file) => vec![
            std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?,
        ],
        None => args.code.clone(),
    };
    let session = interpreter.start_session("agentdesk sandbox run", None).await?;
    let mut results = Vec::new();
    let mut exit = 0;
    for code in cells {
        let call = ToolCall { name: "executeCode".into(), arguments: json!({"code": code}) };
        let result = match interpreter.invoke(&session, &call, None).await {
            Ok(result) => result,
            Err(error) => {
                stop(interpreter, &session).await;
                return Err(error.into());
            }
        };
        exit = exit_code(&result);
        if !args.json {
            print_streams(&result);
        }
        results.push(result);
        if exit != 0 {
            break;
        }
    }
    stop(interpreter, &session).await;
    if args.json {
        print_json(&results)?;
    }
    Ok(ExitCode::from(u8::try_from(exit.clamp(0, 255)).unwrap_or(1)))
}

/// Stops `session`; a session left behind ends at its timeout, so a failure is only logged.
async fn stop(interpreter: &Interpreter, session: &str) {
    if let Err(error) = interpreter.stop_session(session).await {
        tracing::warn!("the session {session} was not stopped: {error}");
    }
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

async fn repl(interpreter: &Interpreter) -> anyhow::Result<ExitCode> {
    // A local REPL lives as long as the user types (8 hours at most); a remote one as long
    // as its [interpreters.NAME] says, since the user pays for it.
    let lifetime = interpreter.is_local().then_some(agentdesk_wasm_sandbox::MAX_SESSION_TIMEOUT);
    let session = interpreter.start_session("agentdesk sandbox repl", lifetime).await?;
    let place = if interpreter.is_local() {
        "the AgentDesk sandbox".to_owned()
    } else {
        format!("the remote interpreter {}", interpreter.name())
    };
    eprintln!(
        "Python in {place}. State is kept between inputs; an empty line ends a block; Ctrl+D quits."
    );
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        let mut block = String::new();
        let mut prompt = ">>> ";
        loop {
            eprint!("{prompt}");
            let Some(line) = lines.next() else {
                stop(interpreter, &session).await;
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
        match interpreter.invoke(&session, &call, None).await {
            Ok(result) => print_streams(&result),
            // The session may still be usable (a timeout, a dropped connection): say what
            // happened and let the user go on or quit.
            Err(error) => eprintln!("error: {error}"),
        }
    }
}
