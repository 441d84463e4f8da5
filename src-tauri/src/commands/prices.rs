//! The Status page's prices: the catalogs in use, and building newer ones from AWS's Price
//! List (the GUI twin of `agentdesk prices update|status`).

use std::sync::Mutex;

use agentdesk_pricing::update::{
    Done, JobReport, Progress, Updater, base_url_from_env, installed_catalogs, offer_code,
};
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;
use ts_rs::TS;

use crate::{ApiError, AppState};

/// A catalog compiled into AgentDesk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Prices.ts")]
pub struct BundledCatalog {
    /// The file's name.
    pub file: String,
    /// What it says it is.
    pub name: String,
    /// The date of its prices (`YYYY-MM-DD`).
    pub date: String,
}

/// A catalog built on this machine by an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Prices.ts")]
pub struct BuiltCatalog {
    /// The file's name (`AmazonEC2-us-east-1.tsv`).
    pub file: String,
    /// The date of its prices, when its header says.
    pub date: Option<String>,
    /// How many prices it has.
    pub rows: u64,
    /// What is wrong with it, when it is not a catalog.
    pub problem: Option<String>,
}

/// A region prices can be built for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Prices.ts")]
pub struct PricesRegion {
    /// Its code (`eu-central-1`).
    pub code: String,
    /// AWS's English name.
    pub name_en: String,
    /// AWS's Japanese name.
    pub name_ja: String,
}

/// A service (Price List offer) prices can be built for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Prices.ts")]
pub struct PricesService {
    /// The offer code (`AmazonEC2`).
    pub offer: String,
    /// Its short name (`ec2`).
    pub name: String,
}

/// What the Prices section shows before an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "Prices.ts")]
pub struct PricesStatus {
    /// The catalogs compiled into AgentDesk.
    pub bundled: Vec<BundledCatalog>,
    /// The catalogs built here, by file name.
    pub built: Vec<BuiltCatalog>,
    /// Every region, in AWS's order.
    pub regions: Vec<PricesRegion>,
    /// Every service an update can build.
    pub services: Vec<PricesService>,
    /// The region estimates use (`estimate.region`).
    pub default_region: String,
}

/// A step of an update, for one offer in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "Prices.ts")]
pub enum PricesProgress {
    /// The offer file is downloading: `done` bytes of `total` (when the server says).
    Downloading {
        /// The offer code.
        offer: String,
        /// The region.
        region: String,
        /// Bytes so far.
        done: u64,
        /// The file's size.
        total: Option<u64>,
    },
    /// The downloaded file is being read.
    Reading {
        /// The offer code.
        offer: String,
        /// The region.
        region: String,
    },
}

/// What became of one offer in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
#[ts(export_to = "Prices.ts")]
pub enum PricesOutcome {
    /// A new catalog was written.
    Written {
        /// The offer code.
        offer: String,
        /// The region.
        region: String,
        /// How many prices it has.
        rows: u64,
        /// The prices' date (`YYYY-MM-DD`).
        date: String,
    },
    /// The catalog in place was built from the same offer version.
    UpToDate {
        /// The offer code.
        offer: String,
        /// The region.
        region: String,
        /// The offer version.
        version: String,
    },
    /// No catalog was built; the previous one is kept.
    Failed {
        /// The offer code.
        offer: String,
        /// The region.
        region: String,
        /// What went wrong and what to do.
        message: String,
    },
}

impl From<JobReport> for PricesOutcome {
    fn from(report: JobReport) -> PricesOutcome {
        let JobReport { offer, region, outcome } = report;
        match outcome {
            Ok(Done::Written { rows, date, .. }) => {
                PricesOutcome::Written { offer, region, rows: rows as u64, date }
            }
            Ok(Done::UpToDate { version, .. }) => {
                PricesOutcome::UpToDate { offer, region, version }
            }
            Ok(other) => PricesOutcome::Failed { offer, region, message: format!("{other:?}") },
            Err(error) => PricesOutcome::Failed { offer, region, message: error.to_string() },
        }
    }
}

