//! The sandbox's tool calls and results in the AWS SDK's types and back. The shapes are the
//! same on the wire (CONTRACTS.md, Code Interpreter); only the SDK's typed members differ
//! from the sandbox's JSON: blobs are bytes there and base64 here.

use agentdesk_wasm_sandbox::{Content, EmbeddedResource, Execution, ToolCall, ToolResult};
use aws_sdk_bedrockagentcore::types::{
    CodeInterpreterResult, ContentBlock, ContentBlockType, InputContentBlock, LanguageRuntime,
    ProgrammingLanguage, ToolArguments, ToolName,
};
use aws_smithy_types::Blob;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

/// The call as the SDK sends it, or what is wrong with its arguments.
pub(crate) fn to_sdk(call: &ToolCall) -> Result<(ToolName, ToolArguments), String> {
    let name = ToolName::try_parse(&call.name).map_err(|_| {
        format!("unknown tool {:?}; the tools are {}", call.name, ToolName::values().join(", "))
    })?;
    let arguments = match &call.arguments {
        Value::Object(arguments) => arguments,
        Value::Null => &serde_json::Map::new(),
        _ => return Err("arguments must be an object of the tool's arguments".into()),
    };
    let text = |key: &str| arguments.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut builder = ToolArguments::builder()
        .set_code(text("code"))
        .set_language(text("language").map(|language| ProgrammingLanguage::from(language.as_str())))
        .set_clear_context(arguments.get("clearContext").and_then(Value::as_bool))
        .set_command(text("command"))
        .set_path(text("path"))
        .set_directory_path(text("directoryPath"))
        .set_task_id(text("taskId"))
        .set_runtime(text("runtime").map(|runtime| LanguageRuntime::from(runtime.as_str())));
    if let Some(paths) = arguments.get("paths") {
        let paths = paths
            .as_array()
            .and_then(|paths| {
                paths
                    .iter()
                    .map(|path| path.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or("paths must be a list of file paths")?;
        builder = builder.set_paths(Some(paths));
    }
    if let Some(content) = arguments.get("content") {
        let files = content
            .as_array()
            .ok_or("content must be a list of {path, text} or {path, blob} files")?;
        let mut blocks = Vec::with_capacity(files.len());
        for file in files {
            blocks.push(input_block(file)?);
        }
        builder = builder.set_content(Some(blocks));
    }
    Ok((name, builder.build()))
}

/// One `{path, text}` or `{path, blob}` (base64) file of `writeFiles`.
fn input_block(file: &Value) -> Result<InputContentBlock, String> {
    let path =
        file.get("path").and_then(Value::as_str).ok_or("each file of content needs a path")?;
    let blob = match file.get("blob").and_then(Value::as_str) {
        Some(encoded) => Some(Blob::new(
            BASE64
                .decode(encoded)
                .map_err(|error| format!("the blob of {path} is not base64: {error}"))?,
        )),
        None => None,
    };
    let text = file.get("text").and_then(Value::as_str).map(str::to_owned);
    if text.is_none() && blob.is_none() {
        return Err(format!("the file {path} needs text or blob"));
    }
    InputContentBlock::builder()
        .path(path)
        .set_text(text)
        .set_blob(blob)
        .build()
        .map_err(|error| error.to_string())
}

/// A result as the sandbox gives it.
pub(crate) fn from_sdk(result: CodeInterpreterResult) -> ToolResult {
    let structured_content = result.structured_content.and_then(|run| {
        let ran = run.stdout.is_some() || run.stderr.is_some() || run.exit_code.is_some();
        ran.then(|| Execution {
            stdout: run.stdout.unwrap_or_default(),
            stderr: run.stderr.unwrap_or_default(),
            exit_code: run.exit_code.unwrap_or_default(),
            execution_time: run.execution_time.unwrap_or_default(),
            limit: None,
            memory_bytes: None,
            state_lost: false,
            stopped: false,
        })
    });
    ToolResult {
        content: result.content.into_iter().filter_map(content).collect(),
        structured_content,
        is_error: result.is_error.unwrap_or_default(),
    }
}

/// One content block; a block of a type this version does not know is kept as its text, or
/// dropped when it has none.
fn content(block: ContentBlock) -> Option<Content> {
    let ContentBlock {
        r#type, text, data, mime_type, uri, name, description, size, resource, ..
    } = block;
    match r#type {
        ContentBlockType::Image => Some(Content::Image {
            data: data.map(|data| BASE64.encode(data.as_ref())).unwrap_or_default(),
            mime_type: mime_type.unwrap_or_else(|| "image/png".into()),
        }),
        ContentBlockType::EmbeddedResource => {
            let resource = resource?;
            Some(Content::Resource {
                resource: EmbeddedResource {
                    uri: resource.uri.unwrap_or_default(),
                    mime_type: resource.mime_type,
                    text: resource.text,
                    blob: resource.blob.map(|blob| BASE64.encode(blob.as_ref())),
                },
            })
        }
        ContentBlockType::ResourceLink => Some(Content::ResourceLink {
            uri: uri.unwrap_or_default(),
            name: name.unwrap_or_default(),
            mime_type,
            size: size.and_then(|size| u64::try_from(size).ok()),
            description,
        }),
        _ => text.map(|text| Content::Text { text }),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_bedrockagentcore::types::{
        ResourceContent, ResourceContentType, ToolResultStructuredContent,
    };
    use serde_json::json;

    use super::*;

    #[test]
    fn write_files_blobs_are_sent_as_bytes_and_bad_arguments_are_named() {
        let call = ToolCall {
            name: "writeFiles".into(),
            arguments: json!({"content": [{"path": "a.txt", "text": "hi"}, {"path": "b.bin", "blob": "AAEC"}]}),
        };
        let (name, arguments) = to_sdk(&call).expect("converted");
        assert_eq!(name, ToolName::WriteFiles);
        assert_eq!(arguments.content()[1].blob.as_ref().map(Blob::as_ref), Some(&[0u8, 1, 2][..]));

        let unknown = ToolCall { name: "runShell".into(), arguments: json!({}) };
        assert!(to_sdk(&unknown).expect_err("refused").contains("unknown tool \"runShell\""));
        let no_path =
            ToolCall { name: "writeFiles".into(), arguments: json!({"content": [{"text": "x"}]}) };
        assert_eq!(to_sdk(&no_path).expect_err("refused"), "each file of content needs a path");
        let bad_blob = ToolCall {
            name: "writeFiles".into(),
            arguments: json!({"content": [{"path": "b.bin", "blob": "not base64!"}]}),
        };
        assert!(
            to_sdk(&bad_blob).expect_err("refused").starts_with("the blob of b.bin is not base64")
        );
    }

    #[test]
    fn results_keep_text_images_files_and_the_run() {
        let result = CodeInterpreterResult::builder()
            .content(
                ContentBlock::builder()
                    .r#type(ContentBlockType::Text)
                    .text("2\n")
                    .build()
                    .expect("block"),
            )
            .content(
                ContentBlock::builder()
                    .r#type(ContentBlockType::Image)
                    .data(Blob::new(vec![137, 80]))
                    .mime_type("image/png")
                    .build()
                    .expect("block"),
            )
            .content(
                ContentBlock::builder()
                    .r#type(ContentBlockType::EmbeddedResource)
                    .resource(
                        ResourceContent::builder()
                            .r#type(ResourceContentType::Blob)
                            .uri("file:///workspace/b.bin")
                            .blob(Blob::new(vec![0, 1, 2]))
                            .build()
                            .expect("resource"),
                    )
                    .build()
                    .expect("block"),
            )
            .structured_content(
                ToolResultStructuredContent::builder()
                    .stdout("2\n")
                    .stderr("")
                    .exit_code(0)
                    .execution_time(0.01)
                    .build(),
            )
            .is_error(false)
            .build()
            .expect("result");
        let result = from_sdk(result);
        assert_eq!(result.content[0], Content::Text { text: "2\n".into() });
        assert_eq!(
            result.content[1],
            Content::Image { data: "iVA=".into(), mime_type: "image/png".into() }
        );
        let Content::Resource { resource } = &result.content[2] else {
            panic!("a file: {result:?}")
        };
        assert_eq!(resource.blob.as_deref(), Some("AAEC"));
        let run = result.structured_content.expect("the run");
        assert_eq!((run.stdout.as_str(), run.exit_code), ("2\n", 0));
        assert!(!result.is_error);
    }
}
