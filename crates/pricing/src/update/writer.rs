//! Writes a catalog file (`FORMAT.md`) so that there is never a half-written one: the rows
//! go to `<name>.tsv.partial`, which is flushed to disk and then renamed over `<name>.tsv`.
//! A reader sees the old file or the new one, never a mix; a crash leaves a `.partial` that
//! no reader opens and the next write replaces.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::UpdateError;
use super::parse::CatalogRow;
use crate::file::COLUMNS;

/// What a catalog file's header says.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub(crate) source: &'a str,
    pub(crate) date: &'a str,
    pub(crate) url: &'a str,
}

/// Writes `rows` (sorted) under `header` as `path`, replacing it whole.
pub(crate) fn write_catalog(
    path: &Path,
    header: &Header<'_>,
    rows: &[CatalogRow],
) -> Result<(), UpdateError> {
    let partial = partial_path(path);
    let written = write_partial(&partial, header, rows).and_then(|()| {
        std::fs::rename(&partial, path).map_err(|error| UpdateError::io("rename", &partial, error))
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
        return written;
    }
    sync_folder(path);
    Ok(())
}

/// `<name>.tsv.partial` next to `<name>.tsv`.
pub(crate) fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".partial");
    path.with_file_name(name)
}

fn write_partial(
    partial: &Path,
    header: &Header<'_>,
    rows: &[CatalogRow],
) -> Result<(), UpdateError> {
    let failed = |error| UpdateError::io("write", partial, error);
    let file = std::fs::File::create(partial).map_err(failed)?;
    let mut out = BufWriter::new(file);
    let mut text = format!(
        "# AgentDesk price catalog\n# source: {}\n# date: {}\n# url: {}\n{COLUMNS}\n",
        clean(header.source),
        clean(header.date),
        clean(header.url)
    );
    for row in rows {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            clean(&row.service),
            clean(&row.resource),
            clean(&row.region),
            clean(&row.unit),
            row.usd.normalize(),
            clean(&row.sku),
            clean(&row.note)
        ));
        if text.len() > 1 << 16 {
            out.write_all(text.as_bytes()).map_err(failed)?;
            text.clear();
        }
    }
    out.write_all(text.as_bytes()).map_err(failed)?;
    let file = out.into_inner().map_err(|error| failed(error.into_error()))?;
    file.sync_all().map_err(failed)
}

/// A field without tabs or line breaks, which would break the format.
fn clean(field: &str) -> String {
    field.replace(['\t', '\n', '\r'], " ")
}

/// Makes the rename itself durable where the platform allows it (a folder cannot be opened
/// for syncing on Windows; there the rename is as durable as the file system makes it).
fn sync_folder(path: &Path) {
    if let Some(folder) = path.parent()
        && let Ok(folder) = std::fs::File::open(folder)
    {
        let _ = folder.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use rust_decimal::Decimal;

    use super::{Header, partial_path, write_catalog};
    use crate::update::parse::CatalogRow;

    #[test]
    fn the_file_is_in_the_catalog_format_and_readable_by_the_catalog() {
        let folder = tempfile::tempdir().expect("temp");
        let path = folder.path().join("AmazonEC2-us-east-1.tsv");
        let row = CatalogRow {
            service: "ec2".into(),
            resource: "t3.micro".into(),
            region: "us-east-1".into(),
            unit: "instance-hour".into(),
            usd: Decimal::from_str("0.0104000000").expect("decimal"),
            sku: "DQ578CGN99KG6ECF".into(),
            note: "Linux,\tshared tenancy".into(),
        };
        let header = Header {
            source: "AWS Price List bulk files",
            date: "2026-12-01",
            url: "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/20261201120000/us-east-1/index.json",
        };
        write_catalog(&path, &header, &[row]).expect("written");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.ends_with(
            "ec2\tt3.micro\tus-east-1\tinstance-hour\t0.0104\tDQ578CGN99KG6ECF\tLinux, shared tenancy\n"
        ));
        assert!(!partial_path(&path).exists());
        let catalog =
            crate::Catalog::parse(&text, "AmazonEC2-us-east-1.tsv").expect("the catalog reads it");
        let price = catalog.price("ec2", "t3.micro", "us-east-1").expect("priced");
        assert_eq!(price.usd.to_string(), "0.0104");
        assert_eq!(catalog.source(price).date, "2026-12-01");
    }
}
