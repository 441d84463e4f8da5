//! Reads a regional offer file (`…/{offer}/{version}/{region}/index.json`) as a stream.
//!
//! The EC2 file for one region is hundreds of MB, most of it reserved terms. It is never
//! loaded whole: serde_json walks it from a buffered reader, `products` one product at a
//! time (each matched against the mapping and dropped), then `terms.OnDemand` one SKU at a
//! time, reading the price dimensions only of the SKUs kept; everything else (`Reserved`,
//! `attributesList`, unknown keys) is skipped with [`IgnoredAny`], which allocates nothing.
//! Memory is bounded by the kept SKUs and rows, not by the file.
//!
//! This relies on AWS's order: `products` before `terms`. A file in another order is refused
//! rather than read into memory.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::UpdateError;
use super::mapping::{self, Product, Rule, Target};

/// One price read from an offer file, keyed as the catalog keys it (`FORMAT.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRow {
    /// The catalog service (`ec2`, `rds-mysql-multi-az`…).
    pub service: String,
    /// What is priced (`t3.micro`, `gp3-storage`, `alb-lcu`…).
    pub resource: String,
    /// The region code.
    pub region: String,
    /// One of [`crate::UNITS`].
    pub unit: String,
    /// US dollars per unit, exactly as AWS publishes it (scaled to the catalog unit).
    pub usd: Decimal,
    /// The Price List SKU.
    pub sku: String,
    /// What the price covers, with the tier when the price is tiered.
    pub note: String,
}

/// What was read from an offer file.
#[derive(Debug, Clone)]
pub struct OfferPrices {
    /// `offerCode`.
    pub offer_code: String,
    /// `version` (`20261201120000`).
    pub version: String,
    /// `publicationDate` (`2026-12-01T12:00:00Z`).
    pub publication_date: String,
    /// The prices, sorted by service, resource and region.
    pub rows: Vec<CatalogRow>,
    /// What was read and left out.
    pub counts: Counts,
}

/// What a read kept and left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Products in the file.
    pub products: u64,
    /// Products some rule maps to a catalog key.
    pub kept: u64,
    /// Products no rule matches (other operating systems, tenancies, families…).
    pub unmatched: u64,
    /// Kept products with no usable on-demand price: only zero prices, or prices in a unit
    /// the rule does not know.
    pub unpriced: u64,
    /// Catalog keys priced by more than one product; the lowest SKU was kept.
    pub duplicates: u64,
}

/// Reads the offer file at `path` for `offer` in `region`. `url` is where it came from, for
/// the error messages.
pub fn read_offer_file(
    path: &Path,
    offer: &str,
    region: &str,
    url: &str,
) -> Result<OfferPrices, UpdateError> {
    let file = std::fs::File::open(path).map_err(|error| UpdateError::io("open", path, error))?;
    let reader = BufReader::with_capacity(1 << 16, file);
    let malformed = |source: serde_json::Error| {
        if source.is_io() {
            let error = std::io::Error::other(source.to_string());
            return UpdateError::io("read", path, error);
        }
        UpdateError::Malformed {
            file: path.to_owned(),
            url: url.to_owned(),
            line: source.line(),
            column: source.column(),
            source,
        }
    };
    let prices = read_offer(reader, offer, region).map_err(malformed)?;
    let not_an_offer = |problem: String| UpdateError::NotAnOffer {
        file: path.to_owned(),
        url: url.to_owned(),
        problem,
    };
    if prices.offer_code != offer {
        return Err(not_an_offer(format!("is for offer {:?}, not {offer}", prices.offer_code)));
    }
    Ok(prices)
}

/// Reads an offer file from `reader`; errors carry the line and column.
pub(crate) fn read_offer(
    reader: impl Read,
    offer: &str,
    region: &str,
) -> Result<OfferPrices, serde_json::Error> {
    let mut state = State {
        rules: mapping::rules_for(offer).unwrap_or_default(),
        region: region.to_owned(),
        ..State::default()
    };
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    OfferSeed(&mut state).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(state.finish())
}

#[derive(Default)]
struct State {
    rules: &'static [Rule],
    region: String,
    offer_code: Option<String>,
    version: Option<String>,
    publication_date: Option<String>,
    products_read: bool,
    /// SKU → where its price goes.
    kept: HashMap<String, Vec<Target>>,
    /// (service, resource, region) → the row, so rows come out sorted and each key once.
    rows: BTreeMap<(String, String, String), CatalogRow>,
    counts: Counts,
}

