//! Tools over estimates: `estimate_costs` (price resources from the catalog, calculate in the
//! sandbox, save), `compare_estimates` (saved estimates side by side) and
//! `propose_architecture` (the user's preferences, an offline estimate of the description,
//! and a cheaper variant to discuss).

use std::sync::Arc;

use agentdesk_interpreter::Calculator;
use agentdesk_memory::{ListRecords, MemoryStore};
use agentdesk_pricing::Catalog;
use serde_json::{Value, json};

use crate::estimator::{
    EstimateStore, LivePrices, calculate, estimate, estimate_spec, is_japanese,
};
use crate::provider::{BoxFuture, ToolSpec};
use crate::tools::{Tool, ToolContext, ToolOutput};

/// `estimate_costs`: the estimator's pipeline for the model. The model reads the user's
/// words into resources (its strength); the tool prices them from the catalog, runs the
/// arithmetic in the sandbox and saves the estimate, which the screen shows as a table.
#[derive(Debug, Clone)]
pub struct EstimateCosts {
    store: EstimateStore,
    calculator: Option<Calculator>,
    default_region: String,
    catalog: Arc<Catalog>,
    live_prices: Option<LivePrices>,
}

impl EstimateCosts {
    /// Prices from `catalog`, saves to `store`, calculates on `calculator` (on the host,
    /// saying so, without one).
    pub fn new(
        store: EstimateStore,
        calculator: Option<Calculator>,
        default_region: &str,
        catalog: Arc<Catalog>,
    ) -> Self {
        Self {
            store,
            calculator,
            default_region: default_region.to_owned(),
            catalog,
            live_prices: None,
        }
    }

    /// Asks `live_prices` first, where it is connected.
    #[must_use]
    pub fn with_live_prices(mut self, live_prices: Option<LivePrices>) -> Self {
        self.live_prices = live_prices;
        self
    }

    async fn run(&self, arguments: &Value) -> ToolOutput {
        let Some(description) =
            arguments["description"].as_str().filter(|text| !text.trim().is_empty())
        else {
            return ToolOutput::error(
                "estimate_costs needs {\"description\": \"the user's words\"} and, for precision, \"resources\"",
            );
        };
        let made = match arguments.get("resources").filter(|resources| !resources.is_null()) {
            Some(resources) => {
                let spec = json!({"region": arguments.get("region"), "resources": resources});
                estimate_spec(&self.catalog, &spec.to_string(), &self.default_region)
            }
            None => estimate(
                &self.catalog,
                description,
                arguments["region"].as_str().unwrap_or(&self.default_region),
            ),
        };
        let mut made = match made {
            Ok(made) => made,
            Err(error) => return ToolOutput::error(error.to_string()),
        };
        if let Some(live_prices) = &self.live_prices {
            live_prices.apply(&mut made, description).await;
        }
        if let Err(error) = calculate(self.calculator.as_ref(), &mut made, description).await {
            return ToolOutput::error(error.to_string());
        }
        match self.store.save(description, &made) {
            Ok(saved) => {
                let text =
                    format!("Estimate {} saved.\n\n{}", saved.id, saved.estimate.report_markdown);
                ToolOutput::ok(text).with_data(json!(saved))
            }
            Err(error) => ToolOutput::error(error.to_string()),
        }
    }
}

impl Tool for EstimateCosts {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "estimate_costs".into(),
            description: "Estimate the monthly AWS cost of an architecture: prices each resource from AgentDesk's bundled catalog, does the arithmetic in the Python sandbox (730 hours a month), saves the estimate and returns its report with assumptions. Give the user's description; add `resources` (catalog service and resource names, see list_services) for precision.".into(),
            input_schema: json!({
                "type": "object",
                "properties": {
                    "description": {"type": "string", "description": "The user's architecture, in their words"},
                    "region": {"type": "string", "description": "e.g. us-east-1, ap-northeast-1"},
                    "resources": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "service": {"type": "string"},
                                "resource": {"type": "string"},
                                "count": {"type": "number"},
                                "hours": {"type": "number"},
                                "quantity": {"type": "number"},
                                "multi_az": {"type": "boolean"},
                                "storage_gb": {"type": "number"}
                            },
                            "required": ["service", "resource"]
                        }
                    }
                },
                "required": ["description"]
            }),
        }
    }

    fn call<'a>(&'a self, arguments: &'a Value, _: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(self.run(arguments))
    }
}

/// `compare_estimates`: saved estimates side by side, the most recent ones by default.
#[derive(Debug, Clone)]
pub struct CompareEstimates {
    store: EstimateStore,
}

