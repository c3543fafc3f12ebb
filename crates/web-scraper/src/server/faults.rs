//! The fault routes under `/_fault/`: pages that misbehave on purpose.

use super::files::file;
use super::state::{ServerState, html, lock, not_found, redirect};
use crate::site;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use std::sync::OnceLock;
use std::time::Duration;

/// One `key=value` from a query string, or the default.
fn query_number(query: &str, key: &str, default: u64) -> u64 {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == key)
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(default)
}

pub(super) async fn fault_route(state: &ServerState, fault: &str, query: &str) -> Response {
    let (name, argument) = fault.split_once('/').unwrap_or((fault, ""));
    let number = argument.parse::<u64>().ok();
    match (name, number) {
        ("status", Some(code)) => match u16::try_from(code)
            .ok()
            .and_then(|code| StatusCode::from_u16(code).ok())
        {
            Some(status) => html(status, format!("<p>status {code}</p>")),
            None => not_found(),
        },
        ("flaky", _) if !argument.is_empty() => flaky(state, argument, query),
        ("slow-head", Some(ms)) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            html(StatusCode::OK, "<title>Slow head</title><p>finally</p>")
        }
        ("slow-body", Some(ms)) => {
            let chunks = futures_util::stream::unfold(0u32, move |sent| async move {
                if sent == 10 {
                    return None;
                }
                if sent > 0 {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                Some((
                    Ok::<_, std::io::Error>(Bytes::from_static(b"<p>a slow chunk</p>\n")),
                    sent + 1,
                ))
            });
            html(StatusCode::OK, Body::from_stream(chunks))
        }
        ("huge", Some(mib)) => {
            const CHUNK: usize = 64 * 1024;
            let chunk = Bytes::from("<p>huge</p>".repeat(CHUNK / 11 + 1)).slice(..CHUNK);
            let total = mib.saturating_mul(16);
            let chunks = futures_util::stream::unfold(0u64, move |sent| {
                let chunk = chunk.clone();
                async move { (sent < total).then(|| (Ok::<_, std::io::Error>(chunk), sent + 1)) }
            });
            html(StatusCode::OK, Body::from_stream(chunks))
        }
        ("robots-hop", Some(0)) => file(state, "/robots.txt").await,
        ("robots-hop", Some(n)) => {
            redirect(StatusCode::FOUND, &format!("/_fault/robots-hop/{}", n - 1))
        }
        ("redirect", Some(0)) => redirect(StatusCode::FOUND, "/index.html"),
        ("redirect", Some(n)) => {
            redirect(StatusCode::FOUND, &format!("/_fault/redirect/{}", n - 1))
        }
        ("loop", _) if query.is_empty() => redirect(StatusCode::FOUND, "/_fault/loop?again"),
        ("loop", _) => redirect(StatusCode::FOUND, "/_fault/loop"),
        ("reset", _) => {
            // A body that promises 100 kB, sends a little, then fails:
            // hyper drops the connection mid-response.
            let chunks = futures_util::stream::iter([
                Ok(Bytes::from_static(b"<p>the start of a page")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "dropping the connection on purpose",
                )),
            ]);
            let mut response = html(StatusCode::OK, Body::from_stream(chunks));
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("100000"));
            response
        }
        ("malformed", _) => html(
            StatusCode::OK,
            "<html><head><title>Malformed</title><body><p>An unclosed paragraph\
             <div><a href=\"/guide/index.html\">a link</b></i> inside stray tags\
             <table><tr><td>cell<a href='/rust/index.html'>another",
        ),
        ("encoded", _) => match encode(argument, index_page()) {
            Some(body) => {
                let mut response = html(StatusCode::OK, body);
                if let Ok(coding) = HeaderValue::from_str(argument) {
                    response
                        .headers_mut()
                        .insert(header::CONTENT_ENCODING, coding);
                }
                response
            }
            None => not_found(),
        },
        ("adversarial", _) => match adversarial_page(argument) {
            Some(page) => html(StatusCode::OK, page),
            None => not_found(),
        },
        ("bomb", Some(mib)) => {
            let mut response = html(StatusCode::OK, gzip_bomb(mib));
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            response
        }
        ("bad-utf8", _) => html(
            StatusCode::OK,
            &b"<title>Bad bytes</title><p>caf\xe9 is not UTF-8</p>"[..],
        ),
        _ => not_found(),
    }
}

/// The classes of [`adversarial_page`], each a way to make an HTML parser
/// slow: deep nesting, formatting elements left open, unclosed links,
/// nested tables, many and duplicate attributes, a huge `<select>`, a huge
/// text node, very many links, and a mix of them all.
pub const ADVERSARIAL: [&str; 11] = [
    "deep-divs",
    "open-formatting",
    "unclosed-links",
    "nested-tables",
    "many-attributes",
    "duplicate-attributes",
    "huge-select",
    "huge-text",
    "many-links",
    "deep-lists",
    "mix",
];

