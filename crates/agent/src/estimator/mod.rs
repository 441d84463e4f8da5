//! The offline cost estimator: a description (English or Japanese, as people type it) or a
//! structured spec → resources → prices from the catalogs ([`agentdesk_pricing::Catalog`]) →
//! the arithmetic as a Python script (run in the sandbox when it is installed) → a report in
//! the user's language.
//!
//! The rules that make an estimate trustworthy are kept in [`lines`]: a resource is priced
//! exactly as asked or listed in [`Estimate::not_priced`] with why and what is priced instead
//! (never substituted); a region named is the region priced or the headline says otherwise;
//! money is decimal, each line rounded to the cent, and the total is the sum of the lines.

mod build;
mod lines;
mod live;
mod offline;
mod parse;
mod report;
mod saved;
mod text;

use agentdesk_pricing::{Catalog, Decimal};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use build::{estimate, estimate_spec};
pub use live::{COST_ESTIMATION_TOOL, LivePrices, PRICING_TOOL};
pub use offline::{OfflineError, OfflineTurn, answer_offline, calculate};
pub use saved::{ComparedEstimate, Comparison, EstimateStore, SavedError, SavedEstimate};

/// One priced line of an estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Estimate.ts")]
pub struct EstimateItem {
    /// The service (`ec2`, `s3`…).
    pub service: String,
    /// What is priced (`t3.medium`, `standard-storage`…).
    pub resource: String,
    /// How many units a month.
    #[serde(with = "rust_decimal::serde::float")]
    #[ts(type = "number")]
    pub quantity: Decimal,
    /// The unit (`instance-hour`, `GB-month`…).
    pub unit: String,
    /// USD per unit.
    #[serde(with = "rust_decimal::serde::float")]
    #[ts(type = "number")]
    pub unit_price: Decimal,
    /// USD a month, rounded to the cent.
    #[serde(with = "rust_decimal::serde::float")]
    #[ts(type = "number")]
    pub monthly: Decimal,
    /// The catalog (or live server) this line's price came from.
    #[serde(default)]
    pub price_source: String,
    /// The date of that price (`YYYY-MM-DD`; `live` for a price asked just now).
    #[serde(default)]
    pub price_date: String,
    /// The Price List SKU, where the price has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sku: Option<String>,
}

/// Something the description asks for that is not priced: what, why, and what is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Estimate.ts")]
pub struct NotPriced {
    /// The words it was asked with.
    pub asked: String,
    /// Why it has no price, in the description's language.
    pub reason: String,
    /// The nearest priced alternatives, with their prices.
    #[serde(default)]
    pub alternatives: Vec<String>,
}

/// A catalog an estimate's prices came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "Estimate.ts")]
pub struct PriceSource {
    /// Its name.
    pub name: String,
    /// The date of its prices.
    pub date: String,
}

/// An estimate, as `agentdesk estimate --json` prints it (docs/cli.md shows the shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Estimate.ts")]
pub struct Estimate {
    /// The region priced (a code).
    pub region: String,
    /// The region as the description wrote it, when it named one (`Frankfurt`, `東京`).
    #[serde(default)]
    pub region_asked: Option<String>,
    /// The priced region's name, in the description's language.
    #[serde(default)]
    pub region_name: String,
    /// Why the region priced is not the one asked for, when it is not.
    #[serde(default)]
    pub region_note: Option<String>,
    /// Always `USD`.
    pub currency: String,
    /// The monthly total: the sum of the lines, to the cent.
    #[serde(with = "rust_decimal::serde::float")]
    #[ts(type = "number")]
    pub monthly_total: Decimal,
    /// One sentence: what was priced, where, for how much, and what was not.
    #[serde(default)]
    pub headline: String,
    /// The priced lines.
    pub items: Vec<EstimateItem>,
    /// What was asked for but not priced.
    #[serde(default)]
    pub not_priced: Vec<NotPriced>,
    /// What was assumed or read where the description was silent or unclear.
    pub assumptions: Vec<String>,
    /// Where the prices came from, in short (each line names its own).
    pub price_source: String,
    /// The oldest date among the prices used.
    pub price_date: String,
    /// Every catalog the lines used.
    #[serde(default)]
    pub price_sources: Vec<PriceSource>,
    /// How live prices from a pricing MCP server went, when one was asked: how many lines
    /// they priced, or the server's error and that the catalog's prices stand.
    #[serde(default)]
    pub price_note: Option<String>,
    /// Where the arithmetic ran: `sandbox` (the local one), `interpreter` (a remote code
    /// interpreter, named by `calculation_note`) or `host`.
    pub calculated_in: String,
    /// Why it ran on the host, when it did and there was something to calculate; the remote
    /// interpreter's name; or why the local sandbox stood in for the remote interpreter.
    #[serde(default)]
    pub calculation_note: Option<String>,
    /// The Python that does the arithmetic.
    pub calculation_script: String,
    /// The report, in the description's language.
    pub report_markdown: String,
}

