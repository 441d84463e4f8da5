//! The catalog: every price file layered into one lookup, freshest file first.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::file;

/// The files compiled into the binary, so estimates work offline.
const BUNDLED: &[(&str, &str)] = &[
    ("hand-compiled.tsv", include_str!("../data/hand-compiled.tsv")),
    ("ec2-sparecores.tsv", include_str!("../data/ec2-sparecores.tsv")),
];

/// Where a price came from: one catalog file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogSource {
    /// What the file says it is (`AWS Price List bulk files`, `sparecores-data 0.1.0 …`).
    pub name: String,
    /// The date of its prices (`YYYY-MM-DD`).
    pub date: String,
    /// Where its prices were read from.
    pub url: Option<String>,
    /// The data's licence, where it has one.
    pub licence: Option<String>,
    /// The file: a bundled file's name, or the path of one `prices update` wrote.
    pub file: String,
    /// Whether it is compiled into AgentDesk (rather than built on this machine).
    pub bundled: bool,
}

/// One price.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    /// The service (`ec2`, `rds-mysql`…; `FORMAT.md` lists them).
    pub service: String,
    /// What is priced (`t3.medium`, `standard-storage`…).
    pub resource: String,
    /// The region code, or `global` for prices that are the same everywhere.
    pub region: String,
    /// What one unit is (one of [`crate::UNITS`]).
    pub unit: String,
    /// US dollars per unit.
    pub usd: Decimal,
    /// The Price List SKU, where the price came from the Price List.
    pub sku: Option<String>,
    /// What the price covers (tier, tenancy, Single-AZ…).
    pub note: Option<String>,
    source: usize,
}

/// A catalog that cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the price catalog {file} cannot be read: {problem}")]
pub struct CatalogError {
    /// The file.
    pub file: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Every price AgentDesk can use offline.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    sources: Vec<CatalogSource>,
    /// service → resource → that resource's prices (one per region).
    prices: HashMap<String, HashMap<String, Vec<Price>>>,
    skipped: Vec<CatalogError>,
}

static BUNDLED_CATALOG: LazyLock<Result<Arc<Catalog>, CatalogError>> = LazyLock::new(|| {
    let mut catalog = Catalog::default();
    for (name, text) in BUNDLED {
        catalog.add_file(text, name, true)?;
    }
    Ok(Arc::new(catalog))
});

/// Catalogs already read for a folder, with the files they were read from.
type Cached = (Vec<(PathBuf, SystemTime, u64)>, Arc<Catalog>);
static BY_FOLDER: LazyLock<Mutex<HashMap<PathBuf, Cached>>> = LazyLock::new(Mutex::default);

impl Catalog {
    /// The catalog built into AgentDesk.
    pub fn bundled() -> Result<Arc<Catalog>, CatalogError> {
        BUNDLED_CATALOG.clone()
    }

    /// The bundled catalog under the files `agentdesk prices update` wrote in `folder`
    /// (`<data folder>/prices`; absent is fine). Read again only when those files change. A
    /// damaged file is skipped and named in [`Catalog::skipped`].
    pub fn for_folder(folder: &Path) -> Result<Arc<Catalog>, CatalogError> {
        let bundled = Self::bundled()?;
        let files = catalog_files(folder);
        if files.is_empty() {
            return Ok(bundled);
        }
        let mut cache = BY_FOLDER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((seen, catalog)) = cache.get(folder)
            && *seen == files
        {
            return Ok(catalog.clone());
        }
        let mut catalog = (*bundled).clone();
        for (path, _, _) in &files {
            let name = path.display().to_string();
            let added = std::fs::read_to_string(path)
                .map_err(|error| CatalogError { file: name.clone(), problem: error.to_string() })
                .and_then(|text| catalog.add_file(&text, &name, false));
            if let Err(error) = added {
                catalog.skipped.push(error);
            }
        }
        let catalog = Arc::new(catalog);
        cache.insert(folder.to_owned(), (files, catalog.clone()));
        Ok(catalog)
    }

    /// Reads one file's text into a catalog of its own (for checks and tests).
    pub fn parse(text: &str, name: &str) -> Result<Catalog, CatalogError> {
        let mut catalog = Catalog::default();
        catalog.add_file(text, name, false)?;
        Ok(catalog)
    }

