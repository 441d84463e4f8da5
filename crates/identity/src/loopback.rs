//! The loopback redirect of a native app's sign-in (RFC 8252 §7.3): a listener on
//! 127.0.0.1 and a random port that waits for the one expected callback, checks its `state`,
//! and closes — after that callback, or after the time allowed.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The path the provider redirects to.
const CALLBACK: &str = "/callback";

/// The redirect URI a client registers: a provider that follows RFC 8252 §7.3 accepts it
/// with whatever port the listener gets.
pub(crate) const PORTLESS_REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// A listener waiting for one authorization response.
#[derive(Debug)]
pub(crate) struct Loopback {
    listener: TcpListener,
    /// `http://127.0.0.1:PORT/callback`.
    pub(crate) redirect_uri: String,
}

/// What the provider sent back.
#[derive(Debug)]
pub(crate) enum Callback {
    /// The code, with the expected state.
    Code(String),
    /// The provider's error (`access_denied`…) and its description.
    Error(String, Option<String>),
}

impl Loopback {
    /// Listens on 127.0.0.1 only, on a port the system picks.
    pub(crate) async fn bind() -> std::io::Result<Loopback> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let redirect_uri = format!("http://127.0.0.1:{}{CALLBACK}", listener.local_addr()?.port());
        Ok(Loopback { listener, redirect_uri })
    }

    /// Waits for the callback carrying `state`. Requests for any other path, or with another
    /// state, are answered with an error page and do not end the wait. The listener closes
    /// when this returns.
    pub(crate) async fn wait(self, state: &str, patience: Duration) -> Result<Callback, String> {
        let waiting = async {
            loop {
                let Ok((stream, _)) = self.listener.accept().await else { continue };
                if let Some(callback) = answer(stream, state).await {
                    return callback;
                }
            }
        };
        tokio::time::timeout(patience, waiting).await.map_err(|_| {
            format!("no answer from the browser within {} minutes", patience.as_secs() / 60)
        })
    }
}

/// Reads one request and answers it; `Some` when it was the expected callback.
async fn answer(mut stream: TcpStream, state: &str) -> Option<Callback> {
    let mut buffer = vec![0u8; 8192];
    let mut read = 0;
    // The request line and headers; the callback has no body.
    while read < buffer.len() {
        let got = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer[read..]))
            .await
            .ok()?
            .ok()?;
        if got == 0 {
            break;
        }
        read += got;
        if buffer[..read].windows(4).any(|window| window == b"\r\n\r\n") {
            break;
        }
    }
    let head = String::from_utf8_lossy(&buffer[..read]);
    let target = head.lines().next().and_then(|line| {
        let mut parts = line.split(' ');
        (parts.next() == Some("GET")).then(|| parts.next()).flatten()
    });
    let parsed =
        target.and_then(|target| url::Url::parse(&format!("http://127.0.0.1{target}")).ok());
    let Some(url) = parsed.filter(|url| url.path() == CALLBACK) else {
        respond(&mut stream, "404 Not Found", "Not found.").await;
        return None;
    };
    let value = |name: &str| {
        url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
    };
    if value("state").as_deref() != Some(state) {
        respond(
            &mut stream,
            "400 Bad Request",
            "This sign-in response does not match the sign-in AgentDesk started; it was ignored.",
        )
        .await;
        return None;
    }
    let callback = match (value("code"), value("error")) {
        (Some(code), None) => Callback::Code(code),
        (_, Some(error)) => Callback::Error(error, value("error_description")),
        (None, None) => {
            respond(&mut stream, "400 Bad Request", "The response carries no code.").await;
            return None;
        }
    };
    let page = match &callback {
        Callback::Code(_) => {
            "Signed in. You can close this tab and return to AgentDesk. / サインインしました。このタブを閉じて AgentDesk に戻ってください。"
        }
        Callback::Error(..) => {
            "Sign-in was not completed; AgentDesk shows why. / サインインは完了しませんでした。理由は AgentDesk に表示されます。"
        }
    };
    respond(&mut stream, "200 OK", page).await;
    Some(callback)
}

async fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>AgentDesk</title><p style=\"font-family:sans-serif\">{text}</p>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\ncache-control: no-store\r\n\r\n{body}",
        body.len()
    );
    let _ignored = stream.write_all(response.as_bytes()).await;
    let _ignored = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::{Callback, Loopback};

    async fn get(port: u16, target: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
        let request = format!("GET {target} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("read");
        answer.lines().next().unwrap_or_default().to_owned()
    }

    #[tokio::test]
    async fn only_the_expected_callback_ends_the_wait_and_then_the_port_closes() {
        let loopback = Loopback::bind().await.expect("bind");
        assert!(loopback.redirect_uri.starts_with("http://127.0.0.1:"));
        let port: u16 = loopback
            .redirect_uri
            .trim_start_matches("http://127.0.0.1:")
            .trim_end_matches("/callback")
            .parse()
            .expect("port");
        let waiting = tokio::spawn(loopback.wait("good-state", Duration::from_secs(60)));
        assert_eq!(get(port, "/favicon.ico").await, "HTTP/1.1 404 Not Found");
        assert_eq!(
            get(port, "/callback?code=stolen&state=other").await,
            "HTTP/1.1 400 Bad Request"
        );
        assert_eq!(get(port, "/callback?code=c-1&state=good-state").await, "HTTP/1.1 200 OK");
        let callback = waiting.await.expect("task").expect("callback");
        assert!(matches!(callback, Callback::Code(code) if code == "c-1"));
        assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err(), "closed after use");
    }

    #[tokio::test]
    async fn the_wait_ends_when_patience_runs_out() {
        let loopback = Loopback::bind().await.expect("bind");
        let error = loopback.wait("s", Duration::from_millis(50)).await.expect_err("timed out");
        assert!(error.contains("no answer from the browser"), "{error}");
    }
}