/// Why there is no estimate.
#[derive(Debug, thiserror::Error)]
pub enum EstimateError {
    /// The default region (or a spec's region) is not an AWS region.
    #[error(
        "{region:?} is not an AWS region code; use one such as us-east-1, eu-central-1 or ap-northeast-1"
    )]
    UnknownRegion {
        /// The region asked for.
        region: String,
    },
    /// The catalog cannot be read.
    #[error(transparent)]
    Catalog(#[from] agentdesk_pricing::CatalogError),
    /// The sandbox's answer could not be read.
    #[error("the calculation in the sandbox gave an unreadable answer: {0}")]
    Calculation(String),
    /// A structured spec is malformed.
    #[error("the spec is not valid: {0}")]
    Spec(String),
}

/// A structured description, for precision: each resource with its quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The region (the default region when absent).
    #[serde(default)]
    pub region: Option<String>,
    /// The resources.
    pub resources: Vec<SpecResource>,
}

/// One resource of a spec. Hourly resources take `count` (default 1) and `hours` (default
/// 730); the others take `quantity` in the catalog's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecResource {
    /// The catalog's service (`ec2`, `rds-mysql`, `s3`…).
    pub service: String,
    /// The catalog's resource (`t3.medium`, `db.t3.micro`, `standard-storage`…).
    pub resource: String,
    /// How many (hourly resources).
    #[serde(default)]
    pub count: Option<Decimal>,
    /// Hours a month each runs (hourly resources).
    #[serde(default)]
    pub hours: Option<Decimal>,
    /// Units a month (other resources).
    #[serde(default)]
    pub quantity: Option<Decimal>,
    /// RDS: Multi-AZ (a standby doubles instance hours and storage).
    #[serde(default)]
    pub multi_az: bool,
    /// RDS: storage in GB (priced as the engine's gp2 storage).
    #[serde(default)]
    pub storage_gb: Option<Decimal>,
}

impl Spec {
    /// Reads a spec written as JSON (starting with `{`) or YAML.
    pub fn parse(text: &str) -> Result<Spec, EstimateError> {
        let parsed = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|error| format!("(JSON) {error}"))
        } else {
            serde_yaml_ng::from_str(text).map_err(|error| format!("(YAML) {error}"))
        };
        parsed.map_err(EstimateError::Spec)
    }
}

/// Whether text is Japanese (kana or kanji anywhere).
pub fn is_japanese(text: &str) -> bool {
    text.chars().any(|c| matches!(c as u32, 0x3040..=0x30FF | 0x4E00..=0x9FFF))
}

/// Whether the description asks for the cheapest option (the report then leads with savings).
pub fn wants_cheapest(description: &str) -> bool {
    parse::parse(description).wants_cheapest
}

