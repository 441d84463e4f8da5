//! The offline cost estimator: a description (or nothing but common phrasing) → resources →
//! prices from the bundled catalog → the arithmetic as a Python script (run in the sandbox
//! when it is installed) → a report in the user's language.

mod live;
mod offline;
mod parse;
mod saved;

use agentdesk_pricing::{Catalog, HOURS_PER_MONTH};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use live::{COST_ESTIMATION_TOOL, LivePrices, PRICING_TOOL};
pub use offline::{OfflineError, OfflineTurn, answer_offline, calculate_in_sandbox};
use parse::{Resource, parse};
pub use saved::{ComparedEstimate, Comparison, EstimateStore, SavedError, SavedEstimate};

/// One line of an estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Estimate.ts")]
pub struct EstimateItem {
    /// The service (`ec2`, `s3`…).
    pub service: String,
    /// What is priced (`t3.medium`, `standard-storage`…).
    pub resource: String,
    /// How many units a month.
    pub quantity: f64,
    /// The unit (`instance-hour`, `GB-month`…).
    pub unit: String,
    /// USD per unit.
    pub unit_price: f64,
    /// USD a month.
    pub monthly: f64,
}

/// An estimate, as `agentdesk estimate --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "Estimate.ts")]
pub struct Estimate {
    /// The region priced.
    pub region: String,
    /// Always `USD`.
    pub currency: String,
    /// The monthly total, to the cent.
    pub monthly_total: f64,
    /// The lines.
    pub items: Vec<EstimateItem>,
    /// What was assumed where the description was silent.
    pub assumptions: Vec<String>,
    /// What was named but could not be priced.
    pub unrecognized: Vec<String>,
    /// Where the prices came from.
    pub price_source: String,
    /// The date of those prices.
    pub price_date: String,
    /// How live prices from a pricing MCP server went, when one was asked: how many lines
    /// they priced, or the server's error and that the catalog's prices stand.
    #[serde(default)]
    pub price_note: Option<String>,
    /// Where the arithmetic ran: `sandbox` or `host`.
    pub calculated_in: String,
    /// The Python that does the arithmetic.
    pub calculation_script: String,
    /// The report, in the description's language.
    pub report_markdown: String,
}

