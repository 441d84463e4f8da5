//! Live prices from an MCP server: AWS Labs' `awslabs.aws-pricing-mcp-server`, whose
//! `get_pricing` tool answers with AWS Price List API products (directly or behind a
//! gateway), prices the estimate's instance and volume lines; without one, a gateway's
//! `aws_cost_estimation` (the reference article's cost agent) gives its own estimate, which
//! joins the report. When the server cannot answer (no AWS credentials, no network, a
//! throttled API) its own error is reported in the estimate and the bundled catalog's prices
//! stay.

use std::sync::Arc;

use agentdesk_mcp::{Connections, McpServer};
use agentdesk_pricing::Decimal;
use serde_json::{Map, Value, json};

use super::{Estimate, is_japanese, wants_cheapest};

/// The pricing server's tool.
pub const PRICING_TOOL: &str = "get_pricing";

/// The seed's remote cost agent's tool, as an AgentCore gateway lists it
/// (`{target}___aws_cost_estimation`).
pub const COST_ESTIMATION_TOOL: &str = "aws_cost_estimation";

/// What the server offers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// A Price List query tool (`get_pricing`, or `{target}___get_pricing` behind a gateway).
    PriceList(String),
    /// A whole estimate from a remote cost agent, whose words join the report.
    RemoteEstimate(String),
}

/// A connected server the estimator asks for live prices first.
#[derive(Debug, Clone)]
pub struct LivePrices {
    server: Arc<McpServer>,
    source: Source,
}

/// Whether `listed` is `tool`, directly or as a gateway lists it (`{target}___{tool}`).
fn is_tool(listed: &str, tool: &str) -> bool {
    listed == tool || listed.strip_suffix(tool).is_some_and(|target| target.ends_with("___"))
}

impl LivePrices {
    /// Asks `server`, which offers [`PRICING_TOOL`].
    pub fn new(server: Arc<McpServer>) -> LivePrices {
        LivePrices { server, source: Source::PriceList(PRICING_TOOL.to_owned()) }
    }

    /// The first enabled server among `connections` with a Price List tool, else the first
    /// with a cost-estimation tool; servers that cannot be reached are passed over (their
    /// status says why).
    pub async fn find(connections: &Connections) -> Option<LivePrices> {
        let mut remote = None;
        for server in connections.servers().filter(|server| server.settings().enabled) {
            let Ok(tools) = server.tools().await else { continue };
            if let Some(tool) = tools.iter().find(|tool| is_tool(&tool.name, PRICING_TOOL)) {
                let source = Source::PriceList(tool.name.to_string());
                return Some(LivePrices { server: Arc::clone(server), source });
            }
            if remote.is_none()
                && let Some(tool) =
                    tools.iter().find(|tool| is_tool(&tool.name, COST_ESTIMATION_TOOL))
            {
                let source = Source::RemoteEstimate(tool.name.to_string());
                remote = Some(LivePrices { server: Arc::clone(server), source });
            }
        }
        remote
    }

    /// Asks the server about `estimate` of `description`: Price List prices replace the
    /// catalog's line by line; a remote estimate joins the report. Either way the estimate
    /// says what happened, with the server's own error when it could not answer.
    pub async fn apply(&self, estimate: &mut Estimate, description: &str) {
        let japanese = is_japanese(description);
        match &self.source {
            Source::PriceList(tool) => {
                self.price_lines(tool, estimate, japanese, wants_cheapest(description)).await;
            }
            Source::RemoteEstimate(tool) => {
                self.remote_estimate(
                    tool,
                    estimate,
                    description,
                    japanese,
                    wants_cheapest(description),
                )
                .await;
            }
        }
    }

