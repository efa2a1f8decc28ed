//! A fake vendor API for tests: a tiny HTTP/1.1 server on `127.0.0.1` that hands every
//! request to a closure and sends back what it returns, including faults (delays, dropped
//! connections, 429 and 5xx). The library's unit tests, the CLI tests and the fetch
//! benchmark include this file (`#[path]`); it is never part of the library itself.
//!
//! It is deliberately small: one thread per connection, `Content-Length` bodies only (no
//! chunked requests: `reqwest` sends a length for byte bodies), and `Connection: close` on
//! every reply, so each request arrives on a fresh connection and is counted once.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The longest request head the fake reads; a longer one is dropped.
const MAX_HEAD: usize = 64 * 1024;
/// How long a connection may sit idle before the fake gives up on it, so a stuck client
/// cannot keep a test thread alive.
const IDLE: Duration = Duration::from_secs(10);

type Handler = dyn Fn(&FakeRequest) -> FakeReply + Send + Sync + 'static;

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, still percent-encoded as sent (`/v1/resources`).
    pub path: String,
    /// Query parameters in the order sent, percent-decoded (`+` is kept as `+`, as in
    /// RFC 3986, which is what both vendors' signatures use).
    pub query: Vec<(String, String)>,
    /// Headers in the order sent; names as sent (HTTP/1.1 clients lowercase them).
    pub headers: Vec<(String, String)>,
    /// The body (empty when there is none).
    pub body: Vec<u8>,
}

impl FakeRequest {
    /// The first header called `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first query parameter called `name`.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the fake does with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeReply {
    /// The HTTP status.
    pub status: u16,
    /// Extra headers; `Content-Length` and `Connection: close` are always added.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How long to wait before replying (or before dropping the connection).
    pub delay: Duration,
    /// Close the connection without any reply, as a crashed backend or a reset does.
    pub drop_connection: bool,
}

impl FakeReply {
    /// A reply with this status and an empty body.
    pub fn status(status: u16) -> FakeReply {
        FakeReply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
            drop_connection: false,
        }
    }

    /// A JSON reply.
    pub fn json(status: u16, value: serde_json::Value) -> FakeReply {
        FakeReply::status(status)
            .header("Content-Type", "application/json")
            .body(value.to_string().into_bytes())
    }

    /// No reply at all: the connection is closed once the request has been read.
    pub fn drop() -> FakeReply {
        FakeReply {
            drop_connection: true,
            ..FakeReply::status(0)
        }
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> FakeReply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Replace the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> FakeReply {
        self.body = body.into();
        self
    }

    /// Wait this long before replying.
    pub fn with_delay(mut self, delay: Duration) -> FakeReply {
        self.delay = delay;
        self
    }
}

/// A running fake server. It stops accepting connections when dropped; replies already
/// being delayed finish on their own threads.
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    handler: Box<Handler>,
    hits: AtomicUsize,
    requests: Mutex<Vec<FakeRequest>>,
    stop: AtomicBool,
}

impl FakeServer {
    /// Start a server on a free port of `127.0.0.1`.
    ///
    /// # Panics
    /// When no local port can be bound: this is test code, and a test cannot go on.
    #[allow(clippy::expect_used)] // a test fixture: panicking is how it reports a broken machine
    pub fn start(
        handler: impl Fn(&FakeRequest) -> FakeReply + Send + Sync + 'static,
    ) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("fake server: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake server: local address");
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            hits: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let accepting = Arc::clone(&shared);
        let acceptor = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accepting);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        FakeServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The base URL, `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many complete requests have arrived so far (dropped ones included).
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }

    /// Every complete request so far, in arrival order.
    pub fn requests(&self) -> Vec<FakeRequest> {
        lock(&self.shared.requests).clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // `accept` blocks; one more connection wakes it up to see the flag.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if let (true, Some(acceptor)) = (woke, self.acceptor.take()) {
            let _ = acceptor.join();
        }
    }
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("url", &self.url())
            .field("hits", &self.hits())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A handler that panicked must not hide every later request from the test.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn serve(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let _ = stream.set_write_timeout(Some(IDLE));
    let Some(request) = read_request(&mut stream) else {
        return; // the wake-up connection from Drop, or a client that gave up
    };
    shared.hits.fetch_add(1, Ordering::SeqCst);
    lock(&shared.requests).push(request.clone());
    let handler = std::panic::AssertUnwindSafe(|| (shared.handler)(&request));
    let reply = std::panic::catch_unwind(handler).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("fake server: handler panicked: {what}");
        FakeReply::json(
            500,
            serde_json::json!({"error_code": "FAKE.PANIC", "error_msg": format!("fake handler panicked: {what}")}),
        )
    });
    if !reply.delay.is_zero() {
        std::thread::sleep(reply.delay);
    }
    if reply.drop_connection {
        let _ = stream.shutdown(Shutdown::Both);
        return;
    }
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(&reply.body))
        .and_then(|()| stream.flush());
    let _ = stream.shutdown(Shutdown::Write);
}

fn read_request(stream: &mut TcpStream) -> Option<FakeRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = find(&buf, b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map_or(Some(0), |(_, v)| v.parse().ok())?;
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    Some(FakeRequest {
        method,
        path: path.to_string(),
        query,
        headers,
        body,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `%XX` decoding; an invalid escape is kept as it is.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(server: &FakeServer, request: &str) -> String {
        let mut stream = TcpStream::connect(server.url().trim_start_matches("http://")).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn parses_the_request_and_writes_the_reply() {
        let server = FakeServer::start(|req| {
            FakeReply::json(
                201,
                serde_json::json!({"echo": String::from_utf8_lossy(&req.body)}),
            )
            .header("X-Request-Id", "r-1")
        });
        let reply = raw(
            &server,
            "POST /v1/x%20y?a=1&b=%2F%2B+&flag HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
        );
        assert!(reply.starts_with("HTTP/1.1 201 Created\r\n"), "{reply}");
        assert!(reply.contains("X-Request-Id: r-1\r\n"));
        assert!(reply.ends_with(r#"{"echo":"hello"}"#));
        let seen = &server.requests()[0];
        assert_eq!(seen.method, "POST");
        assert_eq!(seen.path, "/v1/x%20y");
        assert_eq!(seen.query_value("b"), Some("/++"));
        assert_eq!(seen.query_value("flag"), Some(""));
        assert_eq!(seen.header("content-length"), Some("5"));
        assert_eq!(server.hits(), 1);
    }

    #[test]
    fn a_dropped_reply_sends_nothing_and_a_panic_becomes_a_500() {
        let server = FakeServer::start(|req| {
            if req.path == "/drop" {
                FakeReply::drop()
            } else {
                panic!("no route for {}", req.path)
            }
        });
        assert_eq!(raw(&server, "GET /drop HTTP/1.1\r\nHost: h\r\n\r\n"), "");
        let reply = raw(&server, "GET /nope HTTP/1.1\r\nHost: h\r\n\r\n");
        assert!(reply.starts_with("HTTP/1.1 500"), "{reply}");
        assert!(reply.contains("no route for /nope"));
        assert_eq!(server.hits(), 2);
    }
}
