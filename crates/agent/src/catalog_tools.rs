//! Tools over what AgentDesk knows offline: prices from the bundled catalog (`get_price`,
//! `list_services`) and the user's long-term memories (`recall`).

use std::sync::Arc;

use agentdesk_memory::{MemoryStore, RetrieveRecords};
use agentdesk_pricing::Catalog;
use serde_json::{Value, json};

use crate::provider::{BoxFuture, ToolSpec};
use crate::tools::{Tool, ToolContext, ToolOutput};

/// `get_price`: one price from the catalogs, with its unit, source and date.
#[derive(Debug, Clone)]
pub struct GetPrice {
    catalog: Arc<Catalog>,
}

impl GetPrice {
    /// Prices from `catalog`.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        Self { catalog }
    }

    fn run(&self, arguments: &Value) -> ToolOutput {
        let (Some(service), Some(resource)) =
            (arguments["service"].as_str(), arguments["resource"].as_str())
        else {
            return ToolOutput::error(
                "get_price needs {\"service\", \"resource\", \"region\"}; list_services shows the names",
            );
        };
        let region = arguments["region"].as_str().unwrap_or("us-east-1");
        match self.catalog.price(service, resource, region) {
            Some(price) => {
                let source = self.catalog.source(price);
                ToolOutput::ok(
                    json!({
                        "service": price.service, "resource": price.resource, "region": price.region,
                        "unit": price.unit, "usd": price.usd.normalize().to_string(), "note": price.note,
                        "sku": price.sku, "priceSource": source.name, "priceDate": source.date,
                    })
                    .to_string(),
                )
            }
            None => {
                let nearest: Vec<String> = self
                    .catalog
                    .nearest(service, resource, region, 5)
                    .iter()
                    .map(|price| price.resource.clone())
                    .collect();
                let elsewhere = self.catalog.regions_with(service, resource);
                ToolOutput::error(format!(
                    "no price for {service} {resource} in {region} (never substitute another resource); nearest priced there: {}; {resource} is priced in: {}",
                    if nearest.is_empty() {
                        "nothing for this service".to_owned()
                    } else {
                        nearest.join(", ")
                    },
                    if elsewhere.is_empty() {
                        "no region".to_owned()
                    } else {
                        elsewhere.join(", ")
                    }
                ))
            }
        }
    }
}

impl Tool for GetPrice {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "get_price".into(),
            description: "The on-demand list price of one AWS resource from AgentDesk's dated catalogs, with its unit, source and date. An unknown resource is refused with the nearest priced ones: never price it as another.".into(),
            input_schema: json!({
                "type": "object",
                "properties": {
                    "service": {"type": "string", "description": "ec2, ec2-windows, ebs, s3, rds-mysql, rds-postgresql, rds-mariadb, rds-aurora-mysql, elasticache, elb, vpc, cloudfront, route53, lambda, api-gateway, dynamodb, cloudwatch, sqs, sns, data-transfer, bedrock"},
                    "resource": {"type": "string", "description": "e.g. t3.medium, gp3, standard-storage, alb, alb-lcu, db.m5.large"},
                    "region": {"type": "string", "description": "an AWS region code, e.g. us-east-1, eu-central-1, ap-northeast-1"}
                },
                "required": ["service", "resource"]
            }),
        }
    }

    fn call<'a>(&'a self, arguments: &'a Value, _: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(std::future::ready(self.run(arguments)))
    }
}

/// `list_services`: what the catalogs price in a region, by service (EC2 by instance family,
/// since a region has hundreds of types).
#[derive(Debug, Clone)]
pub struct ListServices {
    catalog: Arc<Catalog>,
}

impl ListServices {
    /// Lists `catalog`.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        Self { catalog }
    }
}

