//! Charset decoding: bytes to text by the charset a page declares, failing
//! on bytes that are not valid in it rather than guessing.

use super::error::FetchError;
use encoding_rs::Encoding;

/// Decodes a body by the charset its content type names, else the one a
/// `<meta>` in its first 1024 bytes names, else UTF-8. Bytes that are not
/// valid in that charset are an error, not replacement characters.
pub fn decode(bytes: Vec<u8>, content_type: Option<&str>) -> Result<String, FetchError> {
    let (encoding, start) = match Encoding::for_bom(&bytes) {
        Some((encoding, bom_length)) => (encoding, bom_length),
        None => {
            let label = content_type
                .and_then(charset_of_content_type)
                .or_else(|| charset_of_meta(&bytes));
            let encoding = label
                .and_then(|label| Encoding::for_label(label.as_bytes()))
                .unwrap_or(encoding_rs::UTF_8);
            (encoding, 0)
        }
    };
    let invalid = || FetchError::Decode(encoding.name().to_string());
    if encoding == encoding_rs::UTF_8 && start == 0 {
        // The common case: the bytes become the string, without a copy.
        return String::from_utf8(bytes).map_err(|_| invalid());
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(&bytes[start..])
        .map(|text| text.into_owned())
        .ok_or_else(invalid)
}

fn charset_of_content_type(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The charset a `<meta charset=...>` or `<meta http-equiv content=
/// "...; charset=...">` names near the start of the page. A simplified
/// form of the HTML standard's prescan, enough for real pages.
fn charset_of_meta(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(1024)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(at) = rest.find("<meta") {
        rest = &rest[at + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(at) = tag.find("charset=") {
            let value = tag[at + 8..].trim_start_matches(['"', '\'', ' ']);
            let end = value
                .find(|c: char| c == '"' || c == '\'' || c == ';' || c == '/' || c.is_whitespace())
                .unwrap_or(value.len());
            if end > 0 {
                return Some(value[..end].to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_comes_from_the_header_then_the_meta_tag() {
        let latin1 = b"<meta charset=\"iso-8859-1\"><p>caf\xe9</p>";
        assert_eq!(
            decode(latin1.to_vec(), Some("text/html")).unwrap(),
            "<meta charset=\"iso-8859-1\"><p>café</p>"
        );
        assert_eq!(
            decode(b"caf\xe9".to_vec(), Some("text/html; charset=ISO-8859-1")).unwrap(),
            "café"
        );
        assert_eq!(
            decode(b"\xef\xbb\xbfcaf\xc3\xa9".to_vec(), None).unwrap(),
            "café"
        );
        assert_eq!(
            decode(b"caf\xe9".to_vec(), Some("text/html")),
            Err(FetchError::Decode("UTF-8".to_string()))
        );
        assert_eq!(
            charset_of_meta(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">"
            ),
            Some("windows-1251".to_string())
        );
    }
}