/// Why there is no estimate.
#[derive(Debug, thiserror::Error)]
pub enum EstimateError {
    /// The bundled catalog has no prices for the region.
    #[error("there are no prices for {region}: the bundled catalog covers {covered}")]
    UnknownRegion {
        /// The region asked for.
        region: String,
        /// The regions it has.
        covered: String,
    },
    /// The bundled catalog is damaged.
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
    pub count: Option<f64>,
    /// Hours a month each runs (hourly resources).
    #[serde(default)]
    pub hours: Option<f64>,
    /// Units a month (other resources).
    #[serde(default)]
    pub quantity: Option<f64>,
    /// RDS: Multi-AZ doubles the price.
    #[serde(default)]
    pub multi_az: bool,
    /// RDS: storage in GB (priced as the engine's gp2 storage).
    #[serde(default)]
    pub storage_gb: Option<f64>,
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

/// Builds an estimate from a JSON or YAML spec, with no assumptions beyond what it says.
pub fn estimate_spec(spec_text: &str, default_region: &str) -> Result<Estimate, EstimateError> {
    let spec = Spec::parse(spec_text)?;
    let catalog = Catalog::bundled()?;
    let region = spec.region.clone().unwrap_or_else(|| default_region.to_owned());
    if !catalog.regions().contains(region.as_str()) {
        let covered: Vec<&str> = catalog.regions().into_iter().collect();
        return Err(EstimateError::UnknownRegion { region, covered: covered.join(" and ") });
    }
    let mut lines =
        Lines { catalog: &catalog, region: &region, items: Vec::new(), missing: Vec::new() };
    for (index, resource) in spec.resources.iter().enumerate() {
        let factor = if resource.multi_az { 2.0 } else { 1.0 };
        let hourly = catalog
            .price(&resource.service, &resource.resource, &region)
            .is_some_and(|price| price.unit.ends_with("-hour"));
        let quantity = if hourly {
            resource.count.unwrap_or(1.0) * resource.hours.unwrap_or(HOURS_PER_MONTH)
        } else {
            match resource.quantity {
                Some(quantity) => quantity,
                None if catalog.price(&resource.service, &resource.resource, &region).is_some() => {
                    return Err(EstimateError::Spec(format!(
                        "resources[{index}] ({} {}) needs a quantity",
                        resource.service, resource.resource
                    )));
                }
                None => 0.0,
            }
        };
        if !(quantity.is_finite() && quantity >= 0.0) {
            return Err(EstimateError::Spec(format!(
                "resources[{index}]: quantities must be positive numbers"
            )));
        }
        lines.add(&resource.service, &resource.resource, quantity, factor);
        if let Some(storage) = resource.storage_gb {
            lines.add(&resource.service, "gp2-storage", storage, factor);
        }
    }
    let (items, unrecognized) = (lines.items, lines.missing);
    let mut estimate = Estimate {
        region,
        currency: "USD".into(),
        monthly_total: cents(items.iter().map(|item| item.monthly).sum()),
        calculation_script: script(&items),
        items,
        assumptions: vec![
            "Hourly resources run 730 hours a month unless the spec says otherwise.".into(),
        ],
        unrecognized,
        price_source: "bundled catalog".into(),
        price_date: catalog.compiled.clone(),
        price_note: None,
        calculated_in: "host".into(),
        report_markdown: String::new(),
    };
    estimate.report_markdown = report(&estimate, false, false);
    Ok(estimate)
}

/// Whether text is Japanese (kana or kanji anywhere).
pub fn is_japanese(text: &str) -> bool {
    text.chars().any(|c| matches!(c as u32, 0x3040..=0x30FF | 0x4E00..=0x9FFF))
}

/// Builds an estimate from a description, pricing in `default_region` unless it names one.
/// The figures are computed on the host; [`Estimate::apply_calculation`] replaces them with the
/// sandbox's when the script has run there.
pub fn estimate(description: &str, default_region: &str) -> Result<Estimate, EstimateError> {
    let catalog = Catalog::bundled()?;
    let parsed = parse(description);
    let region = parsed.region.clone().unwrap_or_else(|| default_region.to_owned());
    if !catalog.regions().contains(region.as_str()) {
        let covered: Vec<&str> = catalog.regions().into_iter().collect();
        return Err(EstimateError::UnknownRegion { region, covered: covered.join(" and ") });
    }
    let japanese = is_japanese(description);
    let say = |english: &str, japanese_text: &str| {
        if japanese { japanese_text.to_owned() } else { english.to_owned() }
    };
    let mut lines =
        Lines { catalog: &catalog, region: &region, items: Vec::new(), missing: Vec::new() };
    let mut assumptions = vec![say(
        "Every resource runs all month: 730 hours.",
        "すべてのリソースが1か月(730時間)稼働すると仮定しています。",
    )];
    for resource in &parsed.resources {
        match resource {
            Resource::Ec2 { instance_type, count } => {
                let hours = f64::from(*count) * HOURS_PER_MONTH;
                lines.add("ec2", instance_type, hours, 1.0);
                lines.add("ebs", "gp3", 8.0 * f64::from(*count), 1.0);
                assumptions.push(say(
                    "An 8 GB gp3 root volume per EC2 instance.",
                    "EC2 インスタンスごとに 8 GB の gp3 ルートボリュームを想定しています。",
                ));
            }
            Resource::Rds { engine, class, multi_az } => {
                let service = format!("rds-{engine}");
                let factor = if *multi_az { 2.0 } else { 1.0 };
                lines.add(&service, class, HOURS_PER_MONTH, factor);
                lines.add(&service, "gp2-storage", 20.0, factor);
                assumptions.push(say(
                    "20 GB of gp2 database storage; no backups beyond the free allowance.",
                    "データベースのストレージは gp2 で 20 GB、無料枠を超えるバックアップはなしと仮定しています。",
                ));
                if *multi_az {
                    assumptions.push(say(
                        "Multi-AZ doubles instance and storage prices.",
                        "マルチ AZ はインスタンスとストレージの料金が2倍です。",
                    ));
                }
            }
            Resource::S3 { gigabytes } => lines.add("s3", "standard-storage", *gigabytes, 1.0),
            Resource::Cache { class, nodes } => {
                lines.add("elasticache", class, f64::from(*nodes) * HOURS_PER_MONTH, 1.0);
                assumptions.push(say(
                    "ElastiCache runs Redis OSS on on-demand nodes, without replicas beyond those named.",
                    "ElastiCache は Redis OSS のオンデマンドノードで、指定以外のレプリカはなしと仮定しています。",
                ));
            }
            fixed => {
                if let Some(usage) = typical_usage(fixed) {
                    for (service, resource, quantity) in usage.lines {
                        lines.add(service, resource, *quantity, 1.0);
                    }
                    assumptions.push(say(usage.english, usage.japanese));
                }
            }
        }
    }
    assumptions.dedup();
    assumptions.push(say(
        "No free tier, Savings Plans or reserved pricing.",
        "無料利用枠、Savings Plans、リザーブドの割引は含めていません。",
    ));
    let mut unrecognized = parsed.unrecognized.clone();
    unrecognized.extend(lines.missing.iter().cloned());
    if parsed.resources.is_empty() {
        unrecognized.push(description.trim().to_owned());
    }
    let items = lines.items;
    let monthly_total = cents(items.iter().map(|item| item.monthly).sum());
    let mut estimate = Estimate {
        region,
        currency: "USD".into(),
        monthly_total,
        calculation_script: script(&items),
        items,
        assumptions,
        unrecognized,
        price_source: "bundled catalog".into(),
        price_date: catalog.compiled.clone(),
        price_note: None,
        calculated_in: "host".into(),
        report_markdown: String::new(),
    };
    estimate.report_markdown = report(&estimate, japanese, parsed.wants_cheapest);
    Ok(estimate)
}

impl Estimate {
    /// Takes the figures from the calculation script's output (run in the sandbox).
    pub fn apply_calculation(
        &mut self,
        output: &str,
        japanese: bool,
        wants_cheapest: bool,
    ) -> Result<(), EstimateError> {
        let value: serde_json::Value = serde_json::from_str(output.trim())
            .map_err(|error| EstimateError::Calculation(error.to_string()))?;
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
        for (item, figure) in self.items.iter_mut().zip(monthly) {
            item.monthly = figure
                .as_f64()
                .ok_or_else(|| EstimateError::Calculation(format!("{figure} is not a number")))?;
        }
        self.monthly_total =
            value["total"].as_f64().ok_or_else(|| EstimateError::Calculation("no total".into()))?;
        self.calculated_in = "sandbox".into();
        self.report_markdown = report(self, japanese, wants_cheapest);
        Ok(())
    }
}

/// Whether the description asks for the cheapest option (the report then leads with savings).
pub fn wants_cheapest(description: &str) -> bool {
    parse(description).wants_cheapest
}

/// What a resource is assumed to use when the description gives no figures.
struct TypicalUsage {
    /// (service, resource, quantity a month in the catalog's unit).
    lines: &'static [(&'static str, &'static str, f64)],
    english: &'static str,
    japanese: &'static str,
}

/// The assumed usage of the resources a description names without figures.
fn typical_usage(resource: &Resource) -> Option<TypicalUsage> {
    let usage = |lines, english, japanese| Some(TypicalUsage { lines, english, japanese });
    match resource {
        Resource::LoadBalancer { network: false } => usage(
            &[("elb", "alb", HOURS_PER_MONTH), ("elb", "alb-lcu", HOURS_PER_MONTH)],
            "The load balancer uses 1 capacity unit (LCU) on average.",
            "ロードバランサーの平均使用量は 1 LCU と仮定しています。",
        ),
        Resource::LoadBalancer { network: true } => usage(
            &[("elb", "nlb", HOURS_PER_MONTH), ("elb", "nlb-lcu", HOURS_PER_MONTH)],
            "The load balancer uses 1 capacity unit (LCU) on average.",
            "ロードバランサーの平均使用量は 1 LCU と仮定しています。",
        ),
        Resource::NatGateway => usage(
            &[("vpc", "nat-gateway", HOURS_PER_MONTH), ("vpc", "nat-gateway-data", 10.0)],
            "10 GB a month through the NAT gateway.",
            "NAT ゲートウェイの通信量は月 10 GB と仮定しています。",
        ),
        Resource::StaticSite => usage(
            &[
                ("s3", "standard-storage", 1.0),
                ("s3", "get-requests", 10.0),
                ("s3", "put-requests", 0.1),
                ("cloudfront", "transfer-out", 10.0),
                ("cloudfront", "https-requests", 10.0),
                ("route53", "hosted-zone", 1.0),
                ("route53", "standard-queries", 1.0),
            ],
            "A static site on S3 behind CloudFront: 1 GB of files, 100,000 page requests and 10 GB served a month, 10,000 requests reaching S3, 100 uploads, one Route 53 zone with 1 million queries.",
            "静的サイトを S3 + CloudFront で配信: ファイル 1 GB、月 10 万リクエスト・10 GB の配信、S3 へのリクエスト 1 万回、アップロード 100 回、Route 53 のホストゾーン 1 つ(100 万クエリ)と仮定しています。",
        ),
        Resource::Lambda => usage(
            &[("lambda", "requests", 1.0), ("lambda", "x86-compute", 25_600.0)],
            "Lambda: 1 million requests a month, 128 MB, 200 ms each.",
            "Lambda は月 100 万リクエスト、128 MB、1回 200 ms と仮定しています。",
        ),
        Resource::ApiGateway => usage(
            &[("api-gateway", "http-api-requests", 1.0)],
            "API Gateway: an HTTP API with 1 million requests a month.",
            "API Gateway は HTTP API で月 100 万リクエストと仮定しています。",
        ),
        Resource::DynamoDb => usage(
            &[
                ("dynamodb", "write-request-units", 1.0),
                ("dynamodb", "read-request-units", 5.0),
                ("dynamodb", "storage", 1.0),
            ],
            "DynamoDB on-demand: 1 million writes and 5 million reads a month, 1 GB stored.",
            "DynamoDB はオンデマンドで月 100 万回の書き込み、500 万回の読み込み、保存 1 GB と仮定しています。",
        ),
        Resource::CloudWatchLogs => usage(
            &[("cloudwatch", "logs-ingestion", 5.0), ("cloudwatch", "logs-storage", 5.0)],
            "CloudWatch Logs: 5 GB ingested and kept a month.",
            "CloudWatch Logs は月 5 GB の取り込みと保存と仮定しています。",
        ),
        Resource::Queue => usage(
            &[("sqs", "standard-requests", 1.0)],
            "SQS: a standard queue with 1 million requests a month beyond the free million.",
            "SQS は標準キューで、無料枠を超えるリクエストが月 100 万回と仮定しています。",
        ),
        Resource::Notifications => usage(
            &[("sns", "publish-requests", 1.0), ("sns", "http-deliveries", 1.0)],
            "SNS: 1 million messages published and delivered to HTTPS endpoints a month.",
            "SNS は月 100 万件を発行し、HTTPS エンドポイントに配信すると仮定しています。",
        ),
        Resource::Ec2 { .. }
        | Resource::Rds { .. }
        | Resource::S3 { .. }
        | Resource::Cache { .. } => None,
    }
}

/// Lines being priced.
struct Lines<'a> {
    catalog: &'a Catalog,
    region: &'a str,
    items: Vec<EstimateItem>,
    missing: Vec<String>,
}

