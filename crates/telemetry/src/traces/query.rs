//! Reading the store back: conversations → traces → a trace's spans, narrowed by a
//! [`TraceFilter`], and a trace as OTLP JSON (what any OTLP tool imports).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use sqlx::{QueryBuilder, Row, Sqlite};
use ts_rs::TS;

use super::store::{TraceStore, TraceStoreError};

/// How many sessions or traces a list returns at most, newest first.
const LIST_LIMIT: i64 = 500;

/// Tokens one model used, summed over its model calls (`chat` spans and spans with token
/// usage): what a cost is computed from, by whoever knows prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Traces.ts")]
pub struct ModelUsage {
    /// The model as requested (`gen_ai.request.model`); empty when a span did not say.
    pub model: String,
    /// Input tokens.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Model calls that reported no token usage (their cost cannot be known).
    pub unreported_calls: i64,
}

/// One conversation's traces summed up; traces that carry no conversation id form one
/// group whose `sessionId` is null.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Traces.ts")]
pub struct SessionSummary {
    /// The conversation (`session.id` / `gen_ai.conversation.id`).
    pub session_id: Option<String>,
    /// When its first trace began, in nanoseconds since the Unix epoch.
    pub start_ns: i64,
    /// When its last trace ended.
    pub end_ns: i64,
    /// How many traces (agent turns, commands) it has.
    pub trace_count: i64,
    /// Model input tokens over all its model calls.
    pub input_tokens: i64,
    /// Model output tokens over all its model calls.
    pub output_tokens: i64,
    /// Spans that ended in error.
    pub error_count: i64,
    /// Its tokens by model.
    pub models: Vec<ModelUsage>,
}

/// One trace summed up.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Traces.ts")]
pub struct TraceSummary {
    /// The W3C trace id (32 hex digits).
    pub trace_id: String,
    /// Its conversation, when a span names one.
    pub session_id: Option<String>,
    /// Its root span's name (`invoke_agent cost-estimator`).
    pub root_name: Option<String>,
    /// When it began, in nanoseconds since the Unix epoch.
    pub start_ns: i64,
    /// When it ended.
    pub end_ns: i64,
    /// How many spans it has.
    pub span_count: i64,
    /// Spans that ended in error.
    pub error_count: i64,
    /// Model input tokens.
    pub input_tokens: i64,
    /// Model output tokens.
    pub output_tokens: i64,
    /// Its tokens by model.
    pub models: Vec<ModelUsage>,
}

/// An event of a span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Traces.ts")]
pub struct SpanEvent {
    /// Its name (`exception`, …).
    pub name: String,
    /// When, in nanoseconds since the Unix epoch.
    pub time_ns: i64,
    /// Its attributes.
    #[ts(type = "Record<string, unknown>")]
    pub attributes: serde_json::Map<String, Json>,
}

/// One span with everything recorded on it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Traces.ts")]
pub struct SpanView {
    /// Its id (16 hex digits).
    pub span_id: String,
    /// Its parent's id; null for a root.
    pub parent_span_id: Option<String>,
    /// Its name (`chat claude-sonnet-4`, `execute_tool estimate_costs`).
    pub name: String,
    /// `internal`, `client`, `server`, `producer` or `consumer`.
    pub kind: String,
    /// When it began, in nanoseconds since the Unix epoch.
    pub start_ns: i64,
    /// When it ended.
    pub end_ns: i64,
    /// `unset`, `ok` or `error`.
    pub status: String,
    /// The error's description, for `error`.
    pub status_message: Option<String>,
    /// Its attributes, with their types.
    #[ts(type = "Record<string, unknown>")]
    pub attributes: serde_json::Map<String, Json>,
    /// Its events.
    pub events: Vec<SpanEvent>,
    /// Model input tokens, on a model call.
    pub input_tokens: Option<i64>,
    /// Model output tokens, on a model call.
    pub output_tokens: Option<i64>,
}

