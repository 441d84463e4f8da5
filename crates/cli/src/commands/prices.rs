//! `agentdesk prices update|status`: catalogs built from AWS's Price List into
//! `<data folder>/prices`, downloads kept in `<cache folder>/prices` while they run.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use agentdesk_pricing::update::{
    Done, JobReport, Progress, Updater, base_url_from_env, installed_catalogs, offer_code,
};
use anyhow::Context;
use serde::Serialize;

use super::{Started, print_json};
use crate::args::{PricesCommand, PricesUpdateArgs};

pub(crate) fn run(
    started: &Started,
    command: PricesCommand,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    match command {
        PricesCommand::Update(args) => update(started, &args, quiet),
        PricesCommand::Status { json } => status(&catalogs_folder(started), json),
    }
}

fn catalogs_folder(started: &Started) -> PathBuf {
    started.loaded.locations.data_dir.join("prices")
}

fn update(started: &Started, args: &PricesUpdateArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let mut offers: Vec<&str> = Vec::new();
    if args.services.is_empty() {
        offers.extend(agentdesk_pricing::update::services().map(|(offer, _)| offer));
    }
    for name in &args.services {
        let offer = offer_code(name)?;
        if !offers.contains(&offer) {
            offers.push(offer);
        }
    }
    let mut regions: Vec<&str> = Vec::new();
    if args.regions.is_empty() {
        regions.push(&started.loaded.settings.estimate.region);
    }
    for region in &args.regions {
        let region = region.trim();
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    let updater = Updater::new(
        &catalogs_folder(started),
        &started.loaded.locations.cache_dir.join("prices"),
    )?
    .base_url(&base_url_from_env())?;
    let display = Display::new(!(args.json || quiet));
    let reports = super::block_on(async {
        updater
            .update(&offers, &regions, &|event| display.show(&event))
            .await
            .context("no catalog was built")
    })?;
    let failed = reports.iter().filter(|report| report.outcome.is_err()).count();
    if args.json {
        print_json(&reports.iter().map(Outcome::from).collect::<Vec<_>>())?;
    } else {
        for report in &reports {
            summarise(report);
        }
    }
    if failed > 0 {
        if !args.json {
            eprintln!(
                "{failed} of {} catalogs could not be built; the others are in {}",
                reports.len(),
                updater.catalogs_folder().display()
            );
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per catalog: what is in place, or why not (on standard error).
fn summarise(report: &JobReport) {
    let name = format!("{} {}", report.offer, report.region);
    match &report.outcome {
        Ok(Done::Written { path, rows, date, .. }) => {
            println!("{name}: {rows} prices of {date} written to {}", path.display());
        }
        Ok(Done::UpToDate { path, version, .. }) => {
            println!("{name}: up to date (offer version {version}) in {}", path.display());
        }
        Ok(_) => println!("{name}: done"),
        Err(error) => eprintln!("error: {name}: {error}"),
    }
}

/// `prices update --json`: one object per offer and region (see docs/cli.md).
#[derive(Serialize)]
struct Outcome<'a> {
    offer: &'a str,
    region: &'a str,
    status: &'static str,
    path: Option<&'a Path>,
    url: Option<&'a str>,
    version: Option<&'a str>,
    date: Option<&'a str>,
    rows: Option<usize>,
    counts: Option<&'a agentdesk_pricing::update::Counts>,
    downloaded_bytes: Option<u64>,
    error: Option<String>,
}

impl<'a> From<&'a JobReport> for Outcome<'a> {
    fn from(report: &'a JobReport) -> Self {
        let mut outcome = Outcome {
            offer: &report.offer,
            region: &report.region,
            status: "failed",
            path: None,
            url: None,
            version: None,
            date: None,
            rows: None,
            counts: None,
            downloaded_bytes: None,
            error: None,
        };
        match &report.outcome {
            Ok(Done::Written { path, url, version, date, rows, counts, downloaded }) => {
                outcome.status = "written";
                outcome.path = Some(path);
                outcome.url = Some(url);
                outcome.version = Some(version);
                outcome.date = Some(date);
                outcome.rows = Some(*rows);
                outcome.counts = Some(counts);
                outcome.downloaded_bytes = Some(*downloaded);
            }
            Ok(Done::UpToDate { path, url, version }) => {
                outcome.status = "up_to_date";
                outcome.path = Some(path);
                outcome.url = Some(url);
                outcome.version = Some(version);
            }
            Ok(_) => outcome.status = "done",
            Err(error) => outcome.error = Some(error.to_string()),
        }
        outcome
    }
}

/// Progress on standard error: on a terminal, one line per file that counts up in place;
/// otherwise a line when a download starts and when its file is read.
struct Display {
    shown: bool,
    terminal: bool,
    /// (offer, region) → the last percentage drawn (-1 before the first).
    drawn: Mutex<HashMap<(String, String), i64>>,
}

impl Display {
    fn new(shown: bool) -> Display {
        Display { shown, terminal: std::io::stderr().is_terminal(), drawn: Mutex::default() }
    }

    fn show(&self, event: &Progress) {
        if !self.shown {
            return;
        }
        let mut drawn = self.drawn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match event {
            Progress::Downloading { offer, region, url, done, total, resumed_from } => {
                let key = (offer.clone(), region.clone());
                let first = !drawn.contains_key(&key);
                let percent = total
                    .filter(|total| *total > 0)
                    .map_or(-1, |total| (done * 100 / total) as i64);
                let last = drawn.insert(key, percent);
                if self.terminal {
                    if first || last != Some(percent) {
                        let progress = match total {
                            Some(total) => {
                                format!("{} / {} ({percent}%)", size(*done), size(*total))
                            }
                            None => size(*done),
                        };
                        eprint!("\r\x1b[2K{offer} {region}: downloading {progress}");
                    }
                } else if first {
                    let total =
                        total.map(|total| format!(" ({})", size(total))).unwrap_or_default();
                    let resuming = if *resumed_from > 0 {
                        format!(", resuming after {}", size(*resumed_from))
                    } else {
                        String::new()
                    };
                    eprintln!("{offer} {region}: downloading {url}{total}{resuming}");
                }
            }
            Progress::Reading { offer, region } => {
                if self.terminal {
                    eprintln!("\r\x1b[2K{offer} {region}: downloaded, reading the prices");
                } else {
                    eprintln!("{offer} {region}: reading the prices");
                }
            }
            _ => {}
        }
    }
}

/// `812 KB`, `301.4 MB`.
fn size(bytes: u64) -> String {
    if bytes < 1 << 20 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    }
}

/// `prices status`.
fn status(folder: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let catalogs = installed_catalogs(folder)?;
    if json {
        #[derive(Serialize)]
        struct Listed<'a> {
            file: String,
            #[serde(flatten)]
            catalog: &'a agentdesk_pricing::update::InstalledCatalog,
        }
        let listed: Vec<Listed<'_>> = catalogs
            .iter()
            .map(|catalog| Listed {
                file: catalog.path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
                catalog,
            })
            .collect();
        print_json(&listed)?;
        return Ok(ExitCode::SUCCESS);
    }
    for source in agentdesk_pricing::Catalog::bundled()?.sources() {
        println!("{:<36} {:<10} bundled  {}", source.file, source.date, source.name);
    }
    if catalogs.is_empty() {
        println!(
            "no catalogs built in {} yet (agentdesk prices update builds them)",
            folder.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for catalog in &catalogs {
        let file = catalog.path.file_name().unwrap_or_default().to_string_lossy();
        match &catalog.problem {
            Some(problem) => println!("{file:<36} not a catalog: {problem}"),
            None => println!(
                "{file:<36} {:<10} {:>6} prices  {}",
                catalog.date.as_deref().unwrap_or("?"),
                catalog.rows,
                catalog.source.as_deref().unwrap_or("?")
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}
