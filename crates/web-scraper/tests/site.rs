//! The bundled site: `src/site.rs` embeds every file under `site/`, and
//! nothing else.

use std::path::Path;

fn files_under(dir: &Path, root: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, root, found);
        } else {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            found.push(format!("/{relative}"));
        }
    }
}

#[test]
fn every_file_under_site_is_embedded() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("site");
    let mut on_disk = Vec::new();
    files_under(&root, &root, &mut on_disk);
    on_disk.sort();
    let embedded: Vec<String> = web_scraper::site::FILES
        .iter()
        .map(|(path, _)| path.to_string())
        .collect();
    assert_eq!(embedded, on_disk);
    for (path, contents) in web_scraper::site::FILES {
        assert_eq!(
            *contents,
            std::fs::read(root.join(&path[1..])).unwrap(),
            "{path}"
        );
    }
}

#[test]
fn the_site_has_what_the_crawler_must_cope_with() {
    let pages = web_scraper::site::FILES
        .iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .count();
    assert!(pages >= 30, "{pages} pages");
    let robots = web_scraper::site::FILES
        .iter()
        .find(|(path, _)| *path == "/robots.txt")
        .unwrap();
    assert!(String::from_utf8_lossy(robots.1).contains("Disallow: /private/"));
    let latin1 = web_scraper::site::FILES
        .iter()
        .find(|(path, _)| *path == "/latin1/cafe.html")
        .unwrap();
    assert!(
        std::str::from_utf8(latin1.1).is_err(),
        "the Latin-1 page must not be valid UTF-8"
    );
}
