//! Stored traces with what their model calls cost: each model's tokens priced from the
//! catalog's Bedrock token prices, summed per span, trace and conversation. A model the catalog
//! has no price for leaves the cost unknown and says why; it is never priced as another model.

use agentdesk_pricing::{Catalog, Decimal};
use agentdesk_telemetry::traces::{
    ModelUsage, SessionSummary, SpanView, TraceDetail, TraceSummary,
};
use serde::Serialize;
use ts_rs::TS;

/// A conversation's traces summed up, with its title and cost.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Traces.ts")]
pub struct PricedSession {
    /// The traces summed up.
    #[serde(flatten)]
    pub session: SessionSummary,
    /// The conversation's title, when the memory has it.
    pub title: Option<String>,
    /// Model cost in US dollars (a decimal string); null when a model has no price.
    pub cost_usd: Option<String>,
    /// Why the cost is unknown.
    pub cost_note: Option<String>,
}

/// One trace summed up, with its cost.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Traces.ts")]
pub struct PricedTrace {
    /// The trace summed up.
    #[serde(flatten)]
    pub trace: TraceSummary,
    /// Model cost in US dollars (a decimal string); null when a model has no price.
    pub cost_usd: Option<String>,
    /// Why the cost is unknown.
    pub cost_note: Option<String>,
}

/// A span with the cost of its model call.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Traces.ts")]
pub struct PricedSpan {
    /// The span.
    #[serde(flatten)]
    pub span: SpanView,
    /// What its tokens cost in US dollars; null for a span without tokens or without a price.
    pub cost_usd: Option<String>,
}

/// A trace with every span, priced.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Traces.ts")]
pub struct PricedTraceDetail {
    /// The trace summed up.
    pub summary: PricedTrace,
    /// Its spans, oldest first.
    pub spans: Vec<PricedSpan>,
    /// Why a cost is unknown (a model without a price), when one is.
    pub cost_note: Option<String>,
}

/// Prices traces from `catalog` in one region (the model's region setting).
#[derive(Debug, Clone, Copy)]
pub struct TracePricer<'catalog> {
    catalog: &'catalog Catalog,
    region: &'catalog str,
}

/// The region model tokens are priced in: the model's region setting (`model.aws_region`),
/// else `AWS_REGION`, else us-east-1 — as the Bedrock provider resolves it.
pub fn pricing_region(configured: &str) -> String {
    Some(configured.trim().to_owned())
        .filter(|region| !region.is_empty())
        .or_else(|| std::env::var("AWS_REGION").ok().filter(|region| !region.trim().is_empty()))
        .unwrap_or_else(|| "us-east-1".to_owned())
}

/// A cost, or why it is unknown.
struct Cost {
    usd: Option<Decimal>,
    note: Option<String>,
}

impl<'catalog> TracePricer<'catalog> {
    /// A pricer reading `catalog`'s prices for `region`.
    pub fn new(catalog: &'catalog Catalog, region: &'catalog str) -> Self {
        TracePricer { catalog, region }
    }

    /// `session` with its `title` and cost.
    pub fn session(&self, session: SessionSummary, title: Option<String>) -> PricedSession {
        let cost = self.cost_of(&session.models);
        PricedSession { session, title, cost_usd: cost.usd.map(dollars), cost_note: cost.note }
    }

    /// `trace` with its cost.
    pub fn trace(&self, trace: TraceSummary) -> PricedTrace {
        let cost = self.cost_of(&trace.models);
        PricedTrace { trace, cost_usd: cost.usd.map(dollars), cost_note: cost.note }
    }

    /// `detail` with the cost of the trace and of each model call.
    pub fn detail(&self, detail: TraceDetail) -> PricedTraceDetail {
        let summary = self.trace(detail.summary);
        let spans = detail
            .spans
            .into_iter()
            .map(|span| {
                let cost_usd = span_usage(&span)
                    .and_then(|usage| self.cost_of(std::slice::from_ref(&usage)).usd)
                    .map(dollars);
                PricedSpan { span, cost_usd }
            })
            .collect();
        let cost_note = summary.cost_note.clone();
        PricedTraceDetail { summary, spans, cost_note }
    }

