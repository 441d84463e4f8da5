//! The cost-estimator agent put together from its parts, the same way in the terminal and on
//! the desktop: the model, the tools with their approval policies, the system prompt.

use std::sync::Arc;

use agentdesk_config::ToolPolicy;
use agentdesk_interpreter::Calculator;
use agentdesk_pricing::{Catalog, CatalogError};

use crate::agent::{Agent, MemoryLink};
use crate::catalog_tools::{GetPrice, ListServices, Recall};
use crate::estimate_tools::{CompareEstimates, EstimateCosts, ProposeArchitecture};
use crate::estimator::{EstimateStore, LivePrices};
use crate::prompts;
use crate::sandbox_tool::ExecutePython;
use crate::setup::Connected;
use crate::tools::{Approval, Tool, ToolRegistry};

/// What the cost estimator is built from.
#[derive(Debug, Clone)]
pub struct EstimatorParts {
    /// The model.
    pub connected: Connected,
    /// Where conversations are kept (and `recall` searches).
    pub memory: MemoryLink,
    /// Where estimates are saved.
    pub estimates: EstimateStore,
    /// Where Python runs (`tools.interpreter`, [`Calculator::from_settings`]); `None` when
    /// no Python is available.
    pub calculator: Option<Calculator>,
    /// The region priced when the user names none.
    pub region: String,
    /// The prices ([`crate::estimator::catalog_for`]).
    pub catalog: Arc<Catalog>,
    /// Whether `execute_python` asks first (`tools.execute_python`).
    pub python: ToolPolicy,
    /// Tools of the configured MCP servers ([`crate::mcp_tools`]); each asks before it runs.
    pub mcp: Vec<Arc<dyn Tool>>,
    /// A connected pricing server `estimate_costs` asks before the catalog.
    pub live_prices: Option<LivePrices>,
}

/// Builds the cost estimator. `execute_python` is offered only when there is a Python to
/// run it (the local runtime installed, or a remote interpreter chosen); the other tools
/// read AgentDesk's own data and run without asking.
pub fn cost_estimator(parts: EstimatorParts) -> Result<Agent, CatalogError> {
    let EstimatorParts {
        connected,
        memory,
        estimates,
        calculator,
        region,
        catalog,
        python,
        mcp,
        live_prices,
    } = parts;
    let mut tools = ToolRegistry::default();
    for tool in mcp {
        tools.register(tool, Approval::Ask);
    }
    tools.register(Arc::new(GetPrice::new(catalog.clone())), Approval::Allow);
    tools.register(Arc::new(ListServices::new(catalog.clone())), Approval::Allow);
    tools.register(
        Arc::new(Recall::new(memory.store.clone(), &memory.memory_id, &memory.actor_id)),
        Approval::Allow,
    );
    tools.register(Arc::new(CompareEstimates::new(estimates.clone())), Approval::Allow);
    tools.register(
        Arc::new(ProposeArchitecture::new(
            memory.store.clone(),
            &memory.memory_id,
            &memory.actor_id,
            &region,
            catalog.clone(),
        )),
        Approval::Allow,
    );
    tools.register(
        Arc::new(
            EstimateCosts::new(estimates, calculator.clone(), &region, catalog)
                .with_live_prices(live_prices),
        ),
        Approval::Allow,
    );
    if let Some(calculator) = &calculator {
        let approval = match python {
            ToolPolicy::Allow => Approval::Allow,
            ToolPolicy::Ask => Approval::Ask,
            ToolPolicy::Deny => Approval::Deny,
        };
        tools.register(Arc::new(ExecutePython::new(calculator)), approval);
    }
    Ok(Agent {
        name: "cost-estimator".into(),
        provider: connected.provider,
        model: connected.model,
        system: prompts::cost_estimator(&region),
        tools,
        max_steps: 12,
        history_turns: 10,
        memory,
    })
}