    /// Asks a remote cost agent for its own estimate and adds it to the report.
    async fn remote_estimate(
        &self,
        tool: &str,
        estimate: &mut Estimate,
        description: &str,
        japanese: bool,
        wants_cheapest: bool,
    ) {
        let server = self.server.name();
        let mut arguments = Map::new();
        arguments.insert("architecture_description".into(), Value::String(description.to_owned()));
        let answer = match self.server.call(tool, arguments).await {
            Ok(result) => {
                let text: String = result
                    .content
                    .iter()
                    .filter_map(|block| block.as_text())
                    .map(|t| t.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                if result.is_error == Some(true) { Err(first_line(&text)) } else { Ok(text) }
            }
            Err(error) => Err(error.to_string()),
        };
        let answer = answer.map(|text| text.chars().take(4000).collect::<String>());
        estimate.price_note = Some(match answer {
            Ok(text) if japanese => {
                format!("{server} の {tool}(最新価格)による見積もり:\n\n{text}")
            }
            Ok(text) => format!("{server}'s {tool} (live prices) estimates:\n\n{text}"),
            Err(error) => failed(server, &error, japanese),
        });
        estimate.refresh(japanese, wants_cheapest);
    }

    /// Prices the lines the Price List knows with `tool`, and rewrites the totals, the script
    /// and the report. The first failure stops the asking: the rest would fail alike.
    async fn price_lines(
        &self,
        tool: &str,
        estimate: &mut Estimate,
        japanese: bool,
        wants_cheapest: bool,
    ) {
        let mut priced = 0;
        let mut failure = None;
        for index in 0..estimate.items.len() {
            let item = &estimate.items[index];
            let Some(arguments) = query(&item.service, &item.resource, &estimate.region) else {
                continue;
            };
            match self.ask(tool, arguments).await {
                Ok(live) => {
                    let item = &mut estimate.items[index];
                    item.unit_price = live;
                    item.monthly = super::lines::cents(item.quantity * live);
                    item.price_source = format!("AWS Price List API via {}", self.server.name());
                    item.price_date = "live".into();
                    item.sku = None;
                    priced += 1;
                }
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        let server = self.server.name();
        let live = if japanese {
            format!("{priced} 件の価格は AWS Price List API({server} 経由)の最新値です。")
        } else {
            format!("{priced} prices are live from the AWS Price List API (via {server}).")
        };
        estimate.price_note = match (&failure, priced) {
            (None, 0) => return,
            (None, _) => Some(live),
            (Some(error), 0) => Some(failed(server, error, japanese)),
            (Some(error), _) => Some(format!("{live} {}", failed(server, error, japanese))),
        };
        estimate.refresh(japanese, wants_cheapest);
    }

    /// One product's on-demand USD price, or the server's own words on why there is none.
    async fn ask(&self, tool: &str, arguments: Map<String, Value>) -> Result<Decimal, String> {
        let result = self.server.call(tool, arguments).await.map_err(|error| error.to_string())?;
        let text: String = result
            .content
            .iter()
            .filter_map(|block| block.as_text())
            .map(|t| t.text.as_str())
            .collect();
        let answer = result
            .structured_content
            .map(
                |value| if value.get("result").is_some() { value["result"].clone() } else { value },
            )
            .or_else(|| serde_json::from_str(&text).ok())
            .unwrap_or(Value::Null);
        if result.is_error == Some(true) || answer["status"] == "error" {
            let message = answer["message"].as_str().unwrap_or(&text);
            return Err(first_line(message));
        }
        on_demand_price(&answer)
            .ok_or_else(|| "its answer held no on-demand USD price for the product".to_owned())
    }
}

/// What the estimate says when the server could not answer, in the report's language.
fn failed(server: &str, error: &str, japanese: bool) -> String {
    if japanese {
        format!(
            "{server} からの最新価格の取得に失敗しました: {error}。同梱カタログの価格を使っています。"
        )
    } else {
        format!("Live prices from {server} failed: {error}. The bundled catalog's prices are used.")
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().find(|line| !line.trim().is_empty()).unwrap_or("no message").trim();
    line.chars().take(300).collect()
}

/// `get_pricing`'s arguments for a catalog line, where the Price List has one product for
/// it: on-demand Linux instances, database and cache nodes, and gp3/gp2 volumes.
fn query(service: &str, resource: &str, region: &str) -> Option<Map<String, Value>> {
    let term = |field: &str, value: &str| json!({"Field": field, "Type": "EQUALS", "Value": value});
    let (service_code, filters) = match service {
        "ec2" => (
            "AmazonEC2",
            vec![
                term("instanceType", resource),
                term("operatingSystem", "Linux"),
                term("tenancy", "Shared"),
                term("preInstalledSw", "NA"),
                term("capacitystatus", "Used"),
            ],
        ),
        "ebs" if matches!(resource, "gp2" | "gp3") => {
            ("AmazonEC2", vec![term("productFamily", "Storage"), term("volumeApiName", resource)])
        }
        rds if rds.starts_with("rds-") && resource.starts_with("db.") => {
            let (engine, deployment) = match rds.strip_suffix("-multi-az") {
                Some(engine) => (engine, "Multi-AZ"),
                None => (rds, "Single-AZ"),
            };
            let engine = match engine {
                "rds-mysql" => "MySQL",
                "rds-postgresql" => "PostgreSQL",
                "rds-mariadb" => "MariaDB",
                "rds-aurora-mysql" => "Aurora MySQL",
                "rds-aurora-postgresql" => "Aurora PostgreSQL",
                _ => return None,
            };
            (
                "AmazonRDS",
                vec![
                    term("instanceType", resource),
                    term("databaseEngine", engine),
                    term("deploymentOption", deployment),
                ],
            )
        }
        "elasticache" => (
            "AmazonElastiCache",
            vec![term("instanceType", resource), term("cacheEngine", "Redis")],
        ),
        _ => return None,
    };
    let arguments = json!({
        "service_code": service_code,
        "region": region,
        "filters": filters,
        "output_options": {"pricing_terms": ["OnDemand"]},
        "max_results": 5,
    });
    match arguments {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The first non-zero on-demand USD price per unit in a `get_pricing` answer, whose `data`
/// holds Price List products (`terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD`).
fn on_demand_price(answer: &Value) -> Option<Decimal> {
    let products = answer["data"].as_array()?;
    products.iter().find_map(|product| {
        let product = if let Some(text) = product.as_str() {
            serde_json::from_str(text).ok()?
        } else {
            product.clone()
        };
        product["terms"]["OnDemand"].as_object()?.values().find_map(|offer| {
            offer["priceDimensions"].as_object()?.values().find_map(|dimension| {
                let usd: Decimal = dimension["pricePerUnit"]["USD"].as_str()?.parse().ok()?;
                (usd > Decimal::ZERO).then(|| usd.normalize())
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{is_tool, on_demand_price, query};

    #[test]
    fn tools_are_found_directly_or_behind_a_gateway() {
        assert!(is_tool("get_pricing", "get_pricing"));
        assert!(is_tool("pricing___get_pricing", "get_pricing"));
        assert!(is_tool("cost___aws_cost_estimation", "aws_cost_estimation"));
        assert!(!is_tool("my_get_pricing", "get_pricing"));
    }

    /// A product as the Price List API documents it (GetProducts), as `get_pricing` returns
    /// it in `data` with only the on-demand terms.
    fn t3_medium() -> serde_json::Value {
        json!({
            "status": "success",
            "service_name": "AmazonEC2",
            "data": [{
                "product": {
                    "productFamily": "Compute Instance",
                    "attributes": {"instanceType": "t3.medium", "regionCode": "us-east-1", "operatingSystem": "Linux"},
                    "sku": "5Z9XWQVA5YC7TDM4"
                },
                "terms": {"OnDemand": {"5Z9XWQVA5YC7TDM4.JRTCKXETXF": {
                    "offerTermCode": "JRTCKXETXF",
                    "priceDimensions": {"5Z9XWQVA5YC7TDM4.JRTCKXETXF.6YS6EN2CT7": {
                        "unit": "Hrs",
                        "description": "$0.0416 per On Demand Linux t3.medium Instance Hour",
                        "pricePerUnit": {"USD": "0.0416000000"}
                    }}
                }}},
                "version": "20261101000000",
                "publicationDate": "2026-11-01T00:00:00Z"
            }],
            "message": "Retrieved pricing for AmazonEC2 in us-east-1 from AWS Pricing API"
        })
    }

    #[test]
    fn the_on_demand_price_is_read_from_price_list_products() {
        let price = |value: &serde_json::Value| on_demand_price(value).map(|usd| usd.to_string());
        assert_eq!(price(&t3_medium()).as_deref(), Some("0.0416"));
        let as_text = json!({"data": [t3_medium()["data"][0].to_string()]});
        assert_eq!(price(&as_text).as_deref(), Some("0.0416"), "products may come as JSON text");
        assert_eq!(on_demand_price(&json!({"status": "error", "message": "no"})), None);
    }

    #[test]
    fn only_lines_with_one_price_list_product_are_asked_for() {
        let ec2 = query("ec2", "t3.medium", "ap-northeast-1").expect("an EC2 query");
        assert_eq!(ec2["service_code"], "AmazonEC2");
        assert_eq!(ec2["region"], "ap-northeast-1");
        assert!(ec2["filters"].to_string().contains("\"t3.medium\""));
        assert_eq!(
            query("rds-postgresql", "db.t3.micro", "us-east-1").expect("rds")["service_code"],
            "AmazonRDS"
        );
        assert!(query("s3", "standard-storage", "us-east-1").is_none(), "tiered: the catalog's");
        assert!(query("rds-mysql", "gp2-storage", "us-east-1").is_none());
    }
}
