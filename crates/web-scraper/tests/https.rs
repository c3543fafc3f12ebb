//! https end to end, offline: a certificate authority and a server
//! certificate made here with rcgen, the bundled site served over TLS, and
//! the crawler trusting the authority through `extra_roots` (the CLI's
//! `--ca-cert`). An untrusted or wrong-host certificate is a `tls` error,
//! never retried.

#![cfg(feature = "tls")]

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::collections::BTreeMap;
use std::process::Command;
use web_scraper::client::{FetchConfig, FetchError, Fetcher};
use web_scraper::crawl::{CrawlOptions, Scraper, Summary};
use web_scraper::server::{ServeOptions, SiteServer, TlsIdentity};

/// A test certificate authority, and a server certificate it signed for
/// `host`.
struct Pki {
    ca_pem: String,
    identity: TlsIdentity,
}

fn pki(host: &str) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "web-scraper test authority");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);

    let mut leaf = CertificateParams::new(vec![host.to_string()]).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, host);
    leaf.use_authority_key_identifier_extension = true;
    leaf.key_usages.push(KeyUsagePurpose::DigitalSignature);
    leaf.extended_key_usages
        .push(ExtendedKeyUsagePurpose::ServerAuth);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_pem = leaf.signed_by(&leaf_key, &issuer).unwrap().pem();
    Pki {
        ca_pem,
        identity: TlsIdentity {
            cert_chain_pem: leaf_pem,
            key_pem: leaf_key.serialize_pem(),
        },
    }
}

fn trusting(ca_pem: &str) -> FetchConfig {
    FetchConfig {
        extra_roots: vec![reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap()],
        ..FetchConfig::default()
    }
}

/// Each URL's path, outcome, title, characters and links, from a crawl of
/// the bundled site at `server`.
async fn crawl_of(server: &SiteServer, config: FetchConfig) -> (BTreeMap<String, String>, Summary) {
    let scraper = Scraper::new(Fetcher::new(config).unwrap());
    let mut pages = BTreeMap::new();
    let summary = scraper
        .crawl(
            server.url().join("index.html").unwrap(),
            &CrawlOptions::default(),
            std::future::pending(),
            |result| {
                let url = url::Url::parse(&result.url).unwrap();
                let outcome = result.error.as_ref().map_or("ok", FetchError::kind);
                pages.insert(
                    url.path().to_string(),
                    format!(
                        "{outcome} {:?} {} chars {} links",
                        result.title, result.chars, result.links
                    ),
                );
            },
        )
        .await;
    (pages, summary)
}

#[tokio::test]
async fn a_crawl_over_https_gives_what_it_gives_over_http() {
    let pki = pki("127.0.0.1");
    let http = SiteServer::start(ServeOptions::bundled(), 0).await.unwrap();
    let https = SiteServer::start(ServeOptions::bundled().with_tls(pki.identity), 0)
        .await
        .unwrap();
    assert_eq!(https.url().scheme(), "https");
    let (over_http, http_summary) = crawl_of(&http, FetchConfig::default()).await;
    let (over_https, https_summary) = crawl_of(&https, trusting(&pki.ca_pem)).await;
    assert_eq!(over_https, over_http);
    assert_eq!(https_summary.ok, http_summary.ok);
    assert_eq!(https_summary.ok, 34);
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error_never_retried() {
    let pki = pki("127.0.0.1");
    let server = SiteServer::start(ServeOptions::bundled().with_tls(pki.identity), 0)
        .await
        .unwrap();
    let fetcher = Fetcher::new(FetchConfig::default()).unwrap();
    let fetch = fetcher
        .fetch(&server.url().join("index.html").unwrap())
        .await;
    let error = fetch.result.unwrap_err();
    assert!(matches!(error, FetchError::Tls(_)), "{error}");
    assert_eq!(error.kind(), "tls");
    assert_eq!(fetch.attempts, 1);
}

#[tokio::test]
async fn a_certificate_for_another_host_is_a_tls_error() {
    let pki = pki("example.com");
    let server = SiteServer::start(ServeOptions::bundled().with_tls(pki.identity), 0)
        .await
        .unwrap();
    let fetcher = Fetcher::new(trusting(&pki.ca_pem)).unwrap();
    let fetch = fetcher
        .fetch(&server.url().join("index.html").unwrap())
        .await;
    let error = fetch.result.unwrap_err();
    assert!(matches!(error, FetchError::Tls(_)), "{error}");
    assert_eq!(fetch.attempts, 1);
}

#[test]
fn the_cli_trusts_a_ca_cert_file_and_refuses_a_bad_one() {
    let pki = pki("127.0.0.1");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(SiteServer::start(
            ServeOptions::bundled().with_tls(pki.identity),
            0,
        ))
        .unwrap();
    let url = server.url().join("index.html").unwrap().to_string();
    let ca_file =
        std::env::temp_dir().join(format!("web-scraper-test-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_web-scraper"))
            .args(args)
            .output()
            .expect("running web-scraper")
    };
    let trusted = run(&["fetch", &url, "--ca-cert", ca_file.to_str().unwrap()]);
    let untrusted = run(&["fetch", &url, "--fail-on-error"]);
    let not_pem = run(&["fetch", &url, "--ca-cert", "Cargo.toml"]);
    let missing = run(&["fetch", &url, "--ca-cert", "/no/such/ca.pem"]);
    std::fs::remove_file(&ca_file).unwrap();

    let stdout = String::from_utf8_lossy(&trusted.stdout);
    assert!(trusted.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!("Fetched 641 characters from {url}")),
        "{stdout}"
    );
    let stdout = String::from_utf8_lossy(&untrusted.stdout);
    assert_eq!(untrusted.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(&format!("Failed {url}: tls: ")), "{stdout}");
    for (output, says) in [
        (not_pem, "--ca-cert Cargo.toml"),
        (missing, "/no/such/ca.pem"),
    ] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
}
