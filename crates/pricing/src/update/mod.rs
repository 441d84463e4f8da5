//! Builds catalogs from AWS's public Price List bulk files (`agentdesk prices update`), on
//! the user's machine: no credentials, no AWS SDK, only HTTPS GETs.
//!
//! For each offer (`AmazonEC2`, `AmazonRDS`…) and region: [`discovery`] finds the regional
//! offer file through the offer index and the offer's region index; [`download`] fetches it
//! into the cache folder with progress, resuming a cut download with a `Range` request;
//! [`parse`] streams it, never holding more than the prices kept; [`mapping`] decides which
//! products are which catalog keys; [`writer`] writes `<catalogs>/<offer>-<region>.tsv` in
//! the catalog format (`FORMAT.md`) by writing a `.partial` file and renaming it, so a failure
//! leaves the previous catalog as it was. A region whose catalog was already built from the
//! same offer version is not downloaded again.
//!
//! Start at [`Updater`]. Jobs run one after another: the files are large and the work is
//! I/O and parsing, which a second job would only slow down on a small machine.

mod discovery;
mod download;
mod error;
mod installed;
mod mapping;
mod parse;
mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::UpdateError;
pub use installed::{InstalledCatalog, installed_catalogs};
pub use parse::{CatalogRow, Counts, OfferPrices, read_offer_file};

/// The public Price List.
pub const DEFAULT_BASE_URL: &str = "https://pricing.us-east-1.amazonaws.com";

/// The environment variable that points AgentDesk at another Price List (a mirror, a test
/// server).
pub const BASE_URL_ENV: &str = "AGENTDESK_PRICE_LIST_URL";

/// What a catalog built here says its source is.
pub const SOURCE: &str = "AWS Price List bulk files";

/// The Price List to use: [`BASE_URL_ENV`] when set, else [`DEFAULT_BASE_URL`].
pub fn base_url_from_env() -> String {
    std::env::var(BASE_URL_ENV)
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
}

/// The offer codes catalogs can be built for, each with the names it also goes by.
pub fn services() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    mapping::OFFERS.iter().copied()
}

/// The offer code for a service name: an offer code (`AmazonEC2`, any case) or a friendly
/// name (`ec2`, `rds`, `elb`…).
pub fn offer_code(name: &str) -> Result<&'static str, UpdateError> {
    let wanted = name.trim().to_ascii_lowercase();
    services()
        .find(|(offer, names)| {
            offer.to_ascii_lowercase() == wanted || names.contains(&wanted.as_str())
        })
        .map(|(offer, _)| offer)
        .ok_or_else(|| UpdateError::UnknownService {
            name: name.to_owned(),
            known: services().map(|(_, names)| names[0]).collect::<Vec<_>>().join(", "),
        })
}

/// Something that happened during an update, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// An offer file is being downloaded: `done` bytes of `total` (when the server says)
    /// are in the cache, `resumed_from` of them from an earlier run.
    Downloading {
        /// The offer code.
        offer: String,
        /// The region.
        region: String,
        /// The offer file.
        url: String,
        /// Bytes so far.
        done: u64,
        /// The file's size.
        total: Option<u64>,
        /// Bytes there before this run.
        resumed_from: u64,
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
#[derive(Debug)]
pub struct JobReport {
    /// The offer code.
    pub offer: String,
    /// The region.
    pub region: String,
    /// The catalog written or kept, or why there is none.
    pub outcome: Result<Done, UpdateError>,
}

/// A catalog that is in place after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Done {
    /// Built from a newly downloaded offer file.
    Written {
        /// The catalog file.
        path: PathBuf,
        /// The offer file it was built from.
        url: String,
        /// The offer version.
        version: String,
        /// The prices' date (`YYYY-MM-DD`, the offer's publication date).
        date: String,
        /// How many prices it has.
        rows: usize,
        /// What was read and left out.
        counts: Counts,
        /// Bytes downloaded in this run.
        downloaded: u64,
    },
    /// The catalog already there was built from this same offer version.
    UpToDate {
        /// The catalog file.
        path: PathBuf,
        /// The offer file it was built from.
        url: String,
        /// The offer version.
        version: String,
    },
}

