//! A small HTTP/1.1 client over `std::net::TcpStream`, so every byte a test sends is its own.
//!
//! A browser upload is judged on its exact multipart body, so the suite writes requests by
//! hand: one connection per request, `Connection: close`, a `Content-Length`, and the answer
//! read to the end. Only plain `http://` endpoints are supported; the test server listens on
//! loopback.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a server listens: the host and port of an `http://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl Endpoint {
    /// Splits an `http://HOST[:PORT][/PATH]` URL into its endpoint and its path (`/` if none).
    pub(crate) fn split_url(url: &str) -> Result<(Endpoint, String), String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("`{url}` is not an http:// URL"))?;
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, "/"),
        };

        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => {
                let port = port
                    .parse()
                    .map_err(|_| format!("`{url}` has a bad port `{port}`"))?;
                (host, port)
            }
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(format!("`{url}` names no host"));
        }

        let endpoint = Endpoint {
            host: host.to_owned(),
            port,
        };
        Ok((endpoint, path.to_owned()))
    }

    /// The value of the `Host` header, as SigV4 signs it.
    pub(crate) fn host_header(&self) -> String {
        if self.port == 80 {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// One answered request.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// The body as text, for assertions and failure messages.
    pub(crate) fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first header called `name`, compared without case.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Sends one request and reads the whole answer.
///
/// `headers` must not hold `Host`, `Content-Length` or `Connection`; they are added here. A
/// server may answer and close before it has read a large body (a size limit it enforces
/// early), so a failed write still reads whatever answer arrived.
pub(crate) fn send(
    endpoint: &Endpoint,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> io::Result<Response> {
    let mut stream = connect(endpoint)?;

    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    head.push_str(&format!("Host: {}\r\n", endpoint.host_header()));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    head.push_str("Connection: close\r\n\r\n");

    let written = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .and_then(|()| stream.flush());

    let answer = read_answer(&mut stream, method == "HEAD");
    match (written, answer) {
        (_, Ok(raw)) if !raw.is_empty() => parse_response(&raw, method == "HEAD"),
        (Err(write_error), _) => Err(write_error),
        (Ok(()), Err(read_error)) => Err(read_error),
        (Ok(()), Ok(_)) => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection without an answer",
        )),
    }
}

fn connect(endpoint: &Endpoint) -> io::Result<TcpStream> {
    let addresses = (endpoint.host.as_str(), endpoint.port).to_socket_addrs()?;

    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    for address in addresses {
        match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
            Ok(stream) => {
                stream.set_read_timeout(Some(IO_TIMEOUT))?;
                stream.set_write_timeout(Some(IO_TIMEOUT))?;
                return Ok(stream);
            }
            Err(error) => last_error = error,
        }
    }
    Err(last_error)
}

/// Reads until the answer is complete or the server closes; a reset after some bytes arrived
/// keeps those bytes. Some servers (ChromeDriver) keep the connection open despite
/// `Connection: close`, so a complete answer ends the read.
fn read_answer(stream: &mut TcpStream, is_head: bool) -> io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Ok(raw),
            Ok(count) => {
                raw.extend_from_slice(&buffer[..count]);
                if answer_complete(&raw, is_head) {
                    return Ok(raw);
                }
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) if !raw.is_empty() => return Ok(raw),
            Err(error) => return Err(error),
        }
    }
}

/// Whether `raw` holds a whole answer: its headers, and the body its `Content-Length` or
/// chunked encoding announces.
fn answer_complete(raw: &[u8], is_head: bool) -> bool {
    let Some(head_end) = raw.windows(4).position(|window| window == b"\r\n\r\n") else {
        return false;
    };
    if is_head {
        return true;
    }

    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let body = &raw[head_end + 4..];
    if head.contains("\r\ntransfer-encoding: chunked") {
        return body.ends_with(b"0\r\n\r\n");
    }
    let length = head
        .split("\r\n")
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|length| length.trim().parse::<usize>().ok());
    length.is_some_and(|length| body.len() >= length)
}

fn parse_response(raw: &[u8], is_head: bool) -> io::Result<Response> {
    let malformed = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());

    let head_end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| malformed("the answer has no end of headers"))?;
    let head = std::str::from_utf8(&raw[..head_end])
        .map_err(|_| malformed("the answer's headers are not UTF-8"))?;
    let mut lines = head.split("\r\n");

    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| malformed("the answer has no status code"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();

    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    if is_head {
        return Ok(response);
    }

    let rest = &raw[head_end + 4..];
    let chunked = response
        .header("Transfer-Encoding")
        .is_some_and(|encoding| encoding.eq_ignore_ascii_case("chunked"));
    response.body = if chunked {
        decode_chunked(rest).ok_or_else(|| malformed("the chunked body is cut short"))?
    } else {
        let length = response
            .header("Content-Length")
            .and_then(|length| length.parse().ok())
            .unwrap_or(rest.len());
        rest[..length.min(rest.len())].to_vec()
    };
    Ok(response)
}

fn decode_chunked(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|window| window == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        rest = &rest[line_end + 2..];

        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}
