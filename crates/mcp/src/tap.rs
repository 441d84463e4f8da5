//! Transports whose incoming messages are looked at as they arrive, and the use the client
//! makes of that: noticing errors the server could not address to any request.
//!
//! MCP 2026-07-28 lets a server answer a request it could not read with an error that has no
//! `id`; some servers also answer an unknown session that way (server-everything answers
//! `400 {"error": "Bad Request: No valid session ID provided"}` with no id where the spec asks
//! for a 404). rmcp can only log such an error, and the request behind it would wait for its
//! timeout; the tap wakes the calls in flight instead, so they can go once more on a new
//! session.

use std::sync::{Arc, Mutex, PoisonError};

use rmcp::model::JsonRpcMessage;
use rmcp::service::{RoleClient, RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::sync::Notify;

/// Where id-less errors are announced, with the last one's message.
#[derive(Debug, Default)]
pub(crate) struct Unaddressed {
    arrived: Notify,
    message: Mutex<Option<String>>,
}

impl Unaddressed {
    /// Completes when the next id-less error arrives (create it before sending).
    pub(crate) fn next(&self) -> tokio::sync::futures::Notified<'_> {
        self.arrived.notified()
    }

    /// The last id-less error's message.
    pub(crate) fn message(&self) -> String {
        self.message.lock().unwrap_or_else(PoisonError::into_inner).clone().unwrap_or_default()
    }
}

/// Looks at each message a client receives, before rmcp handles it.
pub type Observer = Arc<dyn Fn(&RxJsonRpcMessage<RoleClient>) + Send + Sync>;

/// A client transport whose incoming messages are shown to an [`Observer`] as they are read,
/// in order: for what rmcp's handlers (run on spawned tasks) would see too late.
pub struct Observed<T> {
    inner: T,
    observer: Observer,
}

impl<T> std::fmt::Debug for Observed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observed").finish_non_exhaustive()
    }
}

impl<T> Observed<T> {
    /// `inner`, with `observer` looking at what it receives.
    pub fn new(inner: T, observer: Observer) -> Observed<T> {
        Observed { inner, observer }
    }
}

impl<T: Transport<RoleClient> + 'static> Transport<RoleClient> for Observed<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleClient>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.inner.send(item)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleClient>> {
        let message = self.inner.receive().await?;
        (self.observer)(&message);
        Some(message)
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

impl Unaddressed {
    /// An observer that announces id-less errors here.
    pub(crate) fn observer(self: &Arc<Self>) -> Observer {
        let unaddressed = Arc::clone(self);
        Arc::new(move |message| {
            if let JsonRpcMessage::Error(error) = message
                && error.id.is_none()
            {
                *unaddressed.message.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some(error.error.message.to_string());
                unaddressed.arrived.notify_waiters();
            }
        })
    }
}
