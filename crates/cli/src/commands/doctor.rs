//! `agentdesk doctor`.

use std::process::ExitCode;

use agentdesk_doctor::{Report, Status};

use super::{Started, print_json};

pub(crate) fn run(started: &Started, json: bool) -> anyhow::Result<ExitCode> {
    let report = agentdesk_doctor::run(&started.loaded);
    if json {
        print_json(&report)?;
    } else {
        print!("{}", render(&report));
    }
    Ok(if report.has_errors() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn render(report: &Report) -> String {
    let width = report.checks.iter().map(|check| check.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for check in &report.checks {
        let mark = match check.status {
            Status::Ok => "ok  ",
            Status::Warning => "warn",
            Status::Error => "FAIL",
        };
        out += &format!("{mark}  {:<width$}  {}\n", check.id, check.summary);
        if let Some(fix) = &check.fix {
            out += &format!("      {:<width$}  fix: {fix}\n", "");
        }
    }
    let versions: Vec<String> =
        report.versions.iter().map(|v| format!("{} {}", v.name, v.value)).collect();
    out += &format!("\nversions: {}\n", versions.join(", "));
    out
}
