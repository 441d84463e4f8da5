//! `agentdesk traces …`: the traces kept in `traces.db` (every agent turn, model call and
//! tool), listed, shown as a span tree, exported as OTLP JSON.

use std::io::Write;
use std::process::ExitCode;

use agentdesk_agent::{PricedSpan, PricedTrace, TracePricer, pricing_region};
use agentdesk_pricing::Catalog;
use agentdesk_telemetry::traces::{TRACES_FILE, TraceFilter, TraceStore, TraceSummary};
use anyhow::{Context, bail};

use super::{Started, print_json};
use crate::args::TracesCommand;

pub(crate) fn run(started: &Started, command: TracesCommand) -> anyhow::Result<ExitCode> {
    let path = started.loaded.locations.data_dir.join(TRACES_FILE);
    let catalog = Catalog::for_folder(&started.loaded.locations.data_dir.join("prices"))?;
    let region = pricing_region(&started.loaded.settings.model.aws_region);
    let pricer = TracePricer::new(&catalog, &region);
    super::block_on(async move {
        if !path.is_file() {
            bail!(
                "no traces yet ({} does not exist): they are kept from the first agent turn on, e.g. `agentdesk chat`",
                path.display()
            );
        }
        let store = TraceStore::open(&path).await?;
        let done = match command {
            TracesCommand::List { session, json } => list(&store, pricer, session, json).await,
            TracesCommand::Show { trace_id, json } => show(&store, pricer, &trace_id, json).await,
            TracesCommand::Export { trace_id, output } => export(&store, &trace_id, output).await,
        };
        store.close().await;
        done
    })
}

async fn list(
    store: &TraceStore,
    pricer: TracePricer<'_>,
    session: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let traces =
        store.traces(&TraceFilter { session_id: session, ..TraceFilter::default() }).await?;
    let traces: Vec<PricedTrace> = traces.into_iter().map(|trace| pricer.trace(trace)).collect();
    if json {
        print_json(&traces)?;
    } else if traces.is_empty() {
        println!("no traces match");
    } else {
        println!(
            "{:<32}  {:<20}  {:>10}  {:>5}  {:>13}  {:>10}  {:>6}  ROOT · CONVERSATION",
            "TRACE", "STARTED (UTC)", "DURATION", "SPANS", "TOKENS IN/OUT", "COST", "ERRORS"
        );
        for PricedTrace { trace, cost_usd, .. } in &traces {
            println!(
                "{:<32}  {:<20}  {:>10}  {:>5}  {:>13}  {:>10}  {:>6}  {} · {}",
                trace.trace_id,
                started_at(trace.start_ns),
                duration(trace.end_ns - trace.start_ns),
                trace.span_count,
                format!("{}/{}", trace.input_tokens, trace.output_tokens),
                dollars(cost_usd.as_deref()),
                trace.error_count,
                trace.root_name.as_deref().unwrap_or("(no root span)"),
                trace.session_id.as_deref().unwrap_or("-"),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The one trace whose id is or starts with `prefix`.
async fn resolve(store: &TraceStore, prefix: &str) -> anyhow::Result<TraceSummary> {
    let prefix = prefix.trim().to_ascii_lowercase();
    if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_hexdigit()) || prefix.len() > 32 {
        bail!(
            "{prefix:?} is not a trace id: 32 hex digits, or the first few of them (`agentdesk traces list` shows them)"
        );
    }
    let mut found =
        store.traces(&TraceFilter { trace_id: prefix.clone(), ..TraceFilter::default() }).await?;
    match found.len() {
        0 => bail!("no stored trace starts with {prefix}; `agentdesk traces list` shows them"),
        1 => Ok(found.remove(0)),
        many => bail!("{many} traces start with {prefix}: give more of the id"),
    }
}

async fn show(
    store: &TraceStore,
    pricer: TracePricer<'_>,
    trace_id: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let trace = resolve(store, trace_id).await?;
    let detail = pricer.detail(store.trace(&trace.trace_id).await?);
    if json {
        print_json(&detail)?;
        return Ok(ExitCode::SUCCESS);
    }
    let cost = match (&detail.summary.cost_usd, &detail.cost_note) {
        (Some(usd), _) => format!("${usd}"),
        (None, Some(why)) => format!("unknown ({why})"),
        (None, None) => "unknown".to_owned(),
    };
    println!(
        "trace {}  {}  {}  {} span{}  tokens {}/{}  cost {cost}{}",
        trace.trace_id,
        started_at(trace.start_ns),
        duration(trace.end_ns - trace.start_ns),
        trace.span_count,
        if trace.span_count == 1 { "" } else { "s" },
        trace.input_tokens,
        trace.output_tokens,
        trace
            .session_id
            .as_deref()
            .map(|session| format!("  conversation {session}"))
            .unwrap_or_default(),
    );
    let roots: Vec<&PricedSpan> = detail
        .spans
        .iter()
        .filter(|PricedSpan { span, .. }| {
            span.parent_span_id
                .as_deref()
                .is_none_or(|parent| detail.spans.iter().all(|other| other.span.span_id != parent))
        })
        .collect();
    for root in roots {
        print_tree(&detail.spans, root, 0);
    }
    Ok(ExitCode::SUCCESS)
}

/// `span` and its children, indented by depth.
fn print_tree(spans: &[PricedSpan], priced: &PricedSpan, depth: usize) {
    let span = &priced.span;
    let tokens = match (span.input_tokens, span.output_tokens) {
        (Some(input), Some(output)) => {
            format!("  tokens {input}/{output}  {}", dollars(priced.cost_usd.as_deref()))
        }
        _ => String::new(),
    };
    let status = match (span.status.as_str(), &span.status_message) {
        ("error", Some(message)) if !message.is_empty() => format!("  ERROR: {message}"),
        ("error", _) => "  ERROR".to_owned(),
        _ => String::new(),
    };
    println!(
        "{}{}  {}{tokens}{status}",
        "  ".repeat(depth + 1),
        span.name,
        duration(span.end_ns - span.start_ns)
    );
    for child in spans
        .iter()
        .filter(|child| child.span.parent_span_id.as_deref() == Some(span.span_id.as_str()))
    {
        print_tree(spans, child, depth + 1);
    }
}

async fn export(
    store: &TraceStore,
    trace_id: &str,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    let trace = resolve(store, trace_id).await?;
    let otlp = store.otlp_json(&trace.trace_id).await?;
    let text = serde_json::to_string_pretty(&otlp)?;
    match output {
        Some(path) => {
            std::fs::write(&path, format!("{text}\n"))
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("trace {} written to {} (OTLP JSON)", trace.trace_id, path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{text}").context("cannot write to standard output")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A cost as `$0.012207`, or `?` when a model has no price.
fn dollars(usd: Option<&str>) -> String {
    usd.map_or_else(|| "?".to_owned(), |usd| format!("${usd}"))
}

/// A start time as `YYYY-MM-DD HH:MM:SS` in UTC.
fn started_at(nanos: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos)).map_or_else(
        |_| "?".to_owned(),
        |at| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            )
        },
    )
}

/// A duration in nanoseconds for people: `850 µs`, `12.3 ms`, `4.56 s`.
fn duration(nanos: i64) -> String {
    let micros = nanos.max(0) / 1_000;
    if micros < 1_000 {
        format!("{micros} µs")
    } else if micros < 1_000_000 {
        format!("{:.1} ms", micros as f64 / 1_000.0)
    } else {
        format!("{:.2} s", micros as f64 / 1_000_000.0)
    }
}
