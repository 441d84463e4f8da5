//! Server-sent events, as model APIs stream them: `event:` and `data:` lines, events separated
//! by a blank line. Bytes arrive in arbitrary chunks (a UTF-8 character or a line may be split
//! between two), so the parser buffers until an event is complete.

/// One complete event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field, when the stream names its events (Anthropic does, OpenAI does not).
    pub(crate) event: Option<String>,
    /// The `data:` lines, joined with newlines.
    pub(crate) data: String,
}

/// Turns chunks of bytes into complete events.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    buffer: Vec<u8>,
}

impl SseParser {
    /// Adds a chunk and returns the events it completed.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.buffer.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some((end, separator)) = event_end(&self.buffer) {
            let raw: Vec<u8> = self.buffer.drain(..end + separator).take(end).collect();
            if let Some(event) = parse_event(&String::from_utf8_lossy(&raw)) {
                events.push(event);
            }
        }
        events
    }
}

/// Where the first complete event ends, and the length of the blank line after it.
fn event_end(buffer: &[u8]) -> Option<(usize, usize)> {
    (0..buffer.len()).find_map(|index| {
        let rest = &buffer[index..];
        if rest.starts_with(b"\r\n\r\n") {
            Some((index, 4))
        } else if rest.starts_with(b"\n\n") {
            Some((index, 2))
        } else {
            None
        }
    })
}

fn parse_event(raw: &str) -> Option<SseEvent> {
    let mut event = None;
    let mut data: Vec<&str> = Vec::new();
    for line in raw.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => event = Some(value.to_owned()),
            "data" => data.push(value),
            // Comments (`: keep-alive`), ids and retry hints carry nothing a model client uses.
            _ => {}
        }
    }
    (!data.is_empty()).then(|| SseEvent { event, data: data.join("\n") })
}

#[cfg(test)]
mod tests {
    use super::{SseEvent, SseParser};

    #[test]
    fn events_split_anywhere_come_out_whole() {
        let stream =
            "event: message_start\ndata: {\"a\":\"日本\"}\n\n: ping\n\ndata: [DONE]\r\n\r\n";
        let bytes = stream.as_bytes();
        for split in 0..bytes.len() {
            let mut parser = SseParser::default();
            let mut events = parser.push(&bytes[..split]);
            events.extend(parser.push(&bytes[split..]));
            assert_eq!(
                events,
                [
                    SseEvent {
                        event: Some("message_start".into()),
                        data: "{\"a\":\"日本\"}".into()
                    },
                    SseEvent { event: None, data: "[DONE]".into() },
                ],
                "split at {split}"
            );
        }
    }

    #[test]
    fn multi_line_data_is_joined() {
        let mut parser = SseParser::default();
        let events = parser.push(b"data: one\ndata: two\n\n");
        assert_eq!(events[0].data, "one\ntwo");
    }
}