impl State {
    fn add_product(&mut self, product: Product) {
        self.counts.products += 1;
        let targets = mapping::targets(self.rules, &product, &self.region);
        if targets.is_empty() {
            self.counts.unmatched += 1;
        } else {
            self.counts.kept += 1;
            self.kept.insert(product.sku, targets);
        }
    }

    /// Prices `sku` from its on-demand terms.
    fn price(&mut self, sku: &str, terms: HashMap<String, Term>) {
        let Some(targets) = self.kept.remove(sku) else { return };
        let dimensions: Vec<Dimension> =
            terms.into_values().flat_map(|term| term.price_dimensions.into_values()).collect();
        let mut priced = false;
        for target in targets {
            let Some((usd, tier)) = first_paid_tier(&dimensions, target.rule) else { continue };
            priced = true;
            let note = [target.rule.note, tier.as_str()]
                .iter()
                .filter(|part| !part.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            let row = CatalogRow {
                service: target.service.to_owned(),
                resource: target.resource,
                region: target.region,
                unit: target.rule.unit.to_owned(),
                usd,
                sku: sku.to_owned(),
                note,
            };
            let key = (row.service.clone(), row.resource.clone(), row.region.clone());
            match self.rows.get(&key) {
                Some(existing) => {
                    self.counts.duplicates += 1;
                    if row.sku < existing.sku {
                        self.rows.insert(key, row);
                    }
                }
                None => {
                    self.rows.insert(key, row);
                }
            }
        }
        if !priced {
            self.counts.unpriced += 1;
        }
    }

    fn finish(mut self) -> OfferPrices {
        // Kept products that had no on-demand terms at all.
        self.counts.unpriced += self.kept.len() as u64;
        OfferPrices {
            offer_code: self.offer_code.unwrap_or_default(),
            version: self.version.unwrap_or_default(),
            publication_date: self.publication_date.unwrap_or_default(),
            rows: self.rows.into_values().collect(),
            counts: self.counts,
        }
    }
}

/// The price of the first paid tier in a unit `rule` knows, scaled to the catalog unit, with
/// a note naming the tier when the price is tiered.
fn first_paid_tier(dimensions: &[Dimension], rule: &Rule) -> Option<(Decimal, String)> {
    let tiered =
        dimensions.iter().filter(|d| rule.aws_units.contains(&d.unit.as_str())).count() > 1;
    dimensions
        .iter()
        .filter(|dimension| rule.aws_units.contains(&dimension.unit.as_str()))
        .filter_map(|dimension| {
            let usd = Decimal::from_str(dimension.price_per_unit.get("USD")?).ok()?;
            let begin = match &dimension.begin_range {
                Some(begin) => Decimal::from_str(begin).ok()?,
                None => Decimal::ZERO,
            };
            (usd > Decimal::ZERO).then_some((begin, usd, dimension))
        })
        .min_by_key(|(begin, _, _)| *begin)
        .map(|(begin, usd, dimension)| {
            let usd = (usd * Decimal::from(rule.per)).normalize();
            let end = dimension.end_range.as_deref().and_then(|end| Decimal::from_str(end).ok());
            let tier = if tiered || !begin.is_zero() || end.is_some() {
                tier_note(begin, end, &dimension.unit)
            } else {
                String::new()
            };
            (usd, tier)
        })
}

/// `first 50 TB a month`, `from 1 GB a month`, `10 TB to 50 TB a month`.
fn tier_note(begin: Decimal, end: Option<Decimal>, unit: &str) -> String {
    let amount = |value: Decimal| {
        let gigabytes = matches!(unit, "GB" | "GB-Mo");
        let tebibytes = Decimal::from(1024);
        if gigabytes && !value.is_zero() && (value % tebibytes).is_zero() {
            format!("{} TB", (value / tebibytes).normalize())
        } else if gigabytes {
            format!("{} GB", value.normalize())
        } else {
            let word = match unit {
                "Lambda-GB-Second" | "GB-Second" | "GB-Seconds" => "GB-seconds".to_owned(),
                other => other.to_lowercase(),
            };
            format!("{} {word}", value.normalize())
        }
    };
    match (begin.is_zero(), end) {
        (true, Some(end)) => format!("first {} a month", amount(end)),
        (true, None) => String::new(),
        (false, Some(end)) => format!("{} to {} a month", amount(begin), amount(end)),
        (false, None) => format!("from {} a month", amount(begin)),
    }
}

/// One on-demand term of a SKU (only what is read).
#[derive(Deserialize)]
struct Term {
    #[serde(rename = "priceDimensions", default)]
    price_dimensions: HashMap<String, Dimension>,
}

/// One price dimension of a term.
#[derive(Deserialize)]
struct Dimension {
    #[serde(default)]
    unit: String,
    #[serde(rename = "pricePerUnit", default)]
    price_per_unit: HashMap<String, String>,
    #[serde(rename = "beginRange", default)]
    begin_range: Option<String>,
    /// `Inf` (not a decimal, so read as none) or the end of the tier.
    #[serde(rename = "endRange", default)]
    end_range: Option<String>,
}

/// The whole file: `{"formatVersion": …, "products": {…}, "terms": {…}, …}`.
struct OfferSeed<'a>(&'a mut State);