    fn add_file(&mut self, text: &str, name: &str, bundled: bool) -> Result<(), CatalogError> {
        let fail = |problem: String| CatalogError { file: name.to_owned(), problem };
        let (header, rows) = file::read(text).map_err(fail)?;
        let source = CatalogSource {
            name: header.source.unwrap_or_default(),
            date: header.date.unwrap_or_default(),
            url: header.url,
            licence: header.licence,
            file: name.to_owned(),
            bundled,
        };
        let index = self.sources.len();
        self.sources.push(source);
        let mut seen = std::collections::HashSet::new();
        for row in rows {
            if !seen.insert((row.service, row.resource, row.region)) {
                self.sources.pop();
                return Err(fail(format!(
                    "{} {} in {} is priced twice",
                    row.service, row.resource, row.region
                )));
            }
            let price = Price {
                service: row.service.to_owned(),
                resource: row.resource.to_owned(),
                region: row.region.to_owned(),
                unit: row.unit.to_owned(),
                usd: row.usd,
                sku: Some(row.sku.to_owned()).filter(|sku| !sku.is_empty()),
                note: Some(row.note.to_owned()).filter(|note| !note.is_empty()),
                source: index,
            };
            self.insert(price);
        }
        Ok(())
    }

    /// Keeps `price` unless a fresher file already priced the same thing.
    fn insert(&mut self, price: Price) {
        let by_region = self
            .prices
            .entry(price.service.clone())
            .or_default()
            .entry(price.resource.clone())
            .or_default();
        match by_region.iter_mut().find(|kept| kept.region == price.region) {
            Some(kept) if self.sources[kept.source].date <= self.sources[price.source].date => {
                *kept = price;
            }
            Some(_) => {}
            None => by_region.push(price),
        }
    }

    /// The price of `resource` of `service` in `region` (or its `global` price).
    pub fn price(&self, service: &str, resource: &str, region: &str) -> Option<&Price> {
        let by_region = self.prices.get(service)?.get(resource)?;
        by_region
            .iter()
            .find(|price| price.region == region)
            .or_else(|| by_region.iter().find(|price| price.region == "global"))
    }

    /// The file a price came from.
    pub fn source(&self, price: &Price) -> &CatalogSource {
        &self.sources[price.source]
    }

    /// Every file read, bundled first.
    pub fn sources(&self) -> &[CatalogSource] {
        &self.sources
    }

    /// Files in the folder that could not be read, and why (their prices are not used).
    pub fn skipped(&self) -> &[CatalogError] {
        &self.skipped
    }

    /// The regions where `resource` of `service` has a price, sorted.
    pub fn regions_with(&self, service: &str, resource: &str) -> Vec<&str> {
        let mut regions: Vec<&str> = self
            .prices
            .get(service)
            .and_then(|resources| resources.get(resource))
            .map(|prices| prices.iter().map(|price| price.region.as_str()).collect())
            .unwrap_or_default();
        regions.sort_unstable();
        regions
    }

    /// Whether the catalog has any price for `service` in `region`.
    pub fn covers(&self, service: &str, region: &str) -> bool {
        self.resources_in(service, region).next().is_some()
    }

    /// The prices of `service` in `region` (global ones included), in no particular order.
    pub fn resources_in<'a>(
        &'a self,
        service: &str,
        region: &'a str,
    ) -> impl Iterator<Item = &'a Price> + 'a {
        self.prices.get(service).into_iter().flat_map(move |resources| {
            resources.values().filter_map(move |prices| {
                prices.iter().find(|price| price.region == region || price.region == "global")
            })
        })
    }

    /// The regions with any price, sorted.
    pub fn regions(&self) -> Vec<&str> {
        let mut regions: Vec<&str> = self
            .prices
            .values()
            .flat_map(HashMap::values)
            .flatten()
            .map(|price| price.region.as_str())
            .filter(|region| *region != "global")
            .collect();
        regions.sort_unstable();
        regions.dedup();
        regions
    }

    /// The services with prices, sorted.
    pub fn services(&self) -> Vec<&str> {
        let mut services: Vec<&str> = self.prices.keys().map(String::as_str).collect();
        services.sort_unstable();
        services
    }

    /// The resources of `service` priced in `region` that are closest to `asked` (which is
    /// not priced there): for instance types and classes, the same family's other sizes and
    /// the same size in neighbouring families; otherwise the names that differ least.
    /// At most `limit`, best first.
    pub fn nearest<'a>(
        &'a self,
        service: &str,
        asked: &str,
        region: &'a str,
        limit: usize,
    ) -> Vec<&'a Price> {
        let mut scored: Vec<(u32, &Price)> = self
            .resources_in(service, region)
            .map(|price| (distance(asked, &price.resource), price))
            .collect();
        scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.resource.cmp(&b.1.resource)));
        scored.into_iter().take(limit).map(|(_, price)| price).collect()
    }
}

