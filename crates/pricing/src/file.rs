//! Reading one catalog file (`FORMAT.md`): the header, then a price a line.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::UNITS;

/// The column line every catalog file has after its header.
pub(crate) const COLUMNS: &str = "service\tresource\tregion\tunit\tusd\tsku\tnote";

/// A catalog file's header.
#[derive(Debug, Default)]
pub(crate) struct Header {
    pub(crate) source: Option<String>,
    pub(crate) date: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) licence: Option<String>,
}

/// One row as read.
#[derive(Debug)]
pub(crate) struct Row<'a> {
    pub(crate) service: &'a str,
    pub(crate) resource: &'a str,
    pub(crate) region: &'a str,
    pub(crate) unit: &'a str,
    pub(crate) usd: Decimal,
    pub(crate) sku: &'a str,
    pub(crate) note: &'a str,
}

/// What one line of a file's header is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeaderLine {
    /// A `# …` line (a `# key: value` one is kept in the header).
    Comment,
    /// The column line: the header ends here.
    Columns,
    /// Neither: the file is not a catalog.
    Other,
}

/// Reads one header line into `header`.
pub(crate) fn read_header_line(header: &mut Header, line: &str) -> HeaderLine {
    if line == COLUMNS {
        return HeaderLine::Columns;
    }
    let Some(comment) = line.strip_prefix('#') else { return HeaderLine::Other };
    if let Some((key, value)) = comment.trim().split_once(": ") {
        let value = Some(value.trim().to_owned());
        match key {
            "source" => header.source = value,
            "date" => header.date = value,
            "url" => header.url = value,
            "licence" => header.licence = value,
            _ => {}
        }
    }
    HeaderLine::Comment
}

/// Reads a file's text: its header and rows, or what is wrong, with the line number.
pub(crate) fn read(text: &str) -> Result<(Header, Vec<Row<'_>>), String> {
    let mut header = Header::default();
    let mut lines = text.lines().enumerate();
    loop {
        let Some((index, line)) = lines.next() else {
            return Err(format!("no `{}` column line", COLUMNS.replace('\t', " ")));
        };
        match read_header_line(&mut header, line) {
            HeaderLine::Columns => break,
            HeaderLine::Comment => {}
            HeaderLine::Other => {
                return Err(format!(
                    "line {}: expected a `# key: value` header line or the column line",
                    index + 1
                ));
            }
        }
    }
    let date = header.date.as_deref().unwrap_or_default();
    if !is_date(date) {
        return Err(format!("the header's date {date:?} is not a YYYY-MM-DD date"));
    }
    if header.source.as_deref().is_none_or(str::is_empty) {
        return Err("the header names no source".into());
    }
    let mut rows = Vec::new();
    for (index, line) in lines {
        if line.is_empty() {
            continue;
        }
        rows.push(row(line).map_err(|problem| format!("line {}: {problem}", index + 1))?);
    }
    Ok((header, rows))
}

fn row(line: &str) -> Result<Row<'_>, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [service, resource, region, unit, usd, sku, note] = fields[..] else {
        return Err(format!("{} fields, not 7", fields.len()));
    };
    if !UNITS.contains(&unit) {
        return Err(format!("unknown unit {unit:?}"));
    }
    let plain = !usd.is_empty() && usd.chars().all(|c| c.is_ascii_digit() || c == '.');
    let usd = Decimal::from_str(usd)
        .ok()
        .filter(|_| plain)
        .ok_or_else(|| format!("{usd:?} is not a plain decimal price"))?;
    if usd <= Decimal::ZERO {
        return Err(format!("price {usd} is not positive"));
    }
    if service.is_empty() || resource.is_empty() || region.is_empty() {
        return Err("service, resource and region must not be empty".into());
    }
    Ok(Row { service, resource, region, unit, usd, sku, note })
}

/// The catalog files (`*.tsv`) in `folder`, sorted by name; none when it does not exist.
pub(crate) fn catalog_paths(folder: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "tsv"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Whether `text` is a `YYYY-MM-DD` date.
pub(crate) fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn a_file_is_read_with_its_header() {
        let text = "# AgentDesk price catalog\n# source: test\n# date: 2026-12-02\n\
                    service\tresource\tregion\tunit\tusd\tsku\tnote\n\
                    ec2\tt3.micro\tus-east-1\tinstance-hour\t0.0104\tSKU1\tLinux\n";
        let (header, rows) = read(text).expect("reads");
        assert_eq!(header.source.as_deref(), Some("test"));
        assert_eq!(rows[0].usd.to_string(), "0.0104");
        assert_eq!(rows[0].sku, "SKU1");
    }

    #[test]
    fn problems_name_the_line() {
        let head =
            "# source: test\n# date: 2026-12-02\nservice\tresource\tregion\tunit\tusd\tsku\tnote\n";
        for (row, problem) in [
            ("ec2\tt3.micro\tus-east-1\tfortnight\t1\t\t", "line 4: unknown unit \"fortnight\""),
            ("ec2\tt3.micro\tus-east-1\tinstance-hour\t0\t\t", "line 4: price 0 is not positive"),
            ("ec2\tt3.micro\tus-east-1\tinstance-hour\t-1\t\t", "is not a plain decimal price"),
            ("ec2\tt3.micro\tus-east-1\tinstance-hour\t1e-3\t\t", "is not a plain decimal price"),
            ("ec2\tt3.micro", "line 4: 2 fields, not 7"),
        ] {
            let error = read(&format!("{head}{row}\n")).expect_err(row);
            assert!(error.contains(problem), "{error}");
        }
        assert!(
            read("# source: x\n# date: someday\nservice\tresource\tregion\tunit\tusd\tsku\tnote\n")
                .is_err()
        );
        assert!(read("# date: 2026-01-01\n").is_err());
    }
}