impl<'de> DeserializeSeed<'de> for OfferSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OfferSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a Price List offer file (an object with products and terms)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.0;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "offerCode" => state.offer_code = Some(map.next_value()?),
                "version" => state.version = Some(map.next_value()?),
                "publicationDate" => state.publication_date = Some(map.next_value()?),
                "products" => {
                    map.next_value_seed(ProductsSeed(state))?;
                    state.products_read = true;
                }
                "terms" if !state.products_read => {
                    return Err(de::Error::custom(
                        "`terms` comes before `products`, which is not the order AWS publishes",
                    ));
                }
                "terms" => map.next_value_seed(TermsSeed(state))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !state.products_read {
            return Err(de::Error::custom("the file has no `products`"));
        }
        Ok(())
    }
}

/// `products`: SKU → product, matched one at a time.
struct ProductsSeed<'a>(&'a mut State);

impl<'de> DeserializeSeed<'de> for ProductsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ProductsSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object of products by SKU")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            let product: Product = map.next_value()?;
            self.0.add_product(product);
        }
        Ok(())
    }
}

/// `terms`: `OnDemand` is read, `Reserved` and anything else skipped.
struct TermsSeed<'a>(&'a mut State);

impl<'de> DeserializeSeed<'de> for TermsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TermsSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object of terms by kind (OnDemand, Reserved)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(kind) = map.next_key::<String>()? {
            if kind == "OnDemand" {
                map.next_value_seed(OnDemandSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `terms.OnDemand`: SKU → its terms, read only for the SKUs kept.
struct OnDemandSeed<'a>(&'a mut State);

impl<'de> DeserializeSeed<'de> for OnDemandSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OnDemandSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object of on-demand terms by SKU")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(sku) = map.next_key::<String>()? {
            if self.0.kept.contains_key(&sku) {
                let terms: HashMap<String, Term> = map.next_value()?;
                self.0.price(&sku, terms);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::{read_offer, tier_note};

    #[test]
    fn tiers_are_named_in_the_units_people_use() {
        let d = |text: &str| text.parse::<Decimal>().expect("decimal");
        assert_eq!(tier_note(d("0"), Some(d("51200")), "GB-Mo"), "first 50 TB a month");
        assert_eq!(tier_note(d("1"), Some(d("10240")), "GB"), "1 GB to 10 TB a month");
        assert_eq!(tier_note(d("1000000"), None, "Requests"), "from 1000000 requests a month");
        assert_eq!(tier_note(d("0"), None, "Hrs"), "");
    }

    #[test]
    fn terms_before_products_are_refused_with_the_position() {
        let text = r#"{"offerCode" : "AmazonEC2", "terms" : {}, "products" : {}}"#;
        let error = read_offer(text.as_bytes(), "AmazonEC2", "us-east-1").expect_err("refused");
        assert!(error.to_string().contains("`terms` comes before `products`"), "{error}");
        assert_eq!(error.line(), 1);
    }

    #[test]
    fn a_truncated_file_is_an_error_not_fewer_prices() {
        let text = r#"{"offerCode" : "AmazonEC2", "products" : {"A" : {"sku" : "A""#;
        let error = read_offer(text.as_bytes(), "AmazonEC2", "us-east-1").expect_err("refused");
        assert!(error.is_eof(), "{error}");
    }
}