impl Tool for ListServices {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "list_services".into(),
            description: "The services and resources AgentDesk's price catalogs cover in a region, with their dates.".into(),
            input_schema: json!({"type": "object", "properties": {"region": {"type": "string"}}}),
        }
    }

    fn call<'a>(&'a self, arguments: &'a Value, _: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        let region = arguments["region"].as_str().unwrap_or("us-east-1");
        let mut services = serde_json::Map::new();
        for service in self.catalog.services() {
            let mut names: Vec<String> = self
                .catalog
                .resources_in(service, region)
                .map(|price| {
                    if service.starts_with("ec2") {
                        let family = price.resource.split('.').next().unwrap_or_default();
                        format!("{family}.* (instance-hour)")
                    } else {
                        format!("{} ({})", price.resource, price.unit)
                    }
                })
                .collect();
            names.sort();
            names.dedup();
            if !names.is_empty() {
                services.insert(service.to_owned(), json!(names));
            }
        }
        let sources: Vec<Value> = self
            .catalog
            .sources()
            .iter()
            .map(|source| json!({"name": source.name, "date": source.date}))
            .collect();
        let output = ToolOutput::ok(
            json!({"region": region, "sources": sources, "services": services}).to_string(),
        );
        Box::pin(std::future::ready(output))
    }
}

/// `recall`: the user's long-term memories that match a query (preferences, facts, earlier
/// conversations).
#[derive(Debug, Clone)]
pub struct Recall {
    store: MemoryStore,
    memory_id: String,
    actor_id: String,
}

impl Recall {
    /// Recalls `actor_id`'s records in `memory_id`.
    pub fn new(store: MemoryStore, memory_id: &str, actor_id: &str) -> Self {
        Self { store, memory_id: memory_id.to_owned(), actor_id: actor_id.to_owned() }
    }

    async fn run(&self, arguments: &Value) -> ToolOutput {
        let query = arguments["query"].as_str().unwrap_or_default();
        let request = RetrieveRecords {
            search_query: query.to_owned(),
            top_k: Some(5),
            actor_id: Some(self.actor_id.clone()),
            ..RetrieveRecords::default()
        };
        match self.store.retrieve_records(&self.memory_id, &request).await {
            Ok(hits) if hits.is_empty() => ToolOutput::ok("nothing remembered about that"),
            Ok(hits) => ToolOutput::ok(
                hits.iter()
                    .map(|hit| {
                        format!("- {} ({})", hit.record.content.text, hit.record.memory_strategy_id)
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Err(error) => ToolOutput::error(format!("memory is not available: {error}")),
        }
    }
}

impl Tool for Recall {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "recall".into(),
            description: "Search the user's long-term memories: stated preferences (budget, region, cost priority), facts about them, and summaries of earlier conversations.".into(),
            input_schema: json!({"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}),
        }
    }

    fn call<'a>(&'a self, arguments: &'a Value, _: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(self.run(arguments))
    }
}

#[cfg(test)]
mod tests {
    use agentdesk_pricing::Catalog;
    use serde_json::json;

    use super::{GetPrice, ListServices};
    use crate::tools::{Tool, ToolContext};

    #[tokio::test]
    async fn prices_come_with_their_unit_source_and_date() {
        let tool = GetPrice::new(Catalog::bundled().expect("catalog"));
        let found = tool
            .call(
                &json!({"service": "ec2", "resource": "t3.medium", "region": "ap-northeast-1"}),
                &ToolContext::for_tests(),
            )
            .await;
        let value: serde_json::Value = serde_json::from_str(&found.content).expect("json");
        assert_eq!(
            (value["usd"].as_str(), value["unit"].as_str()),
            (Some("0.0544"), Some("instance-hour"))
        );
        assert!(value["priceDate"].is_string() && value["priceSource"].is_string());
        let missing = tool
            .call(&json!({"service": "ec2", "resource": "x9.huge"}), &ToolContext::for_tests())
            .await;
        assert!(
            missing.is_error && missing.content.contains("never substitute"),
            "{}",
            missing.content
        );
    }

    #[tokio::test]
    async fn the_services_of_a_region_are_listed() {
        let tool = ListServices::new(Catalog::bundled().expect("catalog"));
        let listed =
            tool.call(&json!({"region": "ap-northeast-1"}), &ToolContext::for_tests()).await;
        assert!(
            listed.content.contains("\"route53\"")
                && listed.content.contains("t4g.* (instance-hour)")
        );
    }
}
