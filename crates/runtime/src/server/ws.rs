//! `GET /ws`: the same turns over a WebSocket. The client sends the payload
//! (`{"prompt": "…"}`) as a text message and receives the same items as `POST /invocations`
//! streams, one JSON text message each, then `{"kind": "done", "session_id": …}`. Sending
//! `{"action": "cancel"}` stops the running turn (model stream and tool), answered with
//! `{"kind": "cancelled", "session_id": …}`. One turn runs at a time per connection; every
//! turn of a connection belongs to one conversation: the session header of the upgrade
//! request, or an id made up for the connection (sent in each `done`). Closing the socket
//! cancels the running turn.

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::agent::{self, RunningTurn, Shared, TurnItem};
use super::invocations::{BadInput, Invocation};
use crate::items::{SESSION_HEADER, error_item};

/// What a WebSocket connection needs: the turns, and when the server stops.
#[derive(Debug, Clone)]
pub(crate) struct Sockets {
    pub(crate) shared: Shared,
    pub(crate) shutdown: CancellationToken,
}

/// `GET /ws`.
pub(crate) async fn upgrade(
    State(sockets): State<Sockets>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // The connection's conversation, checked as a call's would be.
    let mut headers = headers;
    if headers.get(SESSION_HEADER).is_none()
        && let Ok(made_up) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
    {
        headers.insert(SESSION_HEADER, made_up);
    }
    if let Err(bad) = Invocation::from_payload(&headers, &json!({"prompt": "-"})) {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": bad.error, "details": bad.details})),
        )
            .into_response();
    }
    upgrade.on_upgrade(move |socket| talk(socket, sockets, headers))
}

async fn talk(mut socket: WebSocket, sockets: Sockets, headers: HeaderMap) {
    let mut running: Option<(RunningTurn, String)> = None;
    loop {
        tokio::select! {
            received = socket.recv() => {
                let text = match received {
                    Some(Ok(Message::Text(text))) => text.to_string(),
                    Some(Ok(Message::Binary(bytes))) => String::from_utf8_lossy(&bytes).into_owned(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    // Closed or broken: dropping the running turn cancels it.
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                let reply = received_text(&text, &headers, &sockets.shared, &mut running);
                if let Some(reply) = reply
                    && send(&mut socket, &reply).await.is_err()
                {
                    break;
                }
            }
            item = next_item(&mut running) => {
                let Some((item, session_id)) = item else { continue };
                let items = match item {
                    TurnItem::Event(event) => vec![agent::event_item(&event)],
                    TurnItem::Finished(result) => {
                        running = None;
                        let mut items = agent::closing_items(&result);
                        items.push(json!({"kind": "done", "session_id": session_id}));
                        items
                    }
                };
                let mut gone = false;
                for item in &items {
                    gone = gone || send(&mut socket, item).await.is_err();
                }
                if gone {
                    break;
                }
            }
            () = sockets.shutdown.cancelled(), if running.is_none() => {
                let _closing = socket.send(Message::Close(None)).await;
                break;
            }
        }
    }
}

/// Acts on one message from the client; returns the reply to send at once, if any.
fn received_text(
    text: &str,
    headers: &HeaderMap,
    shared: &Shared,
    running: &mut Option<(RunningTurn, String)>,
) -> Option<Value> {
    let payload: Value = match serde_json::from_str(text) {
        Ok(payload) => payload,
        Err(error) => return Some(json!({"error": "Invalid JSON", "details": error.to_string()})),
    };
    if payload.get("action").and_then(Value::as_str) == Some("cancel") {
        return Some(match running.take() {
            Some((_cancelled, session_id)) => {
                json!({"kind": "cancelled", "session_id": session_id})
            }
            None => error_item("NothingToCancel", "no turn is running on this connection"),
        });
    }
    if running.is_some() {
        return Some(error_item(
            "TurnRunning",
            "a turn is already running on this connection: wait for its done item, or send {\"action\": \"cancel\"}",
        ));
    }
    match Invocation::from_payload(headers, &payload) {
        Ok(invocation) => {
            *running = Some((agent::start(shared, &invocation), invocation.session_id));
            None
        }
        Err(BadInput { error, details, .. }) => Some(json!({"error": error, "details": details})),
    }
}

/// The running turn's next item, with its session; pending forever when none runs.
async fn next_item(running: &mut Option<(RunningTurn, String)>) -> Option<(TurnItem, String)> {
    match running {
        Some((turn, session_id)) => Some((turn.next().await?, session_id.clone())),
        None => std::future::pending().await,
    }
}

async fn send(socket: &mut WebSocket, item: &Value) -> Result<(), axum::Error> {
    socket.send(Message::Text(item.to_string().into())).await
}