impl Estimate {
    /// Takes the figures from the calculation script's output (run in the sandbox), which
    /// must agree with the lines: one figure a line, and a total that is their sum.
    pub fn apply_calculation(
        &mut self,
        output: &str,
        japanese: bool,
        wants_cheapest: bool,
    ) -> Result<(), EstimateError> {
        let value: serde_json::Value = serde_json::from_str(output.trim())
            .map_err(|error| EstimateError::Calculation(error.to_string()))?;
        let decimal = |figure: &serde_json::Value| {
            figure.as_str().and_then(|text| text.parse::<Decimal>().ok()).ok_or_else(|| {
                EstimateError::Calculation(format!("{figure} is not a decimal string"))
            })
        };
        let monthly = value["monthly"]
            .as_array()
            .ok_or_else(|| EstimateError::Calculation("no monthly list".into()))?;
        if monthly.len() != self.items.len() {
            return Err(EstimateError::Calculation(format!(
                "{} figures for {} items",
                monthly.len(),
                self.items.len()
            )));
        }
        let figures = monthly.iter().map(decimal).collect::<Result<Vec<_>, _>>()?;
        let total = decimal(&value["total"])?;
        if figures.iter().copied().sum::<Decimal>() != total {
            return Err(EstimateError::Calculation(format!("its lines do not add up to {total}")));
        }
        for (item, figure) in self.items.iter_mut().zip(figures) {
            item.monthly = lines::cents(figure);
        }
        self.monthly_total = lines::cents(total);
        self.calculated_in = "sandbox".into();
        self.calculation_note = None;
        self.refresh(japanese, wants_cheapest);
        Ok(())
    }

    /// Says that the arithmetic ran on the remote interpreter `name`.
    pub fn calculated_remotely(&mut self, name: &str, japanese: bool, wants_cheapest: bool) {
        self.calculated_in = "interpreter".into();
        self.calculation_note = Some(name.to_owned());
        self.refresh(japanese, wants_cheapest);
    }

    /// Says that the arithmetic ran in the local sandbox because the remote interpreter
    /// could not be reached (`why`).
    pub fn calculated_in_fallback(&mut self, why: &str, japanese: bool, wants_cheapest: bool) {
        self.calculated_in = "sandbox".into();
        self.calculation_note = Some(why.to_owned());
        self.refresh(japanese, wants_cheapest);
    }

    /// Says why the arithmetic ran on the host (when there was any to run).
    pub fn calculated_on_host(&mut self, english: &str, japanese_text: &str, description: &str) {
        if self.items.is_empty() {
            return;
        }
        let japanese = is_japanese(description);
        self.calculated_in = "host".into();
        self.calculation_note = Some(if japanese { japanese_text } else { english }.to_owned());
        self.refresh(japanese, wants_cheapest(description));
    }

    /// Sums the lines into the total and writes the script, sources, headline and report
    /// again (after the lines changed).
    pub(crate) fn refresh(&mut self, japanese: bool, wants_cheapest: bool) {
        self.monthly_total = lines::cents(self.items.iter().map(|item| item.monthly).sum());
        self.calculation_script = script(&self.items);
        let mut sources: Vec<PriceSource> = Vec::new();
        for item in &self.items {
            let source =
                PriceSource { name: item.price_source.clone(), date: item.price_date.clone() };
            if !sources.contains(&source) {
                sources.push(source);
            }
        }
        self.price_source = if sources.is_empty() {
            "bundled catalog".into()
        } else {
            sources.iter().map(|source| source.name.as_str()).collect::<Vec<_>>().join("; ")
        };
        if let Some(oldest) =
            sources.iter().map(|source| source.date.as_str()).filter(|date| *date != "live").min()
        {
            self.price_date = oldest.to_owned();
        }
        self.price_sources = sources;
        self.headline = report::headline(self, japanese);
        self.report_markdown = report::report(self, japanese, wants_cheapest);
    }
}

/// The catalog an estimate reads: the bundled one under what `agentdesk prices update` wrote
/// in `data_dir/prices`.
pub fn catalog_for(data_dir: &std::path::Path) -> Result<std::sync::Arc<Catalog>, EstimateError> {
    Ok(Catalog::for_folder(&data_dir.join("prices"))?)
}