/// The catalog files in a folder, with their modification times and sizes, sorted by name.
fn catalog_files(folder: &Path) -> Vec<(PathBuf, SystemTime, u64)> {
    file::catalog_paths(folder)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|path| {
            let metadata = std::fs::metadata(&path).ok()?;
            Some((path, metadata.modified().ok()?, metadata.len()))
        })
        .collect()
}

/// How far apart two resource names are, for suggesting alternatives: names of the shape
/// `[prefix.]family.size` compare by family and size; anything else by edit distance.
fn distance(asked: &str, candidate: &str) -> u32 {
    match (split_type(asked), split_type(candidate)) {
        (Some((asked_family, asked_size)), Some((family, size))) => {
            let size_gap = match (size_rank(asked_size), size_rank(size)) {
                (Some(asked_rank), Some(rank)) => asked_rank.abs_diff(rank),
                // A size that is no size (`mirco`): the spelling that differs least.
                _ => edit_distance(asked_size, size) * 2,
            };
            if family == asked_family {
                // The same family's neighbouring sizes first.
                size_gap
            } else {
                let family_gap = family_distance(asked_family, family);
                100 + family_gap * 10 + size_gap
            }
        }
        _ => 1000 + edit_distance(asked, candidate),
    }
}

/// `db.m5.large` → (`m5`, `large`); `t3.micro` → (`t3`, `micro`).
fn split_type(name: &str) -> Option<(&str, &str)> {
    let name = name.strip_prefix("db.").or_else(|| name.strip_prefix("cache.")).unwrap_or(name);
    let (family, size) = name.split_once('.')?;
    (!family.is_empty() && !size.is_empty() && !size.contains('.')).then_some((family, size))
}

/// Sizes in order: nano < micro < small < medium < large < xlarge < 2xlarge < …
fn size_rank(size: &str) -> Option<u32> {
    match size {
        "nano" => Some(0),
        "micro" => Some(1),
        "small" => Some(2),
        "medium" => Some(3),
        "large" => Some(4),
        "xlarge" => Some(5),
        other if other.starts_with("metal") => Some(40),
        other => other
            .strip_suffix("xlarge")
            .and_then(|multiple| multiple.parse::<u32>().ok())
            .filter(|multiple| *multiple > 0)
            .map(|multiple| 5 + multiple.ilog2() * 2),
    }
}

/// Families compare by their class letters first (`m` with `m`), then generation and the
/// rest: `m5` is nearer `m6g` than `r5`.
fn family_distance(asked: &str, family: &str) -> u32 {
    let letters =
        |name: &str| name.chars().take_while(char::is_ascii_alphabetic).collect::<String>();
    let generation = |name: &str| {
        name.chars()
            .skip_while(char::is_ascii_alphabetic)
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
            .unwrap_or(0)
    };
    let class_gap = if letters(asked) == letters(family) { 0 } else { 5 };
    class_gap + generation(asked).abs_diff(generation(family)) + edit_distance(asked, family).min(3)
}