/// Builds catalogs into a folder.
#[derive(Debug, Clone)]
pub struct Updater {
    client: reqwest::Client,
    base: String,
    catalogs: PathBuf,
    downloads: PathBuf,
    retries: u32,
}

/// The HTTP client's limits: connecting, and silence while reading. A download has no
/// overall limit (the files are large); a stalled one fails after the read timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
const READ_TIMEOUT: Duration = Duration::from_secs(60);

impl Updater {
    /// An updater that writes catalogs into `catalogs` (`<data folder>/prices`) and keeps
    /// downloads in `downloads` (`<cache folder>/prices`) while it works, reading the Price
    /// List at [`DEFAULT_BASE_URL`]. Cut downloads are resumed twice within a run.
    pub fn new(catalogs: &Path, downloads: &Path) -> Result<Updater, UpdateError> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .user_agent(concat!("agentdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(UpdateError::Client)?;
        Ok(Updater {
            client,
            base: DEFAULT_BASE_URL.to_owned(),
            catalogs: catalogs.to_owned(),
            downloads: downloads.to_owned(),
            retries: 2,
        })
    }

    /// Reads the Price List at `base` (scheme, host and optional path prefix) instead.
    pub fn base_url(mut self, base: &str) -> Result<Updater, UpdateError> {
        let base = base.trim().trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(UpdateError::BaseUrl(base.to_owned()));
        }
        self.base = base.to_owned();
        Ok(self)
    }

    /// How many times a cut download is resumed within one run (0: the next run resumes it).
    pub fn retries(mut self, retries: u32) -> Updater {
        self.retries = retries;
        self
    }

    /// The folder catalogs are written to.
    pub fn catalogs_folder(&self) -> &Path {
        &self.catalogs
    }