    fn cost_of(&self, models: &[ModelUsage]) -> Cost {
        let mut total = Decimal::ZERO;
        let mut unpriced = Vec::new();
        for usage in models {
            let tokens = |count: i64| u64::try_from(count).unwrap_or(0);
            if usage.unreported_calls > 0 {
                let model = if usage.model.is_empty() { "a model" } else { &usage.model };
                let calls = usage.unreported_calls;
                let noun = if calls == 1 { "call" } else { "calls" };
                unpriced.push(format!("{calls} {noun} of {model} reported no token usage"));
                continue;
            }
            match self.catalog.token_prices(&usage.model, self.region) {
                Ok(prices) => {
                    total += prices.usd(tokens(usage.input_tokens), tokens(usage.output_tokens));
                }
                Err(_) if usage.model.is_empty() => {
                    unpriced.push("a model call did not name its model".to_owned());
                }
                Err(why) => unpriced.push(why.to_string()),
            }
        }
        if unpriced.is_empty() {
            Cost { usd: Some(total), note: None }
        } else {
            Cost { usd: None, note: Some(unpriced.join("; ")) }
        }
    }
}

/// A model call's tokens, from its span.
fn span_usage(span: &SpanView) -> Option<ModelUsage> {
    let reported = span.input_tokens.is_some() || span.output_tokens.is_some();
    if !reported {
        return None;
    }
    let model = span.attributes.get("gen_ai.request.model").and_then(|model| model.as_str());
    Some(ModelUsage {
        model: model.unwrap_or_default().to_owned(),
        input_tokens: span.input_tokens.unwrap_or(0),
        output_tokens: span.output_tokens.unwrap_or(0),
        unreported_calls: 0,
    })
}

/// Dollars as a decimal string to the millionth, with at least cents ("0.00", "0.012207").
fn dollars(usd: Decimal) -> String {
    let mut rounded = usd.round_dp(6).normalize();
    if rounded.scale() < 2 {
        rounded.rescale(2);
    }
    rounded.to_string()
}

#[cfg(test)]
mod tests {
    use agentdesk_pricing::Catalog;
    use agentdesk_telemetry::traces::{ModelUsage, TraceSummary};

    use super::TracePricer;

    fn trace(models: Vec<ModelUsage>) -> TraceSummary {
        TraceSummary {
            trace_id: "0af7651916cd43dd8448eb211c80319c".into(),
            session_id: Some("s1".into()),
            root_name: Some("invoke_agent cost-estimator".into()),
            start_ns: 0,
            end_ns: 1,
            span_count: 3,
            error_count: 0,
            input_tokens: models.iter().map(|m| m.input_tokens).sum(),
            output_tokens: models.iter().map(|m| m.output_tokens).sum(),
            models,
        }
    }

    fn usage(model: &str, input_tokens: i64, output_tokens: i64) -> ModelUsage {
        ModelUsage { model: model.into(), input_tokens, output_tokens, unreported_calls: 0 }
    }

    #[test]
    fn a_trace_costs_the_sum_of_its_models_tokens_and_an_unpriced_model_is_named() {
        let catalog = Catalog::bundled().expect("catalog");
        let pricer = TracePricer::new(&catalog, "us-east-1");
        let offline = pricer.trace(trace(Vec::new()));
        assert_eq!(offline.cost_usd.as_deref(), Some("0.00"), "no model, no model cost");

        let two_models = pricer.trace(trace(vec![
            usage("us.anthropic.claude-sonnet-4-5-20250929-v1:0", 10_000, 2_000),
            usage("anthropic.claude-3-haiku-20240307-v1:0", 4_000, 1_000),
        ]));
        // 0.03 + 0.03 (Sonnet) + 0.001 + 0.00125 (Haiku)
        assert_eq!(two_models.cost_usd.as_deref(), Some("0.06225"));

        let mixed = pricer.trace(trace(vec![
            usage("anthropic.claude-3-haiku-20240307-v1:0", 4_000, 1_000),
            usage("gpt-4o", 100, 10),
        ]));
        assert_eq!(mixed.cost_usd, None, "never a partial sum shown as the cost");
        assert!(mixed.cost_note.as_deref().is_some_and(|note| note.contains("gpt-4o")));

        let mut silent = usage("anthropic.claude-3-haiku-20240307-v1:0", 0, 0);
        silent.unreported_calls = 1;
        let silent = pricer.trace(trace(vec![silent]));
        assert_eq!(silent.cost_usd, None, "a call without usage is not free");
        assert_eq!(
            silent.cost_note.as_deref(),
            Some("1 call of anthropic.claude-3-haiku-20240307-v1:0 reported no token usage")
        );
    }
}
