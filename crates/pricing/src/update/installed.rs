//! The catalogs already in a folder: their headers and row counts, read a line at a time.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::UpdateError;
use crate::file::{Header, HeaderLine, read_header_line};

/// A catalog file found in the catalogs folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledCatalog {
    /// The file.
    pub path: PathBuf,
    /// Its header's `source`.
    pub source: Option<String>,
    /// Its header's `date` (`YYYY-MM-DD`).
    pub date: Option<String>,
    /// Its header's `url`: for a catalog built from the Price List, the offer file it was
    /// built from, whose path carries the offer's version.
    pub url: Option<String>,
    /// How many prices it has.
    pub rows: u64,
    /// What is wrong with it, when it is not a catalog file.
    pub problem: Option<String>,
}

/// The `*.tsv` catalogs in `folder`, by file name. A folder that does not exist has none.
pub fn installed_catalogs(folder: &Path) -> Result<Vec<InstalledCatalog>, UpdateError> {
    let paths = crate::file::catalog_paths(folder)
        .map_err(|error| UpdateError::io("list", folder, error))?;
    paths
        .into_iter()
        .map(|path| read_catalog(&path, true).map_err(|error| UpdateError::io("read", path, error)))
        .collect()
}

/// Reads `path`'s header, and counts its rows when `count` is set.
pub(crate) fn read_catalog(path: &Path, count: bool) -> std::io::Result<InstalledCatalog> {
    let file = std::fs::File::open(path)?;
    let mut found = InstalledCatalog {
        path: path.to_owned(),
        source: None,
        date: None,
        url: None,
        rows: 0,
        problem: Some("it has no column line".into()),
    };
    let mut lines = BufReader::new(file).lines();
    let mut header = Header::default();
    for line in lines.by_ref() {
        let line = line?;
        match read_header_line(&mut header, &line) {
            HeaderLine::Columns => {
                found.problem = None;
                break;
            }
            HeaderLine::Comment => {}
            HeaderLine::Other => {
                found.problem =
                    Some(format!("{line:?} is neither a header line nor the column line"));
                break;
            }
        }
    }
    found.source = header.source;
    found.date = header.date;
    found.url = header.url;
    if found.problem.is_none() && count {
        for line in lines {
            if !line?.is_empty() {
                found.rows += 1;
            }
        }
    }
    Ok(found)
}