/// Levenshtein distance, for short names.
fn edit_distance(a: &str, b: &str) -> u32 {
    u32::try_from(strsim::levenshtein(a, b)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::{Catalog, edit_distance};

    #[test]
    fn the_bundled_catalog_reads_and_covers_what_users_meet() {
        let catalog = Catalog::bundled().expect("the bundled catalog reads");
        assert!(catalog.skipped().is_empty());
        for region in ["us-east-1", "ap-northeast-1", "eu-central-1", "ap-northeast-3"] {
            assert!(catalog.covers("ec2", region), "no EC2 prices in {region}");
        }
        for service in [
            "ec2",
            "ebs",
            "s3",
            "rds-mysql",
            "rds-postgresql",
            "elb",
            "vpc",
            "cloudfront",
            "route53",
            "lambda",
            "api-gateway",
            "dynamodb",
            "cloudwatch",
            "bedrock",
            "elasticache",
            "sqs",
            "sns",
        ] {
            assert!(catalog.services().contains(&service), "{service} is missing");
        }
        // Spot checks against AWS's published prices (LESSONS.md).
        for (service, resource, region, usd) in [
            ("ec2", "t3.micro", "us-east-1", "0.0104"),
            ("ec2", "t3.medium", "us-east-1", "0.0416"),
            ("ec2", "m5.large", "us-east-1", "0.096"),
            ("ec2", "m7i.xlarge", "us-east-1", "0.2016"),
            ("ec2", "t3.medium", "eu-central-1", "0.048"),
            ("ec2", "t3.small", "ap-northeast-1", "0.0272"),
            ("rds-mysql", "db.m5.large", "us-east-1", "0.171"),
            ("rds-postgresql", "db.m5.large", "us-east-1", "0.178"),
        ] {
            let price = catalog.price(service, resource, region).expect(resource);
            assert_eq!(price.usd.normalize().to_string(), usd, "{service} {resource} {region}");
        }
        let zone = catalog.price("route53", "hosted-zone", "ap-northeast-1").expect("global");
        assert_eq!(zone.region, "global");
    }

    #[test]
    fn the_freshest_file_wins_and_each_price_names_its_file() {
        let mut catalog = Catalog::parse(
            "# source: old\n# date: 2024-02-01\nservice\tresource\tregion\tunit\tusd\tsku\tnote\n\
             ec2\tt3.micro\tus-east-1\tinstance-hour\t0.01\t\t\n\
             ec2\tt3.small\tus-east-1\tinstance-hour\t0.02\t\t\n",
            "old.tsv",
        )
        .expect("reads");
        catalog
            .add_file(
                "# source: new\n# date: 2026-12-01\nservice\tresource\tregion\tunit\tusd\tsku\tnote\n\
                 ec2\tt3.micro\tus-east-1\tinstance-hour\t0.0104\tABC\t\n",
                "new.tsv",
                false,
            )
            .expect("reads");
        let micro = catalog.price("ec2", "t3.micro", "us-east-1").expect("priced");
        assert_eq!(
            (micro.usd.to_string().as_str(), catalog.source(micro).name.as_str()),
            ("0.0104", "new")
        );
        let small = catalog.price("ec2", "t3.small", "us-east-1").expect("priced");
        assert_eq!(catalog.source(small).date, "2024-02-01");
        let duplicate = Catalog::parse(
            "# source: x\n# date: 2026-12-01\nservice\tresource\tregion\tunit\tusd\tsku\tnote\n\
             ec2\tt3.micro\tus-east-1\tinstance-hour\t1\t\t\nec2\tt3.micro\tus-east-1\tinstance-hour\t2\t\t\n",
            "dup.tsv",
        );
        assert!(duplicate.expect_err("twice").problem.contains("priced twice"));
    }

    #[test]
    fn a_damaged_file_in_the_folder_is_skipped_and_named() {
        let folder = tempfile_folder();
        std::fs::write(folder.join("broken.tsv"), "not a catalog").expect("write");
        std::fs::write(
            folder.join("AmazonEC2-eu-central-1.tsv"),
            "# source: AWS Price List bulk files\n# date: 2026-12-01\n\
             service\tresource\tregion\tunit\tusd\tsku\tnote\n\
             ec2\tt3.medium\teu-central-1\tinstance-hour\t0.048\tSKU\tLinux\n",
        )
        .expect("write");
        let catalog = Catalog::for_folder(&folder).expect("reads");
        assert_eq!(catalog.skipped().len(), 1);
        assert!(catalog.skipped()[0].file.ends_with("broken.tsv"));
        let price = catalog.price("ec2", "t3.medium", "eu-central-1").expect("priced");
        assert_eq!(price.sku.as_deref(), Some("SKU"));
        assert!(!catalog.source(price).bundled);
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[test]
    fn alternatives_are_the_nearest_priced_ones() {
        let catalog = Catalog::bundled().expect("reads");
        let nearest: Vec<&str> = catalog
            .nearest("ec2", "t3.mirco", "us-east-1", 2)
            .iter()
            .map(|price| price.resource.as_str())
            .collect();
        assert_eq!(nearest.len(), 2);
        let classes: Vec<&str> = catalog
            .nearest("rds-mysql", "db.m5.xlarge", "us-east-1", 2)
            .iter()
            .map(|price| price.resource.as_str())
            .collect();
        assert_eq!(classes.first(), Some(&"db.m5.large"), "{classes:?}");
        assert_eq!(edit_distance("lamda", "lambda"), 1);
    }

    fn tempfile_folder() -> std::path::PathBuf {
        let folder =
            std::env::temp_dir().join(format!("agentdesk-pricing-test-{}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("folder");
        folder
    }
}
