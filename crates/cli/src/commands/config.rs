//! `agentdesk config …`.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::{Command, ExitCode};

use agentdesk_config::{ConfigFile, keys};
use anyhow::{Context, bail};
use serde::Serialize;

use super::{Started, print_json};
use crate::args::ConfigCommand;

/// One row of `config list --json`.
#[derive(Debug, Serialize)]
struct Entry {
    key: &'static str,
    value: String,
    /// `default`, `file` or `env:VARIABLE`.
    source: String,
    summary: &'static str,
}

pub(crate) fn run(started: &Started, command: ConfigCommand) -> anyhow::Result<ExitCode> {
    let loaded = &started.loaded;
    let file = ConfigFile::new(loaded.locations.config_file.clone());
    match command {
        ConfigCommand::Path => println!("{}", file.path().display()),
        ConfigCommand::List { json } => {
            let entries = list(started);
            if json {
                print_json(&entries)?;
            } else {
                let width = entries.iter().map(|e| e.key.len()).max().unwrap_or(0);
                for entry in entries {
                    let value = if entry.value.is_empty() { "\"\"" } else { &entry.value };
                    println!("{:<width$}  {value}  ({})", entry.key, entry.source);
                }
            }
        }
        ConfigCommand::Get { key } => {
            let spec = keys::find(&key).with_context(|| {
                let known: Vec<_> = keys::KEYS.iter().map(|k| k.name).collect();
                format!("unknown config key `{key}`; known keys: {}", known.join(", "))
            })?;
            println!("{}", spec.get(&loaded.settings));
        }
        ConfigCommand::Set { key, value } => {
            file.set(&key, &value)?;
            if let Some((_, variable)) = loaded.overridden.iter().find(|(name, _)| *name == key) {
                eprintln!("note: {variable} is set and overrides this value while it is set");
            }
        }
        ConfigCommand::Edit => return edit(&file),
    }
    Ok(ExitCode::SUCCESS)
}

fn list(started: &Started) -> Vec<Entry> {
    let loaded = &started.loaded;
    keys::KEYS
        .iter()
        .map(|key| {
            let value = key.get(&loaded.settings);
            let source = match loaded.overridden.iter().find(|(name, _)| *name == key.name) {
                Some((_, variable)) => format!("env:{variable}"),
                None if value != key.get(&Default::default()) => "file".to_owned(),
                None => "default".to_owned(),
            };
            Entry { key: key.name, value, source, summary: key.summary }
        })
        .collect()
}

/// Edits a copy of the file; only a valid result replaces it. An invalid one is offered
/// back to the editor on a terminal, else kept beside the config file so nothing typed is
/// lost.
fn edit(file: &ConfigFile) -> anyhow::Result<ExitCode> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_owned());
    let draft = tempfile::Builder::new()
        .prefix("agentdesk-config.")
        .suffix(".toml")
        .tempfile()
        .context("cannot create a draft file to edit")?;
    std::fs::write(draft.path(), file.text()?).context("cannot write the draft file")?;
    loop {
        open_editor(&editor, draft.path())?;
        let text = std::fs::read_to_string(draft.path()).context("cannot read the edited draft")?;
        let problems = file.problems_in(&text);
        if problems.is_empty() {
            file.replace(&text)?;
            eprintln!("saved {}", file.path().display());
            return Ok(ExitCode::SUCCESS);
        }
        for problem in &problems {
            eprintln!("problem: {problem}");
        }
        if std::io::stdin().is_terminal() && ask("Edit again? [Y/n] ")? {
            continue;
        }
        let rejected = file.path().with_extension("toml.rejected");
        std::fs::write(&rejected, &text)
            .with_context(|| format!("cannot keep your edit in {}", rejected.display()))?;
        bail!(
            "{} was not changed; your edit is kept in {}",
            file.path().display(),
            rejected.display()
        );
    }
}

fn open_editor(editor: &str, path: &Path) -> anyhow::Result<()> {
    // $EDITOR may carry arguments ("code --wait"), so it goes through the shell.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("agentdesk-edit")
        .arg(path)
        .status()
        .with_context(|| format!("cannot start the editor `{editor}`"))?;
    if !status.success() {
        bail!("the editor `{editor}` exited with {status}; nothing was saved");
    }
    Ok(())
}

fn ask(question: &str) -> anyhow::Result<bool> {
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).context("cannot read the answer")?;
    Ok(!answer.trim().eq_ignore_ascii_case("n"))
}
