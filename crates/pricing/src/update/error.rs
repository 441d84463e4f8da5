//! What can go wrong while building a catalog, each saying what to do about it.

use std::path::PathBuf;

/// A catalog that could not be built. The catalog it would have replaced is left as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// The Price List could not be reached or stopped answering.
    #[error(
        "cannot fetch {url}; check the network connection (or AGENTDESK_PRICE_LIST_URL) and run the command again"
    )]
    Http {
        /// What was asked for.
        url: String,
        /// Why it failed.
        #[source]
        source: reqwest::Error,
    },
    /// The Price List answered with an error status.
    #[error(
        "{url} answered {status}; run the command again later, or check AGENTDESK_PRICE_LIST_URL"
    )]
    Status {
        /// What was asked for.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// A download stopped before the end; what arrived is kept for the next run.
    #[error(
        "the download of {url} stopped after {done} of {} bytes ({source}); run the command again to resume it from {}",
        total.map_or_else(|| "?".to_owned(), |total| total.to_string()),
        part.display()
    )]
    Interrupted {
        /// What was being downloaded.
        url: String,
        /// The bytes kept so far.
        done: u64,
        /// The file's size, when the server said.
        total: Option<u64>,
        /// Where the bytes so far are kept.
        part: PathBuf,
        /// Why it stopped.
        #[source]
        source: reqwest::Error,
    },
    /// A download ended cleanly but short of the size the server announced.
    #[error(
        "{url} ended after {done} of {total} bytes; run the command again to resume it from {}",
        part.display()
    )]
    Short {
        /// What was being downloaded.
        url: String,
        /// The bytes kept.
        done: u64,
        /// The size announced.
        total: u64,
        /// Where the bytes are kept.
        part: PathBuf,
    },
    /// An index (the offer index or a region index) is not what the Price List publishes.
    #[error("{url} is not a Price List index ({source}); check AGENTDESK_PRICE_LIST_URL")]
    Index {
        /// The index.
        url: String,
        /// What is wrong with it.
        #[source]
        source: serde_json::Error,
    },
    /// The offer index does not list this offer.
    #[error("the Price List at {url} has no offer {offer}")]
    UnknownOffer {
        /// The offer code.
        offer: String,
        /// The offer index read.
        url: String,
    },
    /// The offer has no file for this region.
    #[error("{offer} has no prices for region {region:?} (it has {known})")]
    UnknownRegion {
        /// The offer code.
        offer: String,
        /// The region asked for.
        region: String,
        /// Some regions it has.
        known: String,
    },
    /// A service name AgentDesk has no mapping for.
    #[error("no catalog can be built for {name:?} yet; the services are {known}")]
    UnknownService {
        /// The name given.
        name: String,
        /// The names that work.
        known: String,
    },
    /// A downloaded offer file is not valid JSON of the offer file's shape.
    #[error(
        "the offer file {} (from {url}) is malformed at line {line}, column {column}: {source}; it was deleted so that the next run downloads it again, and the previous catalog was kept",
        file.display()
    )]
    Malformed {
        /// The downloaded file.
        file: PathBuf,
        /// Where it came from.
        url: String,
        /// The line of the problem (1-based).
        line: usize,
        /// The column of the problem (1-based).
        column: usize,
        /// What the problem is.
        #[source]
        source: serde_json::Error,
    },
    /// A downloaded offer file is valid JSON but not the offer asked for, or lacks its date.
    #[error("the offer file {} (from {url}) {problem}; the previous catalog was kept", file.display())]
    NotAnOffer {
        /// The downloaded file.
        file: PathBuf,
        /// Where it came from.
        url: String,
        /// What is wrong.
        problem: String,
    },
    /// A file or folder could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`write`, `create the folder`…).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The Price List location given is not an http(s) URL.
    #[error("the Price List location {0:?} is not an http:// or https:// URL")]
    BaseUrl(String),
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

impl UpdateError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        UpdateError::Io { action, path: path.into(), source }
    }
}