impl Lines<'_> {
    /// Adds `quantity` units of a resource; `factor` scales the unit price (Multi-AZ).
    fn add(&mut self, service: &str, resource: &str, quantity: f64, factor: f64) {
        match self.catalog.price(service, resource, self.region) {
            Some(price) => {
                let unit_price = price.usd * factor;
                self.items.push(EstimateItem {
                    service: service.to_owned(),
                    resource: resource.to_owned(),
                    quantity,
                    unit: price.unit.clone(),
                    unit_price,
                    monthly: quantity * unit_price,
                });
            }
            None => self.missing.push(format!(
                "{service} {resource} in {} (not in the bundled catalog)",
                self.region
            )),
        }
    }
}

fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// The arithmetic as Python: what runs in the sandbox, kept with the estimate.
fn script(items: &[EstimateItem]) -> String {
    let mut text = String::from(
        "import json\n\n# (service, resource, quantity per month, USD per unit)\nitems = [\n",
    );
    for item in items {
        text.push_str(&format!(
            "    ({:?}, {:?}, {:?}, {:?}),\n",
            item.service, item.resource, item.quantity, item.unit_price
        ));
    }
    text.push_str(
        "]\nmonthly = [quantity * price for _, _, quantity, price in items]\n\
         print(json.dumps({\"monthly\": monthly, \"total\": round(sum(monthly), 2)}))\n",
    );
    text
}