/// A trace with every span, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "Traces.ts")]
pub struct TraceDetail {
    /// The trace summed up.
    pub summary: TraceSummary,
    /// Its spans.
    pub spans: Vec<SpanView>,
}

/// What lists are narrowed by; empty fields do not narrow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export_to = "Traces.ts")]
pub struct TraceFilter {
    /// Only this conversation's traces.
    pub session_id: Option<String>,
    /// Traces whose id starts with this.
    pub trace_id: String,
    /// Traces with a span whose name contains this.
    pub span_name: String,
    /// Traces with a span of this status (`ok`, `error`, `unset`).
    pub status: String,
    /// Traces with a span having this attribute: `key`, or `key=value`.
    pub attribute: String,
    /// Traces lasting at least this long.
    pub min_duration_ms: Option<u64>,
}

/// The per-trace sums every list starts from.
const PER_TRACE: &str = "SELECT trace_id, session_id, start_ns, end_ns, span_count, error_count, \
     input_tokens, output_tokens FROM trace_sums";

impl TraceStore {
    /// Conversations with their traces summed up, most recently active first.
    pub async fn sessions(
        &self,
        filter: &TraceFilter,
    ) -> Result<Vec<SessionSummary>, TraceStoreError> {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT session_id, MIN(start_ns) AS start_ns, MAX(end_ns) AS end_ns, COUNT(*) AS trace_count, \
             SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, \
             SUM(error_count) AS error_count FROM (",
        );
        per_trace(&mut sql, filter);
        sql.push(") GROUP BY session_id ORDER BY MAX(end_ns) DESC LIMIT ");
        sql.push_bind(LIST_LIMIT);
        let rows = sql.build().fetch_all(&self.pool).await?;
        let mut by_session = self.model_usage(filter, UsagePer::Session).await?;
        rows.iter()
            .map(|row| {
                let session_id: Option<String> = row.try_get("session_id")?;
                Ok(SessionSummary {
                    models: by_session.remove(&session_id).unwrap_or_default(),
                    session_id,
                    start_ns: row.try_get("start_ns")?,
                    end_ns: row.try_get("end_ns")?,
                    trace_count: row.try_get("trace_count")?,
                    input_tokens: row.try_get("input_tokens")?,
                    output_tokens: row.try_get("output_tokens")?,
                    error_count: row.try_get("error_count")?,
                })
            })
            .collect()
    }

