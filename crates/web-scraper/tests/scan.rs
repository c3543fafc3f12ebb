//! The tree (`parse::parse`, scraper's DOM) and the crawl's scan
//! (`parse::scan`) agree on every page of the bundled site, but for a
//! little whitespace. (`tests/agreement.rs` holds the scan to html5ever's
//! tokenizer exactly.)

use url::Url;
use web_scraper::parse;
use web_scraper::site;

#[test]
fn scan_and_parse_agree_on_every_bundled_page() {
    let base = Url::parse("http://127.0.0.1:8000/").unwrap();
    let mut pages = 0;
    for (path, bytes) in site::FILES {
        if !path.ends_with(".html") {
            continue;
        }
        // The one page in ISO-8859-1 is ASCII where it matters here.
        let text = String::from_utf8_lossy(bytes);
        let url = base.join(path).unwrap();
        let tree = parse::parse(&text, &url).unwrap();
        let scan = parse::scan(&text, &url).unwrap();
        assert_eq!(scan.title, tree.title, "{path}");
        assert_eq!(scan.links, tree.links, "{path}");
        // The tree builder drops a little whitespace the tokenizer sees.
        let slack = tree.chars / 100 + 8;
        assert!(
            scan.chars.abs_diff(tree.chars) <= slack,
            "{path}: scan {} chars, tree {}",
            scan.chars,
            tree.chars
        );
        pages += 1;
    }
    assert!(pages > 30, "only {pages} pages");
}

#[test]
fn scan_reads_raw_text_elements_as_text() {
    let base = Url::parse("http://127.0.0.1:8000/").unwrap();
    let html = "<title>a <b> c</title><script>if (x < 1) { document.write('<a href=no>') }</script>\
                <style>a { }</style><textarea><a href=no2></textarea>\
                <svg><title>not the page's</title><a href=svg.html>s</a></svg><a href=yes.html>y</a>";
    let scan = parse::scan(html, &base).unwrap();
    let tree = parse::parse(html, &base).unwrap();
    assert_eq!(scan.title, "a <b> c");
    assert_eq!(scan.title, tree.title);
    let links: Vec<&str> = scan.links.iter().map(Url::as_str).collect();
    assert_eq!(
        links,
        [
            "http://127.0.0.1:8000/svg.html",
            "http://127.0.0.1:8000/yes.html"
        ]
    );
    assert_eq!(scan.links, tree.links);
    assert_eq!(scan.chars, tree.chars);
}

#[test]
fn scan_is_linear_where_the_tree_refuses() {
    let base = Url::parse("http://127.0.0.1:8000/").unwrap();
    let deep = "<div>".repeat(200_000) + "<a href=x.html>x</a>";
    assert!(parse::parse(&deep, &base).is_err());
    let scan = parse::scan(&deep, &base).unwrap();
    assert_eq!(scan.links.len(), 1);
}
