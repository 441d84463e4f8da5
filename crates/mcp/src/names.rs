//! Tool names as a model API sees them: `{server}__{tool}`, limited to the characters and the
//! 64-character length Bedrock Converse, Anthropic and OpenAI accept, and mapped back.
//!
//! A gateway's tools are already `{target}___{tool}`, so with the server's prefix a name can
//! pass 64 characters; such a name keeps its start, gains a short hash of the whole, and is
//! looked up in the table that made it.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// The longest tool name the model APIs accept.
pub const MAX_MODEL_NAME: usize = 64;

/// Two-way table between `(server, tool)` and the names models see.
#[derive(Debug, Default, Clone)]
pub struct ToolNames {
    to_tool: HashMap<String, (String, String)>,
}

impl ToolNames {
    /// The model-facing name of `tool` on `server`, remembered for [`ToolNames::resolve`].
    pub fn model_name(&mut self, server: &str, tool: &str) -> String {
        let full: String = format!("{server}__{tool}")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
            .collect();
        let name = if full.len() <= MAX_MODEL_NAME && full == format!("{server}__{tool}") {
            full
        } else {
            let digest = Sha256::digest(format!("{server}\u{0}{tool}").as_bytes());
            let hash: String = digest.iter().take(4).map(|byte| format!("{byte:02x}")).collect();
            let keep = MAX_MODEL_NAME - hash.len() - 1;
            let start: String = full.chars().take(keep).collect();
            format!("{start}_{hash}")
        };
        self.to_tool.insert(name.clone(), (server.to_owned(), tool.to_owned()));
        name
    }

    /// The server and tool behind a model-facing name.
    pub fn resolve(&self, model_name: &str) -> Option<(&str, &str)> {
        self.to_tool.get(model_name).map(|(server, tool)| (server.as_str(), tool.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_MODEL_NAME, ToolNames};

    #[test]
    fn long_and_odd_names_fit_and_map_back() {
        let mut names = ToolNames::default();
        assert_eq!(names.model_name("pricing", "get_price"), "pricing__get_price");
        let long_tool = "cost-estimation-target___aws_cost_estimation_for_an_architecture";
        let long = names.model_name("agentcore-gateway", long_tool);
        assert_eq!(long.len(), MAX_MODEL_NAME);
        assert!(long.starts_with("agentcore-gateway__cost-estimation"), "{long}");
        assert_eq!(names.resolve(&long), Some(("agentcore-gateway", long_tool)));
        let similar = names.model_name("agentcore-gateway", &format!("{long_tool}_v2"));
        assert_ne!(similar, long, "names that share a long start still differ");
        let dotted = names.model_name("files", "read.file");
        assert!(dotted.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        assert_eq!(names.resolve(&dotted), Some(("files", "read.file")));
        assert_eq!(names.resolve("nope"), None);
    }
}
