//! Pricing lines: the one place the estimator's rules are kept. A line is priced from the
//! catalog exactly as asked, or it is not priced and says why, naming the nearest priced
//! alternatives; nothing is ever priced as something else. Money is decimal and each line is
//! rounded to the cent before the total is summed, so the rows add up to the total.

use agentdesk_pricing::{Catalog, Decimal, Price};
use rust_decimal::RoundingStrategy;

use super::{EstimateItem, NotPriced};

/// A line of money rounded to the cent, never negative zero.
pub(crate) fn cents(amount: Decimal) -> Decimal {
    let rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    if rounded.is_zero() { Decimal::ZERO } else { rounded }
}

/// Words in the description's language.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Say {
    pub(crate) japanese: bool,
}

impl Say {
    pub(crate) fn pick(self, english: &str, japanese: &str) -> String {
        if self.japanese { japanese.to_owned() } else { english.to_owned() }
    }
}

/// Lines being priced in one region.
#[derive(Debug)]
pub(crate) struct Lines<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) region: &'a str,
    pub(crate) say: Say,
    pub(crate) items: Vec<EstimateItem>,
    pub(crate) not_priced: Vec<NotPriced>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(catalog: &'a Catalog, region: &'a str, say: Say) -> Self {
        Lines { catalog, region, say, items: Vec::new(), not_priced: Vec::new() }
    }

    /// Prices `quantity` units of `resource` of `service`, or records it as not priced,
    /// under the words it was `asked` with. Returns whether it was priced.
    pub(crate) fn add(
        &mut self,
        service: &str,
        resource: &str,
        quantity: Decimal,
        asked: &str,
    ) -> bool {
        match self.catalog.price(service, resource, self.region) {
            Some(price) => {
                self.items.push(item(self.catalog, price, quantity));
                true
            }
            None => {
                let not_priced = self.why_not(service, resource, asked);
                if !self.not_priced.contains(&not_priced) {
                    self.not_priced.push(not_priced);
                }
                false
            }
        }
    }

    /// Records something named that has no price at all.
    pub(crate) fn refuse(&mut self, asked: &str, reason: String, alternatives: Vec<String>) {
        let entry = NotPriced { asked: asked.to_owned(), reason, alternatives };
        if !self.not_priced.contains(&entry) {
            self.not_priced.push(entry);
        }
    }

    /// Why `resource` of `service` has no price in the region, and what does.
    fn why_not(&self, service: &str, resource: &str, asked: &str) -> NotPriced {
        let region = self.region;
        let name = format!("{} {resource}", service_name(service));
        let elsewhere = self.catalog.regions_with(service, resource);
        let nearest = self.catalog.nearest(service, resource, region, 3);
        let mut alternatives: Vec<String> =
            nearest.iter().map(|price| describe(price, self.say)).collect();
        let reason = if !elsewhere.is_empty() {
            let listed = elsewhere.iter().take(4).copied().collect::<Vec<_>>().join(", ");
            let more = if elsewhere.len() > 4 {
                format!(" (+{})", elsewhere.len() - 4)
            } else {
                String::new()
            };
            for other in elsewhere.iter().take(2) {
                if let Some(price) = self.catalog.price(service, resource, other) {
                    alternatives.push(describe(price, self.say));
                }
            }
            self.say.pick(
                &format!("{name} has no offline price in {region}; the catalog has it in {listed}{more}"),
                &format!("{name} は {region} のオフライン価格がありません(カタログにあるのは {listed}{more})"),
            )
        } else if nearest.is_empty() {
            // Nothing of the service here: what the catalog prices nearest in the first regions
            // it covers the service in.
            let covered = self
                .catalog
                .regions()
                .into_iter()
                .filter(|other| self.catalog.covers(service, other));
            for other in covered.take(2) {
                for price in self.catalog.nearest(service, resource, other, 2) {
                    alternatives.push(describe(price, self.say));
                }
            }
            self.say.pick(
                &format!(
                    "the offline catalog has no {} prices for {region}",
                    service_name(service)
                ),
                &format!(
                    "オフラインのカタログには {region} の {} の価格がありません",
                    service_name(service)
                ),
            )
        } else {
            let priced: Vec<&str> =
                nearest.iter().take(2).map(|price| price.resource.as_str()).collect();
            self.say.pick(
                &format!(
                    "{resource} is not in the offline catalog for {region}; {} are",
                    priced.join(" and ")
                ),
                &format!(
                    "{resource} は {region} のオフラインのカタログにありません({} はあります)",
                    priced.join("、")
                ),
            )
        };
        let hint = self.say.pick(
            "; a pricing MCP server or `agentdesk prices update` gives a live price",
            "。料金 MCP サーバーか `agentdesk prices update` で最新の価格を取得できます",
        );
        NotPriced { asked: asked.to_owned(), reason: format!("{reason}{hint}"), alternatives }
    }
}

