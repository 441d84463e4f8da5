//! AgentDesk's bundled AWS price catalog: dated on-demand list prices, each with its unit,
//! region and the page it is published on. The offline cost estimator prices from here when
//! no pricing MCP server is connected, and says so, with the catalog's date.
//!
//! Start at [`Catalog::bundled`] and [`Catalog::price`]; the data is `data/catalog.toml`
//! (its header says how it was compiled and what it lacks). This crate is a leaf: it depends
//! on no other AgentDesk crate.
#![deny(missing_docs)]

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The catalog file, compiled into the binary so estimates work offline.
const BUNDLED: &str = include_str!("../data/catalog.toml");

/// The units prices are quoted per.
pub const UNITS: &[&str] = &[
    "instance-hour",
    "node-hour",
    "load-balancer-hour",
    "gateway-hour",
    "LCU-hour",
    "NLCU-hour",
    "GB",
    "GB-month",
    "GB-second",
    "zone-month",
    "1000 requests",
    "10000 requests",
    "1000000 requests",
    "1000000 queries",
    "1000000 units",
    "1000000 characters",
    "1000000 tokens",
    "1000000 notifications",
    "metric-month",
    "alarm-month",
    "dashboard-month",
];

/// Hours in a month, as AWS's calculator counts them.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// One price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// The service (`ec2`, `s3`, `rds-mysql`…).
    pub service: String,
    /// What is priced (`t3.medium`, `standard-storage`, `alb-lcu`…).
    pub resource: String,
    /// The region, or `global` for services priced the same everywhere.
    pub region: String,
    /// What one unit is (one of [`UNITS`]).
    pub unit: String,
    /// US dollars per unit.
    pub usd: f64,
    /// The AWS page the price is published on.
    pub source: String,
    /// What the price covers (tier, tenancy, Single-AZ…).
    #[serde(default)]
    pub note: Option<String>,
}

/// The whole catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// When the catalog was compiled (`YYYY-MM-DD`).
    pub compiled: String,
    /// Always `USD`.
    pub currency: String,
    /// The prices.
    #[serde(rename = "price")]
    pub prices: Vec<Price>,
}

/// A catalog file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("the price catalog is not valid TOML of the expected shape: {0}")]
pub struct CatalogError(String);

impl Catalog {
    /// The catalog built into AgentDesk.
    pub fn bundled() -> Result<Catalog, CatalogError> {
        Self::parse(BUNDLED)
    }

    /// Reads a catalog from TOML text.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        toml_edit::de::from_str(text).map_err(|error| CatalogError(error.to_string()))
    }

    /// The price of `resource` of `service` in `region` (or its `global` price).
    pub fn price(&self, service: &str, resource: &str, region: &str) -> Option<&Price> {
        let find = |wanted: &str| {
            self.prices.iter().find(|price| {
                price.service == service && price.resource == resource && price.region == wanted
            })
        };
        find(region).or_else(|| find("global"))
    }

    /// The regions with prices.
    pub fn regions(&self) -> BTreeSet<&str> {
        self.prices
            .iter()
            .map(|price| price.region.as_str())
            .filter(|region| *region != "global")
            .collect()
    }

    /// The services with prices.
    pub fn services(&self) -> BTreeSet<&str> {
        self.prices.iter().map(|price| price.service.as_str()).collect()
    }

    /// What is wrong with the catalog: duplicates, unknown units, prices that are not
    /// positive, entries without an https source. Empty when it is sound.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for price in &self.prices {
            let key = format!("{}/{}/{}", price.service, price.resource, price.region);
            if !seen.insert(key.clone()) {
                problems.push(format!("{key} appears twice"));
            }
            if !UNITS.contains(&price.unit.as_str()) {
                problems.push(format!("{key}: unknown unit {:?}", price.unit));
            }
            if !(price.usd.is_finite() && price.usd > 0.0) {
                problems.push(format!("{key}: price {} is not a positive amount", price.usd));
            }
            if !price.source.starts_with("https://aws.amazon.com/") {
                problems
                    .push(format!("{key}: source {:?} is not an AWS pricing page", price.source));
            }
        }
        if self.currency != "USD" {
            problems.push(format!("currency is {:?}, not USD", self.currency));
        }
        let date = self.compiled.as_bytes();
        let dated = date.len() == 10 && date[4] == b'-' && date[7] == b'-';
        if !dated {
            problems.push(format!("compiled {:?} is not a YYYY-MM-DD date", self.compiled));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::Catalog;

    #[test]
    fn the_bundled_catalog_is_sound() {
        let catalog = Catalog::bundled().expect("the bundled catalog parses");
        assert_eq!(catalog.problems(), Vec::<String>::new());
        assert!(
            catalog.regions().contains("us-east-1") && catalog.regions().contains("ap-northeast-1")
        );
        for service in [
            "ec2",
            "ebs",
            "s3",
            "rds-mysql",
            "elb",
            "vpc",
            "cloudfront",
            "route53",
            "lambda",
            "api-gateway",
            "dynamodb",
            "cloudwatch",
            "translate",
            "bedrock",
        ] {
            assert!(catalog.services().contains(service), "{service} is missing");
        }
    }

    #[test]
    fn the_common_resources_are_priced_in_both_regions() {
        let catalog = Catalog::bundled().expect("catalog");
        for (service, resource) in [
            ("ec2", "t3.medium"),
            ("ec2", "t4g.small"),
            ("ebs", "gp3"),
            ("s3", "standard-storage"),
            ("elb", "alb"),
            ("rds-mysql", "db.t3.micro"),
            ("cloudfront", "transfer-out"),
            ("ec2", "m7g.large"),
            ("rds-postgresql", "db.t3.micro"),
            ("elasticache", "cache.t4g.micro"),
            ("sqs", "standard-requests"),
            ("sns", "publish-requests"),
            ("cloudwatch", "custom-metrics"),
            ("bedrock", "anthropic.claude-sonnet-4-5-input"),
        ] {
            let us = catalog.price(service, resource, "us-east-1").map(|price| price.usd);
            let tokyo = catalog.price(service, resource, "ap-northeast-1").map(|price| price.usd);
            assert!(us.is_some() && tokyo.is_some(), "{service}/{resource}");
            assert!(tokyo >= us, "Tokyo is not cheaper than N. Virginia for {service}/{resource}");
        }
        let zone = catalog.price("route53", "hosted-zone", "ap-northeast-1").expect("global price");
        assert_eq!(zone.region, "global");
    }

    #[test]
    fn problems_are_found() {
        let broken = Catalog::parse(
            r#"compiled = "someday"
currency = "JPY"
[[price]]
service = "ec2"
resource = "t3.micro"
region = "us-east-1"
unit = "fortnight"
usd = -1.0
source = "http://example.com"
[[price]]
service = "ec2"
resource = "t3.micro"
region = "us-east-1"
unit = "instance-hour"
usd = 0.0104
source = "https://aws.amazon.com/ec2/pricing/on-demand/"
"#,
        )
        .expect("parses");
        let problems = broken.problems();
        assert_eq!(problems.len(), 6, "{problems:?}");
        assert!(Catalog::parse("prices = 1").is_err());
    }
}