    /// Traces summed up, newest first.
    pub async fn traces(&self, filter: &TraceFilter) -> Result<Vec<TraceSummary>, TraceStoreError> {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT t.*, (SELECT name FROM spans r WHERE r.trace_id = t.trace_id \
             AND (r.parent_span_id IS NULL OR r.parent_remote) ORDER BY r.start_ns LIMIT 1) \
             AS root_name FROM (",
        );
        per_trace(&mut sql, filter);
        sql.push(") AS t ORDER BY t.start_ns DESC LIMIT ");
        sql.push_bind(LIST_LIMIT);
        let rows = sql.build().fetch_all(&self.pool).await?;
        let mut by_trace = self.model_usage(filter, UsagePer::Trace).await?;
        rows.iter()
            .map(|row| {
                let mut summary = summary(row)?;
                summary.models =
                    by_trace.remove(&Some(summary.trace_id.clone())).unwrap_or_default();
                Ok(summary)
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Tokens by model over the traces `filter` selects, summed per trace or per
    /// conversation.
    async fn model_usage(
        &self,
        filter: &TraceFilter,
        per: UsagePer,
    ) -> Result<HashMap<Option<String>, Vec<ModelUsage>>, TraceStoreError> {
        let mut sql: QueryBuilder<Sqlite> = QueryBuilder::new(match per {
            UsagePer::Trace => "SELECT t.trace_id AS owner",
            UsagePer::Session => "SELECT t.session_id AS owner",
        });
        sql.push(
            ", u.model, SUM(u.input_tokens) AS input_tokens, SUM(u.output_tokens) AS output_tokens, \
             SUM(u.unreported_calls) AS unreported_calls FROM (",
        );
        per_trace(&mut sql, filter);
        sql.push(
            ") AS t JOIN trace_models AS u ON u.trace_id = t.trace_id GROUP BY owner, u.model",
        );
        let mut usage: HashMap<Option<String>, Vec<ModelUsage>> = HashMap::new();
        for row in sql.build().fetch_all(&self.pool).await? {
            usage.entry(row.try_get("owner")?).or_default().push(ModelUsage {
                model: row.try_get("model")?,
                input_tokens: row.try_get("input_tokens")?,
                output_tokens: row.try_get("output_tokens")?,
                unreported_calls: row.try_get("unreported_calls")?,
            });
        }
        Ok(usage)
    }

    /// One trace with all its spans.
    pub async fn trace(&self, trace_id: &str) -> Result<TraceDetail, TraceStoreError> {
        let filter = TraceFilter { trace_id: trace_id.to_owned(), ..TraceFilter::default() };
        let summary = self
            .traces(&filter)
            .await?
            .into_iter()
            .find(|summary| summary.trace_id == trace_id)
            .ok_or_else(|| TraceStoreError::NoSuchTrace(trace_id.to_owned()))?;
        let rows = sqlx::query(
            "SELECT span_id, parent_span_id, name, kind, start_ns, end_ns, status, status_message, \
             attributes, events, input_tokens, output_tokens FROM spans WHERE trace_id = ? \
             ORDER BY start_ns, span_id",
        )
        .bind(trace_id)
        .fetch_all(&self.pool)
        .await?;
        let spans = rows.iter().map(span_view).collect::<Result<_, sqlx::Error>>()?;
        Ok(TraceDetail { summary, spans })
    }

    /// A trace as OTLP JSON (`ExportTraceServiceRequest`), for any OTLP tool to import.
    pub async fn otlp_json(&self, trace_id: &str) -> Result<Json, TraceStoreError> {
        let detail = self.trace(trace_id).await?;
        let spans: Vec<Json> = detail
            .spans
            .iter()
            .map(|span| {
                let mut otlp = json!({
                    "traceId": trace_id,
                    "spanId": span.span_id,
                    "name": span.name,
                    "kind": otlp_kind(&span.kind),
                    "startTimeUnixNano": span.start_ns.to_string(),
                    "endTimeUnixNano": span.end_ns.to_string(),
                    "attributes": otlp_attributes(&span.attributes),
                    "events": span.events.iter().map(|event| json!({
                        "timeUnixNano": event.time_ns.to_string(),
                        "name": event.name,
                        "attributes": otlp_attributes(&event.attributes),
                    })).collect::<Vec<_>>(),
                    "status": match span.status.as_str() {
                        "ok" => json!({"code": 1}),
                        "error" => json!({"code": 2, "message": span.status_message.clone().unwrap_or_default()}),
                        _ => json!({}),
                    },
                });
                if let Some(parent) = &span.parent_span_id {
                    otlp["parentSpanId"] = Json::from(parent.as_str());
                }
                otlp
            })
            .collect();
        Ok(json!({"resourceSpans": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "agentdesk"}}]},
            "scopeSpans": [{"scope": {"name": "agentdesk"}, "spans": spans}],
        }]}))
    }
}

/// What token usage is summed per.
#[derive(Debug, Clone, Copy)]
enum UsagePer {
    Trace,
    Session,
}