/// A unit price with the digits it has (0.0416, 0.023), at least cents.
fn unit_money(amount: f64) -> String {
    let text = format!("{amount:.10}");
    let trimmed = text.trim_end_matches('0');
    let decimals = trimmed.split('.').nth(1).map_or(0, str::len);
    if decimals < 2 { format!("${amount:.2}") } else { format!("${trimmed}") }
}

fn money(amount: f64) -> String {
    if amount != 0.0 && amount.abs() < 0.01 {
        format!("${amount:.4}")
    } else {
        format!("${amount:.2}")
    }
}

fn report(estimate: &Estimate, japanese: bool, wants_cheapest: bool) -> String {
    let t = |english: &str, japanese_text: &str| {
        if japanese { japanese_text.to_owned() } else { english.to_owned() }
    };
    let mut out =
        format!("## {} ({})\n\n", t("AWS cost estimate", "AWS 料金の見積もり"), estimate.region);
    if estimate.items.is_empty() {
        out.push_str(&t(
            "Nothing in the description could be priced. Name the services, for example: \"an ALB, 2 EC2 t3.medium and RDS MySQL in us-east-1\", or \"a static HTML site\".\n",
            "説明から料金を出せるリソースが見つかりませんでした。例:「ALB と EC2 t3.medium 2台と RDS MySQL を東京リージョンで」「HTML の静的サイト」\n",
        ));
    } else {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n|---|---|---:|---|---:|---:|\n",
            t("Service", "サービス"),
            t("Resource", "リソース"),
            t("Quantity", "数量"),
            t("Unit", "単位"),
            t("Unit price", "単価"),
            t("Monthly", "月額"),
        ));
        for item in &estimate.items {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                item.service,
                item.resource,
                trim_number(item.quantity),
                item.unit,
                unit_money(item.unit_price),
                money(item.monthly)
            ));
        }
        out.push_str(&format!(
            "| **{}** | | | | | **{}** |\n",
            t("Total", "合計"),
            money(estimate.monthly_total)
        ));
    }
    let where_ = if estimate.calculated_in == "sandbox" {
        t("calculated in the Python sandbox", "計算は Python サンドボックスで実行")
    } else {
        t(
            "calculated on this machine (the Python sandbox is not installed)",
            "計算はこのマシン上で実行(Python サンドボックスは未インストール)",
        )
    };
    out.push_str(&format!(
        "\n{} {} ({}); {}.\n",
        t("Prices:", "価格:"),
        t(
            "AgentDesk's bundled catalog of AWS on-demand list prices",
            "AgentDesk 同梱の AWS オンデマンド定価カタログ"
        ),
        t(
            &format!("compiled {}, check before relying on it", estimate.price_date),
            &format!("{} 作成。利用前に確認してください", estimate.price_date)
        ),
        where_
    ));
    if let Some(note) = &estimate.price_note {
        out.push_str(&format!("\n{note}\n"));
    }
    if !estimate.assumptions.is_empty() {
        out.push_str(&format!("\n### {}\n", t("Assumptions", "前提")));
        for assumption in &estimate.assumptions {
            out.push_str(&format!("- {assumption}\n"));
        }
    }
    if !estimate.unrecognized.is_empty() {
        out.push_str(&format!("\n### {}\n", t("Not priced", "見積もりに含めていないもの")));
        for item in &estimate.unrecognized {
            out.push_str(&format!("- {item}\n"));
        }
    }
    out.push_str(&format!("\n### {}\n", t("Points to discuss", "検討ポイント")));
    let has_x86 =
        estimate.items.iter().any(|item| item.service == "ec2" && item.resource.starts_with("t3."));
    if has_x86 {
        out.push_str(&t(
            "- Graviton (t4g) instances cost about 20% less than t3 for the same size.\n",
            "- 同じサイズなら Graviton(t4g)インスタンスは t3 より約 20% 安くなります。\n",
        ));
    }
    if wants_cheapest {
        out.push_str(&t(
            "- For the lowest cost, check the free tier and a 1-year Savings Plan; a static site on S3 + CloudFront needs no servers at all.\n",
            "- なるべく安くするなら、無料利用枠と 1 年の Savings Plans を確認してください。静的サイトなら S3 + CloudFront でサーバーは不要です。\n",
        ));
    }
    out.push_str(&t(
        "- Data transfer and request volumes are assumptions: give real figures for a closer estimate.\n",
        "- 通信量とリクエスト数は仮定です。実際の値を教えていただければ精度が上がります。\n",
    ));
    out
}

