//! Arguments checked against a tool's JSON Schema before they are sent, so the caller hears
//! exactly which argument is wrong instead of whatever the server makes of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rmcp::model::Tool;
use serde_json::{Map, Value};

/// How many schema violations one check reports.
const LISTED_VIOLATIONS: usize = 5;

/// Compiled validators by tool name; a tool whose schema changed is compiled again.
#[derive(Debug, Default)]
pub struct Validators {
    compiled: Mutex<HashMap<String, Compiled>>,
}

#[derive(Debug, Clone)]
struct Compiled {
    schema: Arc<Map<String, Value>>,
    /// `None` when the schema itself does not compile: such a tool's arguments go unchecked.
    validator: Option<Arc<jsonschema::Validator>>,
}

impl Validators {
    /// The ways `arguments` break the schema of `tool` (known as `name`), each with where
    /// (`/a: "one" is not of type "number"`); empty when they satisfy it.
    pub fn violations(
        &self,
        name: &str,
        tool: &Tool,
        arguments: &Map<String, Value>,
    ) -> Vec<String> {
        let Some(validator) = self.validator(name, tool) else {
            return Vec::new();
        };
        let instance = Value::Object(arguments.clone());
        validator
            .iter_errors(&instance)
            .take(LISTED_VIOLATIONS)
            .map(|error| {
                let path = error.instance_path().to_string();
                if path.is_empty() { error.to_string() } else { format!("{path}: {error}") }
            })
            .collect()
    }

    fn validator(&self, name: &str, tool: &Tool) -> Option<Arc<jsonschema::Validator>> {
        let mut compiled = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = compiled.get(name)
            && (Arc::ptr_eq(&known.schema, &tool.input_schema) || known.schema == tool.input_schema)
        {
            return known.validator.clone();
        }
        let schema = Value::Object((*tool.input_schema).clone());
        let validator = match jsonschema::validator_for(&schema) {
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

#[cfg(test)]
mod tests {
    use rmcp::model::Tool;
    use serde_json::json;

    use super::Validators;

    #[test]
    fn violations_name_the_argument_and_a_bad_schema_checks_nothing() {
        let schema = json!({"type": "object", "required": ["a"],
            "properties": {"a": {"type": "number"}, "b": {"type": "string"}}});
        let tool = Tool::new("sum", "adds", schema.as_object().cloned().unwrap_or_default());
        let validators = Validators::default();
        let good = json!({"a": 1, "b": "x"});
        assert!(validators.violations("sum", &tool, good.as_object().expect("object")).is_empty());
        let bad = json!({"a": "one", "b": 2});
        let found = validators.violations("sum", &tool, bad.as_object().expect("object"));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().any(|violation| violation.starts_with("/a: ")), "{found:?}");
        let missing = validators.violations("sum", &tool, &serde_json::Map::new());
        assert!(missing[0].contains("\"a\" is a required property"), "{missing:?}");
        let broken = json!({"type": "object", "properties": {"a": {"type": "no-such-type"}}});
        let odd = Tool::new("odd", "", broken.as_object().cloned().unwrap_or_default());
        assert!(validators.violations("odd", &odd, bad.as_object().expect("object")).is_empty());
    }
}