/// `PER_TRACE` narrowed by `filter`.
fn per_trace(sql: &mut QueryBuilder<Sqlite>, filter: &TraceFilter) {
    sql.push(PER_TRACE);
    sql.push(" WHERE 1 = 1");
    if let Some(session) = &filter.session_id {
        sql.push(" AND session_id = ");
        sql.push_bind(session.clone());
    }
    if !filter.trace_id.trim().is_empty() {
        sql.push(" AND trace_id LIKE ");
        sql.push_bind(format!("{}%", filter.trace_id.trim().to_ascii_lowercase()));
    }
    if !filter.span_name.trim().is_empty() {
        sql.push(" AND trace_id IN (SELECT trace_id FROM spans WHERE name LIKE ");
        sql.push_bind(format!("%{}%", filter.span_name.trim()));
        sql.push(")");
    }
    if !filter.status.trim().is_empty() {
        sql.push(" AND trace_id IN (SELECT trace_id FROM spans WHERE status = ");
        sql.push_bind(filter.status.trim().to_owned());
        sql.push(")");
    }
    let attribute = filter.attribute.trim();
    if !attribute.is_empty() {
        let (key, value) = match attribute.split_once('=') {
            Some((key, value)) => (key.trim(), Some(value.trim())),
            None => (attribute, None),
        };
        // The key is quoted as one JSON path member, so dots in `gen_ai.request.model` stay.
        let path = format!("$.\"{}\"", key.replace('"', ""));
        sql.push(" AND trace_id IN (SELECT trace_id FROM spans WHERE json_extract(attributes, ");
        sql.push_bind(path);
        match value {
            Some(value) => {
                sql.push(") = ");
                sql.push_bind(value.to_owned());
            }
            None => {
                sql.push(") IS NOT NULL");
            }
        }
        sql.push(")");
    }
    if let Some(minimum) = filter.min_duration_ms {
        sql.push(" AND end_ns - start_ns >= ");
        sql.push_bind(i64::try_from(minimum.saturating_mul(1_000_000)).unwrap_or(i64::MAX));
    }
}

fn summary(row: &sqlx::sqlite::SqliteRow) -> Result<TraceSummary, sqlx::Error> {
    Ok(TraceSummary {
        trace_id: row.try_get("trace_id")?,
        session_id: row.try_get("session_id")?,
        root_name: row.try_get("root_name")?,
        start_ns: row.try_get("start_ns")?,
        end_ns: row.try_get("end_ns")?,
        span_count: row.try_get("span_count")?,
        error_count: row.try_get("error_count")?,
        input_tokens: row.try_get("input_tokens")?,
        output_tokens: row.try_get("output_tokens")?,
        models: Vec::new(),
    })
}

fn span_view(row: &sqlx::sqlite::SqliteRow) -> Result<SpanView, sqlx::Error> {
    let attributes: String = row.try_get("attributes")?;
    let events: String = row.try_get("events")?;
    Ok(SpanView {
        span_id: row.try_get("span_id")?,
        parent_span_id: row.try_get("parent_span_id")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        start_ns: row.try_get("start_ns")?,
        end_ns: row.try_get("end_ns")?,
        status: row.try_get("status")?,
        status_message: row.try_get("status_message")?,
        // Written by this crate as JSON; a row damaged by hand shows as empty rather than
        // hiding the trace.
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
        events: serde_json::from_str(&events).unwrap_or_default(),
        input_tokens: row.try_get("input_tokens")?,
        output_tokens: row.try_get("output_tokens")?,
    })
}

/// OTLP's number of a span kind.
fn otlp_kind(kind: &str) -> u8 {
    match kind {
        "internal" => 1,
        "server" => 2,
        "client" => 3,
        "producer" => 4,
        "consumer" => 5,
        _ => 0,
    }
}

/// Attributes as OTLP's `[{key, value: {stringValue|intValue|doubleValue|boolValue|arrayValue}}]`.
fn otlp_attributes(attributes: &serde_json::Map<String, Json>) -> Vec<Json> {
    attributes.iter().map(|(key, value)| json!({"key": key, "value": otlp_value(value)})).collect()
}

fn otlp_value(value: &Json) -> Json {
    match value {
        Json::Bool(value) => json!({"boolValue": value}),
        Json::Number(number) if number.is_i64() || number.is_u64() => {
            json!({"intValue": number.to_string()})
        }
        Json::Number(number) => json!({"doubleValue": number}),
        Json::Array(values) => {
            json!({"arrayValue": {"values": values.iter().map(otlp_value).collect::<Vec<_>>()}})
        }
        Json::String(text) => json!({"stringValue": text}),
        other => json!({"stringValue": other.to_string()}),
    }
}
