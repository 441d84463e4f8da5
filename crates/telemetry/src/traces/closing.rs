//! Waiting at exit for the spans still open. A span can end a moment after the work it times:
//! the SQLite connection's worker thread, for one, drops its handle on the caller's span just
//! after answering. A span that ends after the pipeline has shut down is lost, so a command's
//! last turn went missing from `traces.db` about once in twenty runs before this.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

/// The most a pipeline's shutdown waits for open spans to end.
const AT_MOST: Duration = Duration::from_millis(200);

/// Counts the spans started and not yet ended.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpenSpans(Arc<AtomicUsize>);

impl OpenSpans {
    /// Returns once no span is open, or after [`AT_MOST`].
    pub(crate) fn wait_until_closed(&self) {
        let give_up = Instant::now() + AT_MOST;
        while self.0.load(Ordering::Acquire) > 0 && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl SpanProcessor for OpenSpans {
    fn on_start(&self, _span: &mut Span, _parent: &Context) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }

    fn on_end(&self, _span: SpanData) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}