impl CompareEstimates {
    /// Compares estimates saved in `store`.
    pub fn new(store: EstimateStore) -> Self {
        Self { store }
    }

    fn run(&self, arguments: &Value) -> ToolOutput {
        let ids: Vec<String> = match arguments["ids"].as_array() {
            Some(ids) => ids.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            None => {
                let recent = arguments["recent"].as_u64().unwrap_or(2).clamp(2, 10) as usize;
                match self.store.list() {
                    Ok(saved) => saved.into_iter().take(recent).map(|one| one.id).collect(),
                    Err(error) => return ToolOutput::error(error.to_string()),
                }
            }
        };
        match self.store.compare(&ids, false) {
            Ok(comparison) => {
                let data = json!(comparison);
                ToolOutput::ok(comparison.report_markdown).with_data(data)
            }
            Err(error) => ToolOutput::error(error.to_string()),
        }
    }
}

impl Tool for CompareEstimates {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "compare_estimates".into(),
            description: "Compare saved cost estimates side by side, per service: the given ids, or the most recent ones.".into(),
            input_schema: json!({
                "type": "object",
                "properties": {
                    "ids": {"type": "array", "items": {"type": "string"}},
                    "recent": {"type": "integer", "minimum": 2, "maximum": 10}
                }
            }),
        }
    }

    fn call<'a>(&'a self, arguments: &'a Value, _: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(std::future::ready(self.run(arguments)))
    }
}

/// `propose_architecture`: what the user prefers, priced.
#[derive(Debug, Clone)]
pub struct ProposeArchitecture {
    memory: MemoryStore,
    memory_id: String,
    actor_id: String,
    default_region: String,
    catalog: Arc<Catalog>,
}

impl ProposeArchitecture {
    /// Proposes for `actor_id`, reading their preference records in `memory_id`, pricing
    /// from `catalog`.
    pub fn new(
        memory: MemoryStore,
        memory_id: &str,
        actor_id: &str,
        default_region: &str,
        catalog: Arc<Catalog>,
    ) -> Self {
        Self {
            memory,
            memory_id: memory_id.to_owned(),
            actor_id: actor_id.to_owned(),
            default_region: default_region.to_owned(),
            catalog,
        }
    }

    async fn run(&self, arguments: &Value) -> ToolOutput {
        let Some(description) = arguments["description"].as_str() else {
            return ToolOutput::error("propose_architecture needs {\"description\": \"…\"}");
        };
        let request = ListRecords {
            memory_strategy_id: Some("preferences".into()),
            actor_id: Some(self.actor_id.clone()),
            max_results: Some(20),
            ..ListRecords::default()
        };
        let preferences = match self.memory.list_records(&self.memory_id, &request).await {
            Ok(page) => {
                page.items.into_iter().map(|record| record.content.text).collect::<Vec<_>>()
            }
            Err(error) => return ToolOutput::error(format!("memory is not available: {error}")),
        };
        let current = match estimate(&self.catalog, description, &self.default_region) {
            Ok(estimate) => estimate,
            Err(error) => return ToolOutput::error(error.to_string()),
        };
        let mut out = String::from("## The user's stated preferences\n");
        if preferences.is_empty() {
            out.push_str("- none recorded\n");
        }
        for preference in &preferences {
            out.push_str(&format!("- {preference}\n"));
        }
        out.push_str(&format!(
            "\n## Offline estimate of the description (bundled catalog)\n{}\n",
            current.report_markdown
        ));
        // The cheapest like-for-like change the catalog can price: Graviton for t3 servers.
        // Database classes (db.t3.*) stay: swapping them would drop the database's price.
        let graviton = description
            .replace("db.t3.", "\u{0}")
            .replace("t3.", "t4g.")
            .replace('\u{0}', "db.t3.");
        if graviton != description
            && let Ok(cheaper) = estimate(&self.catalog, &graviton, &self.default_region)
        {
            out.push_str(&format!(
                "\n## Variant to discuss: Graviton (t4g) instead of t3\nMonthly total ${:.2} instead of ${:.2}.\n",
                cheaper.monthly_total, current.monthly_total
            ));
        }
        if is_japanese(description) {
            out.push_str("\n(Answer the user in Japanese.)\n");
        }
        ToolOutput::ok(out)
    }
}