/// A page of the adversarial class `class` (see [`ADVERSARIAL`]), 1–5 MB,
/// built on the spot so that none is stored.
pub fn adversarial_page(class: &str) -> Option<String> {
    let head = "<!DOCTYPE html><html><head><title>Adversarial</title></head><body>";
    let body = match class {
        "deep-divs" => "<div>".repeat(200_000),
        "open-formatting" => "<b><i><u>x".repeat(100_000),
        "unclosed-links" => "<a href=/x>".repeat(200_000),
        "nested-tables" => "<table><tr><td>".repeat(100_000),
        "many-attributes" => {
            let attributes: String = (0..200_000).map(|i| format!(" a{i}")).collect();
            format!("<div{attributes}>")
        }
        "duplicate-attributes" => format!("<div{}>", " a=1".repeat(500_000)),
        "huge-select" => format!("<select>{}</select>", "<option>x".repeat(300_000)),
        "huge-text" => format!("<p>{}</p>", "x".repeat(5_000_000)),
        "many-links" => (0..150_000)
            .map(|i| format!("<a href=/p{i}>l</a>"))
            .collect(),
        "deep-lists" => "<ul><li>".repeat(150_000),
        "mix" => ADVERSARIAL
            .iter()
            .filter(|&&other| other != "mix")
            .map(|other| {
                let page = adversarial_page(other).unwrap_or_default();
                let body = &page[head.len()..];
                // A tenth of each, cut at a tag.
                let cut = body[..body.len() / 10].rfind('<').unwrap_or(0);
                body[..cut].to_string()
            })
            .collect(),
        _ => return None,
    };
    Some(format!("{head}{body}</body></html>"))
}

/// The bundled site's `/index.html`.
fn index_page() -> &'static [u8] {
    site::FILES
        .iter()
        .find(|(name, _)| *name == "/index.html")
        .map_or(&b""[..], |(_, bytes)| *bytes)
}

/// `bytes` compressed with the HTTP content coding `coding`.
fn encode(coding: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let level = flate2::Compression::default();
    match coding {
        "gzip" => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
            encoder.write_all(bytes).ok()?;
            encoder.finish().ok()
        }
        // HTTP's `deflate` is the zlib format, not raw deflate.
        "deflate" => {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), level);
            encoder.write_all(bytes).ok()?;
            encoder.finish().ok()
        }
        "br" => {
            let mut out = Vec::new();
            let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            encoder.write_all(bytes).ok()?;
            drop(encoder);
            Some(out)
        }
        #[cfg(feature = "zstd")]
        "zstd" => zstd::encode_all(bytes, 3).ok(),
        _ => None,
    }
}

/// A gzip stream of `mib` MiB of zeros, about 1 KiB of it per MiB: a
/// decompression bomb. It is one compressed MiB sent over and over. That
/// works because the MiB ends in a sync flush, which leaves the deflate
/// stream on a byte boundary with no final block, so copies of it simply
/// continue the stream. The trailer's CRC and length are the real ones.
fn gzip_bomb(mib: u64) -> Body {
    const MIB: usize = 1 << 20;
    static PARTS: OnceLock<(Bytes, flate2::Crc)> = OnceLock::new();
    let (chunk, chunk_crc) = PARTS.get_or_init(|| {
        let zeros = vec![0u8; MIB];
        let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
        let mut out = Vec::with_capacity(64 * 1024);
        let status = compress.compress_vec(&zeros, &mut out, flate2::FlushCompress::Sync);
        assert!(
            status.is_ok() && compress.total_in() == MIB as u64,
            "one MiB of zeros compresses into 64 KiB"
        );
        let mut crc = flate2::Crc::new();
        crc.update(&zeros);
        (Bytes::from(out), crc)
    });
    // Past 1 TiB the CRC is no longer worth computing: nobody reads that far.
    let copies = mib.min(1 << 20);
    let mut crc = flate2::Crc::new();
    for _ in 0..copies {
        crc.combine(chunk_crc);
    }
    // A fixed-Huffman final block with no data, then CRC-32 and ISIZE.
    let mut trailer = vec![0x03, 0x00];
    trailer.extend_from_slice(&crc.sum().to_le_bytes());
    trailer.extend_from_slice(&(crc.amount()).to_le_bytes());
    let header = Bytes::from_static(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let chunk = chunk.clone();
    let body = futures_util::stream::iter(std::iter::once(header))
        .chain(futures_util::stream::iter(
            (0..copies).map(move |_| chunk.clone()),
        ))
        .chain(futures_util::stream::iter(std::iter::once(Bytes::from(
            trailer,
        ))))
        .map(Ok::<_, std::io::Error>);
    Body::from_stream(body)
}

/// Fails `fail` times per key, then answers 200.
fn flaky(state: &ServerState, key: &str, query: &str) -> Response {
    let fail = query_number(query, "fail", 1);
    let status = StatusCode::from_u16(query_number(query, "status", 500) as u16)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let seen = {
        let mut flaky = lock(&state.flaky);
        let count = flaky.entry(key.to_string()).or_insert(0);
        *count += 1;
        *count
    };
    if u64::from(seen) <= fail {
        let mut response = html(status, format!("<p>failure {seen} of {fail}</p>"));
        if query.contains("retry-after=") {
            let seconds = query_number(query, "retry-after", 0).to_string();
            if let Ok(value) = HeaderValue::from_str(&seconds) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        return response;
    }
    html(
        StatusCode::OK,
        format!("<title>Flaky</title><p>succeeded after {fail} failures</p>"),
    )
}