    /// Builds the catalog of each of `offers` (offer codes, see [`offer_code`]) in each of
    /// `regions`. Fails as a whole only when the indexes cannot be read; otherwise each
    /// offer and region has its report, and a failed one leaves its previous catalog.
    pub async fn update(
        &self,
        offers: &[&str],
        regions: &[&str],
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Vec<JobReport>, UpdateError> {
        for folder in [&self.catalogs, &self.downloads] {
            std::fs::create_dir_all(folder)
                .map_err(|error| UpdateError::io("create the folder", folder, error))?;
        }
        let index = discovery::offer_index(&self.client, &self.base).await?;
        let mut reports = Vec::new();
        for offer in offers {
            let Some(region_index_url) = index.get(*offer) else {
                for region in regions {
                    let url = discovery::offer_index_url(&self.base);
                    let error = UpdateError::UnknownOffer { offer: (*offer).to_owned(), url };
                    reports.push(JobReport {
                        offer: (*offer).to_owned(),
                        region: (*region).to_owned(),
                        outcome: Err(error),
                    });
                }
                continue;
            };
            let files = discovery::region_index(&self.client, &self.base, region_index_url).await?;
            for region in regions {
                let outcome = self.job(offer, region, &files, progress).await;
                reports.push(JobReport {
                    offer: (*offer).to_owned(),
                    region: (*region).to_owned(),
                    outcome,
                });
            }
        }
        Ok(reports)
    }

    /// One offer in one region.
    async fn job(
        &self,
        offer: &str,
        region: &str,
        files: &BTreeMap<String, String>,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Done, UpdateError> {
        let Some(url) = files.get(region) else {
            let mut known: Vec<&str> = files.keys().map(String::as_str).take(12).collect();
            if files.len() > known.len() {
                known.push("…");
            }
            return Err(UpdateError::UnknownRegion {
                offer: offer.to_owned(),
                region: region.to_owned(),
                known: known.join(", "),
            });
        };
        let version = discovery::version_of(url);
        let path = self.catalogs.join(format!("{offer}-{region}.tsv"));
        if let Ok(existing) = installed::read_catalog(&path, false)
            && existing.problem.is_none()
            && existing.url.as_deref() == Some(url.as_str())
        {
            return Ok(Done::UpToDate { path, url: url.clone(), version });
        }
        let cached = self.downloads.join(format!("{offer}-{region}-{version}.json"));
        self.forget_other_versions(offer, region, &cached);
        let fetched = {
            let mut resumed_from = None;
            let mut on_bytes = |done: u64, total: Option<u64>| {
                let resumed_from = *resumed_from.get_or_insert(done);
                progress(Progress::Downloading {
                    offer: offer.to_owned(),
                    region: region.to_owned(),
                    url: url.clone(),
                    done,
                    total,
                    resumed_from,
                });
            };
            download::download(&self.client, url, &cached, self.retries, &mut on_bytes).await?
        };
        progress(Progress::Reading { offer: offer.to_owned(), region: region.to_owned() });
        let prices = {
            let (file, offer, region, url) =
                (cached.clone(), offer.to_owned(), region.to_owned(), url.clone());
            tokio::task::spawn_blocking(move || read_offer_file(&file, &offer, &region, &url))
                .await
                .map_err(|error| UpdateError::io("read", &cached, std::io::Error::other(error)))?
        };
        let prices = match prices {
            Ok(prices) => prices,
            Err(error) => {
                if matches!(error, UpdateError::Malformed { .. } | UpdateError::NotAnOffer { .. }) {
                    let _ = std::fs::remove_file(&cached);
                }
                return Err(error);
            }
        };
        let Some(date) = publication_day(&prices) else {
            let _ = std::fs::remove_file(&cached);
            return Err(UpdateError::NotAnOffer {
                file: cached,
                url: url.clone(),
                problem: "has no publicationDate".into(),
            });
        };
        let header = writer::Header { source: SOURCE, date: &date, url };
        writer::write_catalog(&path, &header, &prices.rows)?;
        let _ = std::fs::remove_file(&cached);
        Ok(Done::Written {
            path,
            url: url.clone(),
            version,
            date,
            rows: prices.rows.len(),
            counts: prices.counts,
            downloaded: fetched.transferred,
        })
    }

    /// Deletes downloads of other versions of this offer and region: they will never be
    /// resumed, and an EC2 file is hundreds of MB.
    fn forget_other_versions(&self, offer: &str, region: &str, current: &Path) {
        let Ok(entries) = std::fs::read_dir(&self.downloads) else { return };
        let prefix = format!("{offer}-{region}-");
        let current_part = download::part_path(current);
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // `AmazonEC2-us-east-1-` must not take `AmazonEC2-us-east-1-bos-1-…`'s files:
            // what follows the prefix is a version and an extension.
            let ours = name.strip_prefix(&prefix).is_some_and(|rest| {
                let (version, extension) = rest.split_once('.').unwrap_or((rest, ""));
                version.bytes().all(|b| b.is_ascii_alphanumeric())
                    && matches!(extension, "json" | "json.part")
            });
            if ours && path != current && path != current_part {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// `YYYY-MM-DD` from `publicationDate`, else from a `YYYYMMDD…` version.
fn publication_day(prices: &OfferPrices) -> Option<String> {
    let is_day = |day: &str| {
        let bytes = day.as_bytes();
        bytes.len() == 10
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
    };
    let from_date = prices.publication_date.get(..10).filter(|day| is_day(day)).map(str::to_owned);
    from_date.or_else(|| {
        let version = prices.version.get(..8)?;
        let day = format!("{}-{}-{}", &version[..4], &version[4..6], &version[6..]);
        is_day(&day).then_some(day)
    })
}

#[cfg(test)]
mod tests {
    use super::offer_code;

    #[test]
    fn services_go_by_offer_code_or_friendly_name() {
        assert_eq!(offer_code("ec2").expect("ec2"), "AmazonEC2");
        assert_eq!(offer_code("amazonrds").expect("rds"), "AmazonRDS");
        assert_eq!(offer_code("ELB").expect("elb"), "AWSELB");
        let error = offer_code("glacier").expect_err("unknown").to_string();
        assert!(error.contains("the services are ec2, rds"), "{error}");
    }
}