/// The arithmetic as Python, in whole numbers (each figure as digits and a decimal scale, so
/// nothing is a float and no module has to be imported), rounded to the cent half away from
/// zero line by line: what runs in the sandbox, kept with the estimate.
fn script(items: &[EstimateItem]) -> String {
    let mut text = String::from(
        "# (service, resource, quantity per month, USD per unit), each as (digits, decimal places)\n\
         items = [\n",
    );
    for item in items {
        let (quantity, price) = (item.quantity.normalize(), item.unit_price.normalize());
        text.push_str(&format!(
            "    ({:?}, {:?}, ({}, {}), ({}, {})),  # {quantity} × {price}\n",
            item.service,
            item.resource,
            quantity.mantissa(),
            quantity.scale(),
            price.mantissa(),
            price.scale()
        ));
    }
    text.push_str(
        "]\n\n\
         def cents(quantity, price):\n\
         \x20   digits = quantity[0] * price[0]\n\
         \x20   places = quantity[1] + price[1]\n\
         \x20   if places <= 2:\n\
         \x20       return digits * 10 ** (2 - places)\n\
         \x20   unit = 10 ** (places - 2)\n\
         \x20   return (2 * digits + unit) // (2 * unit)\n\n\
         monthly = [cents(quantity, price) for _, _, quantity, price in items]\n\
         money = lambda c: \"%d.%02d\" % (c // 100, c % 100)\n\
         # JSON by hand: the figures are digits and a point, and `import json` costs the\n\
         # sandbox more than the arithmetic.\n\
         print('{\"monthly\": [%s], \"total\": \"%s\"}' % (\", \".join('\"%s\"' % money(c) for c in monthly), money(sum(monthly))))\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use agentdesk_pricing::{Catalog, Decimal};

    use super::{estimate, estimate_spec};

    fn total(description: &str, region: &str) -> (String, String) {
        let catalog = Catalog::bundled().expect("catalog");
        let made = estimate(&catalog, description, "us-east-1").expect("estimate");
        assert_eq!(made.region, region, "{description}");
        let sum: Decimal = made.items.iter().map(|item| item.monthly).sum();
        assert_eq!(sum, made.monthly_total, "{description}: the rows add up to the total");
        (made.monthly_total.to_string(), made.report_markdown)
    }

    /// Architectures with totals worked out by hand from the catalog's prices, each line
    /// rounded to the cent (half away from zero) before the total is summed.
    #[test]
    fn offline_estimates_match_hand_computed_totals_to_the_cent() {
        for (description, region, expected) in [
            // ALB 730×0.0225 = 16.425 → 16.43, LCU 730×0.008 = 5.84; EC2 1460×0.0416 = 60.736 →
            // 60.74; EBS 16×0.08 = 1.28; RDS MySQL 730×0.017 = 12.41 + 20×0.115 = 2.30.
            (
                "A web application with an ALB, 2 EC2 t3.medium instances and RDS MySQL in us-east-1",
                "us-east-1",
                "99.00",
            ),
            // S3 0.025 → 0.03, 0.0037 → 0, 0.00047 → 0; CloudFront 1.14 + 0.12; Route 53 0.90.
            (
                "パン屋のWebサイトをHTMLでなるべく安く作りたい。東京リージョンで",
                "ap-northeast-1",
                "2.19",
            ),
            // 0.023 → 0.02; 0.004 → 0; 0.0005 → 0; 0.85 + 0.10 + 0.50 + 0.40.
            ("A static website", "us-east-1", "1.87"),
            // 2190×0.0136 = 29.784 → 29.78; 24×0.096 = 2.304 → 2.30; NAT 45.26 + 0.62.
            ("東京で t3.micro を3台、NAT ゲートウェイ付き", "ap-northeast-1", "77.96"),
            // Multi-AZ: 1460×0.072 = 105.12 + 40×0.115 = 4.60.
            ("RDS PostgreSQL db.t3.medium Multi-AZ in us-east-1", "us-east-1", "109.72"),
            // Lambda 0.20 + 1M × 0.125 GB × 0.2 s = 25000 GB-s × 0.0000166667 = 0.4167 → 0.42
            // (128 MB is 0.125 GB, as AWS counts); S3 50×0.023 = 1.15.
            ("A Lambda function storing 50 GB in S3", "us-east-1", "1.77"),
            // Lambda 0.20 + 0.42; HTTP API 1.29; DynamoDB 0.715 → 0.72, 0.7125 → 0.71, 0.285 →
            // 0.29; CloudWatch Logs 3.80 + 0.165 → 0.17.
            (
                "東京リージョンでサーバーレスのAPI、CloudWatch でログを監視",
                "ap-northeast-1",
                "7.60",
            ),
            // ElastiCache 1460×0.052 = 75.92; SQS 0.40; SNS 0.50 + 0.60.
            (
                "2 cache.t3.small nodes, an SQS queue and SNS in ap-northeast-1",
                "ap-northeast-1",
                "77.42",
            ),
            // One cache.t4g.micro node: 730×0.025 = 18.25.
            ("東京で Redis のキャッシュを使いたい", "ap-northeast-1", "18.25"),
            // The issue's sentence: 730×0.0272 = 19.856 → 19.86; 8×0.096 = 0.768 → 0.77.
            ("東京リージョンでt3.smallを1台、24時間稼働させたい", "ap-northeast-1", "20.63"),
            // One instance, read once: 730×0.0104 = 7.592 → 7.59; 8×0.08 = 0.64.
            ("One EC2 t3.micro instance running 24/7", "us-east-1", "8.23"),
        ] {
            assert_eq!(total(description, region).0, expected, "{description}");
        }
    }

    #[test]
    fn nothing_is_ever_priced_as_something_else() {
        let catalog = Catalog::bundled().expect("catalog");
        let made = estimate(&catalog, "RDS MySQL db.m5.xlarge in us-east-1", "us-east-1")
            .expect("estimate");
        assert!(made.items.is_empty(), "{:?}", made.items);
        assert_eq!(made.monthly_total, Decimal::ZERO);
        assert!(made.headline.starts_with("Nothing could be priced"), "{}", made.headline);
        let entry = &made.not_priced[0];
        assert!(
            entry.alternatives.iter().any(|alternative| alternative.starts_with("db.m5.large")),
            "{entry:?}"
        );
        let negative_zero =
            estimate(&catalog, "an m7i.xlarge instance", "us-east-1").expect("estimate");
        assert!(!negative_zero.report_markdown.contains("$-"), "{}", negative_zero.report_markdown);
        let mistyped = estimate(&catalog, "t3.mirco in us-east-1", "us-east-1").expect("estimate");
        assert!(mistyped.items.is_empty());
        assert!(
            mistyped.not_priced[0].alternatives[0].starts_with("t3.micro"),
            "{:?}",
            mistyped.not_priced
        );
    }

    #[test]
    fn a_region_named_is_priced_or_the_headline_says_why_not() {
        let catalog = Catalog::bundled().expect("catalog");
        let frankfurt =
            estimate(&catalog, "2 t3.medium in Frankfurt", "us-east-1").expect("estimate");
        assert_eq!(
            (frankfurt.region.as_str(), frankfurt.region_asked.as_deref()),
            ("eu-central-1", Some("Frankfurt"))
        );
        assert_eq!(frankfurt.items[0].unit_price.to_string(), "0.048");
        let unknown =
            estimate(&catalog, "2 t3.medium in eu-central-9", "us-east-1").expect("estimate");
        assert_eq!(unknown.region, "us-east-1");
        assert!(
            unknown.headline.contains("“eu-central-9” is not an AWS region"),
            "{}",
            unknown.headline
        );
        let japanese = estimate(&catalog, "火星リージョンでt3.smallを2台", "ap-northeast-1")
            .expect("estimate");
        assert!(japanese.headline.contains("「火星リージョン」は"), "{}", japanese.headline);
        let error = estimate(&catalog, "2 t3.micro", "mars-1").expect_err("not a region");
        assert!(error.to_string().contains("\"mars-1\" is not an AWS region code"), "{error}");
    }

    #[test]
    fn the_report_speaks_the_description_language_and_says_what_it_assumed() {
        let (_, japanese) = total("パン屋のWebサイトをHTMLでなるべく安く作りたい", "us-east-1");
        assert!(japanese.contains("## AWS 料金の見積もり (us-east-1)"), "{japanese}");
        assert!(japanese.contains("| **合計** |"));
        assert!(japanese.contains("なるべく安くするなら"));
        let catalog = Catalog::bundled().expect("catalog");
        let english = estimate(&catalog, "2 EC2 t3.medium and EKS", "us-east-1").expect("estimate");
        assert!(english.assumptions.iter().any(|a| a.contains("8 GB gp3 root volume")));
        assert_eq!(english.not_priced[0].asked, "EKS");
        assert!(english.report_markdown.contains("Graviton (t4g)"));
        assert!(
            english.calculation_script.contains("# 1460 × 0.0416"),
            "{}",
            english.calculation_script
        );
    }

    #[test]
    fn a_spec_prices_exactly_what_it_lists() {
        let catalog = Catalog::bundled().expect("catalog");
        let spec = r#"{"region": "ap-northeast-1", "resources": [
            {"service": "ec2", "resource": "t4g.small", "count": 2},
            {"service": "rds-mysql", "resource": "db.t3.small", "multi_az": true, "storage_gb": 50},
            {"service": "s3", "resource": "standard-storage", "quantity": 100},
            {"service": "ec2", "resource": "t3.micro", "hours": 200}
        ]}"#;
        // 1460×0.0216 = 31.536 → 31.54; 1460×0.052 = 75.92 + 100×0.138 = 13.80; 2.50; 2.72.
        let made = estimate_spec(&catalog, spec, "us-east-1").expect("estimate");
        assert_eq!(made.monthly_total.to_string(), "126.48");
        assert_eq!(made.items.len(), 5);
        let yaml = "region: ap-northeast-1\nresources:\n  - {service: ec2, resource: t4g.small, count: 2}\n  - {service: rds-mysql, resource: db.t3.small, multi_az: true, storage_gb: 50}\n  - {service: s3, resource: standard-storage, quantity: 100}\n  - {service: ec2, resource: t3.micro, hours: 200}\n";
        assert_eq!(
            estimate_spec(&catalog, yaml, "us-east-1").expect("yaml").monthly_total.to_string(),
            "126.48"
        );
        let error = estimate_spec(
            &catalog,
            r#"{"resources": [{"service": "s3", "resource": "standard-storage"}]}"#,
            "us-east-1",
        )
        .expect_err("no quantity");
        assert!(
            error.to_string().contains("resources[0] (s3 standard-storage) needs a quantity"),
            "{error}"
        );
        let error = estimate_spec(&catalog, r#"{"resources": [], "colour": "blue"}"#, "us-east-1")
            .expect_err("unknown field");
        assert!(error.to_string().contains("unknown field `colour`"), "{error}");
        let unknown = estimate_spec(
            &catalog,
            r#"{"resources": [{"service": "ec2", "resource": "x9.huge", "count": 1}]}"#,
            "us-east-1",
        )
        .expect("estimate");
        assert!(unknown.items.is_empty());
        assert_eq!(unknown.not_priced[0].asked, "resources[0]: ec2 x9.huge");
    }

    #[test]
    fn saved_estimates_from_before_keep_what_they_did_not_price() {
        let folder = tempfile::tempdir().expect("temp");
        let old = r#"{"id": "est-00aa", "description": "x", "created_ms": 1, "estimate": {
            "region": "us-east-1", "currency": "USD", "monthly_total": 98.99, "items": [
              {"service": "ec2", "resource": "t3.medium", "quantity": 1460.0, "unit": "instance-hour", "unit_price": 0.0416, "monthly": 60.736}],
            "assumptions": [], "unrecognized": ["Aurora"], "price_source": "bundled catalog",
            "price_date": "2026-11-25", "calculated_in": "host", "calculation_script": "", "report_markdown": "old"}}"#;
        std::fs::write(folder.path().join("est-00aa.json"), old).expect("write");
        let saved = super::EstimateStore::new(folder.path()).get("est-00aa").expect("reads");
        assert_eq!(saved.estimate.monthly_total.to_string(), "98.99");
        assert_eq!(saved.estimate.not_priced[0].asked, "Aurora");
    }
}