impl Tool for ProposeArchitecture {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "propose_architecture".into(),
            description: "Material for proposing an architecture: the user's recorded preferences (budget, region, cost priority), an offline estimate of a description, and a cheaper variant.".into(),
            input_schema: json!({
                "type": "object",
                "properties": {"description": {"type": "string", "description": "The architecture to price, in plain words"}},
                "required": ["description"]
            }),
        }
    }

    fn call<'a>(&'a self, arguments: &'a Value, _: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(self.run(arguments))
    }
}

#[cfg(test)]
mod tests {
    use agentdesk_memory::{MemoryStore, NewEvent, Role, RuleExtractor};
    use agentdesk_pricing::Catalog;
    use serde_json::json;

    use super::{CompareEstimates, EstimateCosts, ProposeArchitecture};
    use crate::estimator::{EstimateStore, SavedEstimate, estimate};
    use crate::tools::{Tool, ToolContext};

    #[tokio::test]
    async fn estimate_costs_prices_the_models_resources_and_saves_them() {
        let folder = tempfile::tempdir().expect("temp");
        let store = EstimateStore::new(folder.path());
        let tool = EstimateCosts::new(
            store.clone(),
            None,
            "us-east-1",
            Catalog::bundled().expect("catalog"),
        );
        let arguments = json!({
            "description": "ALB と t3.medium 2 台",
            "resources": [{"service": "ec2", "resource": "t3.medium", "count": 2}]
        });
        let priced = tool.call(&arguments, &ToolContext::for_tests()).await;
        assert!(!priced.is_error, "{}", priced.content);
        let saved: SavedEstimate =
            serde_json::from_value(priced.structured_content.expect("data")).expect("an estimate");
        assert_eq!(saved.estimate.monthly_total.to_string(), "60.74");
        assert_eq!(store.list().expect("list")[0].id, saved.id, "it is saved");
        assert!(priced.content.contains(&saved.id), "the model can refer to it");

        let from_words = tool
            .call(
                &json!({"description": "2 t3.medium in ap-northeast-1"}),
                &ToolContext::for_tests(),
            )
            .await;
        assert!(!from_words.is_error, "{}", from_words.content);
        let missing = tool.call(&json!({"resources": []}), &ToolContext::for_tests()).await;
        assert!(missing.is_error && missing.content.contains("description"), "{}", missing.content);
        let unknown_field = tool
            .call(
                &json!({"description": "x", "resources": [{"service": "ec2", "resource": "t3.micro", "colour": "red"}]}),
                &ToolContext::for_tests(),
            )
            .await;
        assert!(unknown_field.is_error && unknown_field.content.contains("colour"));
    }

    #[tokio::test]
    async fn the_most_recent_estimates_are_compared() {
        let folder = tempfile::tempdir().expect("temp");
        let store = EstimateStore::new(folder.path());
        for description in ["1 t3.large", "1 t4g.large"] {
            store
                .save(
                    description,
                    &estimate(&Catalog::bundled().expect("catalog"), description, "us-east-1")
                        .expect("estimate"),
                )
                .expect("save");
        }
        let tool = CompareEstimates::new(store);
        let compared = tool.call(&json!({}), &ToolContext::for_tests()).await;
        assert!(!compared.is_error, "{}", compared.content);
        assert!(compared.content.contains("| ec2 | $49.06 | $60.74 |"), "{}", compared.content);
        let too_few = tool.call(&json!({"ids": ["est-1"]}), &ToolContext::for_tests()).await;
        assert!(too_few.is_error);
    }

    #[tokio::test]
    async fn a_proposal_carries_the_preferences_and_a_cheaper_variant() {
        let folder = tempfile::tempdir().expect("temp");
        let memory = MemoryStore::open_in(folder.path()).await.expect("memory");
        let memory_id = memory.default_memory().await.expect("memory").memory_id;
        let said = NewEvent::message("me", "s1", Role::User, "My budget is $50 a month");
        memory.create_event(&memory_id, said).await.expect("event");
        memory.extract_pending(&memory_id, &RuleExtractor).await.expect("extract");
        let catalog = Catalog::bundled().expect("catalog");
        let tool = ProposeArchitecture::new(memory, &memory_id, "me", "us-east-1", catalog);
        let proposal = tool
            .call(&json!({"description": "2 t3.medium and an ALB"}), &ToolContext::for_tests())
            .await;
        assert!(
            proposal.content.contains("Budget: My budget is $50 a month"),
            "{}",
            proposal.content
        );
        // t3: 84.29 (2×730×0.0416 = 60.74 + EBS 1.28 + ALB 16.43 + 5.84); t4g: 72.61.
        assert!(
            proposal.content.contains("Monthly total $72.61 instead of $84.29"),
            "{}",
            proposal.content
        );
    }
}
