//! Arguments checked against a tool's JSON Schema before any target sees them, so a caller
//! hears exactly which argument is wrong instead of whatever the target makes of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rmcp::ErrorData as McpError;
use rmcp::model::Tool;
use serde_json::{Map, Value, json};

/// How many schema violations one error lists.
const LISTED_VIOLATIONS: usize = 5;

/// Compiled validators, by listed tool name; recompiled when a tool's schema changes.
#[derive(Debug, Default)]
pub(crate) struct Validators {
    compiled: Mutex<HashMap<String, Compiled>>,
}

#[derive(Debug, Clone)]
struct Compiled {
    schema: Arc<Map<String, Value>>,
    /// `None` when the schema itself does not compile: such a tool's arguments go unchecked.
    validator: Option<Arc<jsonschema::Validator>>,
}

impl Validators {
    /// Whether `arguments` satisfy the schema of `tool` (listed as `name`); if not, an
    /// invalid-params error naming each violation and where it is.
    pub(crate) fn check(
        &self,
        name: &str,
        tool: &Tool,
        arguments: &Map<String, Value>,
    ) -> Result<(), McpError> {
        let Some(validator) = self.validator(name, tool) else {
            return Ok(());
        };
        let instance = Value::Object(arguments.clone());
        let violations: Vec<String> = validator
            .iter_errors(&instance)
            .take(LISTED_VIOLATIONS)
            .map(|error| {
                let path = error.instance_path().to_string();
                if path.is_empty() { error.to_string() } else { format!("{path}: {error}") }
            })
            .collect();
        if violations.is_empty() {
            return Ok(());
        }
        Err(McpError::invalid_params(
            format!("the arguments of {name} do not match its schema: {}", violations.join("; ")),
            Some(json!({"violations": violations})),
        ))
    }

    fn validator(&self, name: &str, tool: &Tool) -> Option<Arc<jsonschema::Validator>> {
        let mut compiled = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = compiled.get(name)
            && (Arc::ptr_eq(&known.schema, &tool.input_schema) || known.schema == tool.input_schema)
        {
            return known.validator.clone();
        }
        let validator = match jsonschema::validator_for(&Value::Object(
            (*tool.input_schema).clone(),
        )) {
            Ok(validator) => Some(Arc::new(validator)),
            Err(error) => {
                tracing::warn!(tool = name, %error, "its input schema does not compile; arguments go unchecked");
                None
            }
        };
        compiled.insert(
            name.to_owned(),
            Compiled { schema: Arc::clone(&tool.input_schema), validator: validator.clone() },
        );
        validator
    }
}