impl PricesProgress {
    /// The page's view of a step; `None` for steps it does not show.
    fn from_progress(progress: Progress) -> Option<PricesProgress> {
        match progress {
            Progress::Downloading { offer, region, done, total, .. } => {
                Some(PricesProgress::Downloading { offer, region, done, total })
            }
            Progress::Reading { offer, region } => Some(PricesProgress::Reading { offer, region }),
            _ => None,
        }
    }

    /// What changes the display: the file and its whole percentage (or megabyte).
    fn display_key(&self) -> (String, String, Option<u64>) {
        match self {
            PricesProgress::Downloading { offer, region, done, total } => {
                let step =
                    total.filter(|total| *total > 0).map_or(done >> 20, |total| done * 100 / total);
                (offer.clone(), region.clone(), Some(step))
            }
            PricesProgress::Reading { offer, region } => (offer.clone(), region.clone(), None),
        }
    }
}

#[tauri::command]
pub(crate) fn prices_status(state: State<'_, AppState>) -> Result<PricesStatus, ApiError> {
    let (data_dir, default_region) = {
        let loaded = state.loaded();
        (loaded.locations.data_dir.clone(), loaded.settings.estimate.region.clone())
    };
    let bundled = agentdesk_pricing::Catalog::bundled()?;
    let bundled = bundled.sources().iter().map(|source| BundledCatalog {
        file: source.file.clone(),
        name: source.name.clone(),
        date: source.date.clone(),
    });
    let built =
        installed_catalogs(&data_dir.join("prices"))?.into_iter().map(|catalog| BuiltCatalog {
            file: catalog.path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
            date: catalog.date,
            rows: catalog.rows,
            problem: catalog.problem,
        });
    let regions = agentdesk_pricing::region::all().iter().map(|region| PricesRegion {
        code: region.code.into(),
        name_en: region.name_en.into(),
        name_ja: region.name_ja.into(),
    });
    let services = agentdesk_pricing::update::services().map(|(offer, names)| PricesService {
        offer: offer.into(),
        name: names.first().copied().unwrap_or(offer).into(),
    });
    Ok(PricesStatus {
        bundled: bundled.collect(),
        built: built.collect(),
        regions: regions.collect(),
        services: services.collect(),
        default_region,
    })
}

/// Builds the catalogs of `services` (offer codes or short names) in `regions`, one after
/// another; each file's download and reading reach `on_progress` as they happen.
#[tauri::command]
pub(crate) async fn prices_update(
    state: State<'_, AppState>,
    regions: Vec<String>,
    services: Vec<String>,
    on_progress: Channel<PricesProgress>,
) -> Result<Vec<PricesOutcome>, ApiError> {
    let offers = services.iter().map(|name| offer_code(name)).collect::<Result<Vec<_>, _>>()?;
    let regions: Vec<&str> = regions.iter().map(|region| region.trim()).collect();
    let (data_dir, cache_dir) = {
        let loaded = state.loaded();
        (loaded.locations.data_dir.clone(), loaded.locations.cache_dir.clone())
    };
    let updater = Updater::new(&data_dir.join("prices"), &cache_dir.join("prices"))?
        .base_url(&base_url_from_env())?;
    // One message per whole percent, so a large file does not flood the page.
    let last = Mutex::new(None);
    let forward = |progress: Progress| {
        let Some(progress) = PricesProgress::from_progress(progress) else { return };
        let key = Some(progress.display_key());
        let mut last = last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last != key {
            *last = key;
            // A closed page stops listening; the update still finishes.
            let _ignored = on_progress.send(progress);
        }
    };
    let reports = updater.update(&offers, &regions, &forward).await?;
    Ok(reports.into_iter().map(PricesOutcome::from).collect())
}