/// A priced line.
fn item(catalog: &Catalog, price: &Price, quantity: Decimal) -> EstimateItem {
    let source = catalog.source(price);
    EstimateItem {
        service: price.service.clone(),
        resource: price.resource.clone(),
        quantity,
        unit: price.unit.clone(),
        unit_price: price.usd,
        monthly: cents(quantity * price.usd),
        price_source: source.name.clone(),
        price_date: source.date.clone(),
        sku: price.sku.clone(),
    }
}

/// `db.m6g.large in us-east-1: $0.152/instance-hour (about $110.96 a month)`.
fn describe(price: &Price, say: Say) -> String {
    let hourly = price.unit.ends_with("-hour");
    let monthly = cents(price.usd * agentdesk_pricing::HOURS_PER_MONTH);
    let usd = price.usd.normalize();
    match (hourly, say.japanese) {
        (true, false) => format!(
            "{} in {}: ${usd}/{} (about ${monthly} a month)",
            price.resource, price.region, price.unit
        ),
        (true, true) => format!(
            "{}({}): ${usd}/{}(月額 約 ${monthly})",
            price.resource, price.region, price.unit
        ),
        (false, _) => format!("{} ({}): ${usd}/{}", price.resource, price.region, price.unit),
    }
}

/// A service as people know it (`rds-postgresql` → `RDS for PostgreSQL`).
pub(crate) fn service_name(service: &str) -> &str {
    match service {
        "ec2" => "EC2",
        "ec2-windows" => "EC2 Windows",
        "rds-mysql" | "rds-mysql-multi-az" => "RDS for MySQL",
        "rds-postgresql" | "rds-postgresql-multi-az" => "RDS for PostgreSQL",
        "rds-mariadb" | "rds-mariadb-multi-az" => "RDS for MariaDB",
        "rds-aurora-mysql" => "Aurora MySQL",
        "rds-aurora-postgresql" => "Aurora PostgreSQL",
        "elasticache" => "ElastiCache",
        "ebs" => "EBS",
        "elb" => "Elastic Load Balancing",
        "vpc" => "NAT gateway",
        "s3" => "S3",
        "lambda" => "Lambda",
        "api-gateway" => "API Gateway",
        "dynamodb" => "DynamoDB",
        "cloudfront" => "CloudFront",
        "cloudwatch" => "CloudWatch",
        "data-transfer" => "Data transfer",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use agentdesk_pricing::{Catalog, Decimal};

    use super::{Lines, Say, cents};

    #[test]
    fn cents_round_half_away_from_zero_and_never_negative_zero() {
        let d = |text: &str| text.parse::<Decimal>().expect("decimal");
        assert_eq!(cents(d("16.425")).to_string(), "16.43");
        assert_eq!(cents(d("-0.001")).to_string(), "0");
        assert_eq!(cents(d("0.004")).to_string(), "0");
    }

    #[test]
    fn an_unknown_class_is_never_priced_as_another() {
        let catalog = Catalog::bundled().expect("catalog");
        let mut lines = Lines::new(&catalog, "us-east-1", Say { japanese: false });
        let priced = lines.add("rds-mysql", "db.m5.xlarge", Decimal::from(730), "db.m5.xlarge");
        assert!(!priced);
        assert!(lines.items.is_empty());
        let entry = &lines.not_priced[0];
        assert!(
            entry.reason.contains("db.m5.xlarge is not in the offline catalog for us-east-1"),
            "{}",
            entry.reason
        );
        assert!(
            entry.alternatives[0].starts_with("db.m5.large in us-east-1: $0.171/instance-hour"),
            "{:?}",
            entry.alternatives
        );
    }

    #[test]
    fn a_resource_priced_only_elsewhere_says_where() {
        let catalog = Catalog::bundled().expect("catalog");
        let mut lines = Lines::new(&catalog, "eu-central-1", Say { japanese: false });
        assert!(!lines.add("rds-mysql", "db.t3.micro", Decimal::from(730), "MySQL"));
        assert!(lines.not_priced[0].reason.contains("has no offline price in eu-central-1; the catalog has it in ap-northeast-1, us-east-1"), "{}", lines.not_priced[0].reason);
    }
}