fn trim_number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::{cents, estimate};

    /// Architectures with totals worked out by hand from the catalog's prices.
    #[test]
    fn offline_estimates_match_hand_computed_totals_to_the_cent() {
        let cases: &[(&str, &str, f64)] = &[
            // ALB 730×0.0225 + 730×0.008 = 22.265; 2×730×0.0416 = 60.736; EBS 16×0.08 = 1.28;
            // RDS MySQL db.t3.micro 730×0.017 = 12.41 + 20×0.115 = 2.30. Total 98.991.
            (
                "A web application with an ALB, 2 EC2 t3.medium instances and RDS MySQL in us-east-1",
                "us-east-1",
                98.99,
            ),
            // S3 1×0.025 + 10×0.00037 + 0.1×0.0047 = 0.02917; CloudFront 10×0.114 + 10×0.012 = 1.26;
            // Route 53 0.50 + 0.40 = 0.90. Total 2.18917.
            (
                "パン屋のWebサイトをHTMLでなるべく安く作りたい。東京リージョンで",
                "ap-northeast-1",
                2.19,
            ),
            // Same site priced in us-east-1: 0.023 + 0.004 + 0.0005 + 0.85 + 0.10 + 0.90 = 1.8775.
            ("A static website", "us-east-1", 1.88),
            // 3×730×0.0136 = 29.784 + 24×0.096 = 2.304; NAT 730×0.062 + 10×0.062 = 45.88. Total 77.968.
            ("東京で t3.micro を3台、NAT ゲートウェイ付き", "ap-northeast-1", 77.97),
            // PostgreSQL db.t3.medium Multi-AZ: 730×0.144 = 105.12 + 20×0.23 = 4.60. Total 109.72.
            ("RDS PostgreSQL db.t3.medium Multi-AZ in us-east-1", "us-east-1", 109.72),
            // Lambda 1×0.20 + 25600×0.0000166667 = 0.62667; 50 GB S3 ×0.023 = 1.15. Total 1.77667.
            ("A Lambda function storing 50 GB in S3", "us-east-1", 1.78),
            // Lambda 0.62667 (as above); HTTP API 1×1.29; DynamoDB 1×0.715 + 5×0.1425 + 1×0.285
            // = 1.7125; CloudWatch Logs 5×0.76 + 5×0.033 = 3.965. Total 7.59417.
            ("東京リージョンでサーバーレスのAPI、CloudWatch でログを監視", "ap-northeast-1", 7.59),
            // ElastiCache 2×730×0.052 = 75.92; SQS 1×0.40; SNS 1×0.50 + 1×0.60. Total 77.42.
            (
                "2 cache.t3.small nodes, an SQS queue and SNS in ap-northeast-1",
                "ap-northeast-1",
                77.42,
            ),
            // One cache.t4g.micro node in Tokyo: 730×0.025 = 18.25.
            ("東京で Redis のキャッシュを使いたい", "ap-northeast-1", 18.25),
        ];
        for (description, region, total) in cases {
            let estimate = estimate(description, "us-east-1").expect("estimate");
            assert_eq!(estimate.region, *region, "{description}");
            assert_eq!(estimate.monthly_total, *total, "{description}: {:#?}", estimate.items);
            assert_eq!(cents(estimate.items.iter().map(|item| item.monthly).sum()), *total);
        }
    }

    #[test]
    fn the_report_speaks_the_description_language_and_says_what_it_assumed() {
        let japanese = estimate("パン屋のWebサイトをHTMLでなるべく安く作りたい", "ap-northeast-1")
            .expect("estimate");
        assert!(
            japanese.report_markdown.contains("## AWS 料金の見積もり (ap-northeast-1)"),
            "{}",
            japanese.report_markdown
        );
        assert!(japanese.report_markdown.contains("| **合計** |"));
        assert!(japanese.report_markdown.contains("なるべく安くするなら"));
        let english = estimate("2 EC2 t3.medium and Aurora", "us-east-1").expect("estimate");
        assert!(english.assumptions.iter().any(|a| a.contains("8 GB gp3 root volume")));
        assert_eq!(english.unrecognized, ["Aurora"]);
        assert!(english.report_markdown.contains("Graviton (t4g)"));
        assert!(english.calculation_script.contains("(\"ec2\", \"t3.medium\", 1460.0, 0.0416)"));
    }

    #[test]
    fn a_spec_prices_exactly_what_it_lists() {
        let spec = r#"{"region": "ap-northeast-1", "resources": [
            {"service": "ec2", "resource": "t4g.small", "count": 2},
            {"service": "rds-mysql", "resource": "db.t3.small", "multi_az": true, "storage_gb": 50},
            {"service": "s3", "resource": "standard-storage", "quantity": 100},
            {"service": "ec2", "resource": "t3.micro", "hours": 200}
        ]}"#;
        // 2×730×0.0216 = 31.536; 730×0.104 = 75.92 + 50×0.276 = 13.80; 100×0.025 = 2.50;
        // 200×0.0136 = 2.72. Total 126.476.
        let estimate = super::estimate_spec(spec, "us-east-1").expect("estimate");
        assert_eq!(estimate.monthly_total, 126.48);
        assert_eq!(estimate.items.len(), 5);
        let error = super::estimate_spec(
            r#"{"resources": [{"service": "s3", "resource": "standard-storage"}]}"#,
            "us-east-1",
        )
        .expect_err("no quantity");
        assert!(
            error.to_string().contains("resources[0] (s3 standard-storage) needs a quantity"),
            "{error}"
        );
        let error = super::estimate_spec(r#"{"resources": [], "colour": "blue"}"#, "us-east-1")
            .expect_err("unknown field");
        assert!(error.to_string().contains("unknown field `colour`"), "{error}");
        let unknown = super::estimate_spec(
            r#"{"resources": [{"service": "ec2", "resource": "x9.huge", "count": 1}]}"#,
            "us-east-1",
        )
        .expect("estimate");
        assert_eq!(unknown.unrecognized, ["ec2 x9.huge in us-east-1 (not in the bundled catalog)"]);
    }

    #[test]
    fn a_yaml_spec_prices_the_same_as_its_json() {
        let yaml = "\
region: ap-northeast-1
resources:
  - {service: ec2, resource: t4g.small, count: 2}
  - service: rds-mysql
    resource: db.t3.small
    multi_az: true
    storage_gb: 50
  - {service: s3, resource: standard-storage, quantity: 100}
  - {service: ec2, resource: t3.micro, hours: 200}
";
        let estimate = super::estimate_spec(yaml, "us-east-1").expect("estimate");
        assert_eq!(estimate.monthly_total, 126.48);
        let error =
            super::estimate_spec("resources:\n  - service: s3\n    colour: blue\n", "us-east-1")
                .expect_err("unknown field");
        assert!(error.to_string().contains("(YAML)"), "{error}");
        assert!(error.to_string().contains("colour"), "{error}");
    }

    #[test]
    fn unit_prices_keep_their_digits() {
        assert_eq!(super::unit_money(0.023), "$0.023");
        assert_eq!(super::unit_money(0.0416), "$0.0416");
        assert_eq!(super::unit_money(0.5), "$0.50");
        assert_eq!(super::unit_money(15.0), "$15.00");
    }

    #[test]
    fn what_cannot_be_priced_is_said_plainly() {
        let nothing = estimate("a blockchain on the moon", "us-east-1").expect("estimate");
        assert!(nothing.items.is_empty());
        assert_eq!(nothing.unrecognized, ["a blockchain on the moon"]);
        assert!(nothing.report_markdown.contains("Nothing in the description could be priced"));
        let large_cache = estimate("cache.r6g.large in Tokyo", "us-east-1").expect("estimate");
        assert!(large_cache.unrecognized.is_empty(), "{:?}", large_cache.unrecognized);
        let aurora = estimate("Aurora in Tokyo", "us-east-1").expect("estimate");
        assert!(aurora.unrecognized.contains(&"Aurora".to_owned()), "{:?}", aurora.unrecognized);
        let error = estimate("2 t3.micro", "eu-west-1").expect_err("no prices");
        assert!(error.to_string().contains("us-east-1"), "{error}");
    }
}
