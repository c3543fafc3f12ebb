//! What the server serves, and how.

use super::generated::Generated;
use axum::http::StatusCode;
use std::path::PathBuf;
#[cfg(feature = "tls")]
use std::sync::Arc;
use std::time::Duration;

/// What the server serves.
#[derive(Debug, Clone)]
pub enum Root {
    /// The site under `site/`, embedded in the binary.
    Bundled,
    /// Any folder on disk.
    Dir(PathBuf),
    /// A site of any size, made on request (see [`Generated`]).
    Generated(Generated),
}

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// What to serve.
    pub root: Root,
    /// Added before every response, to stand in for a distant server.
    pub latency: Duration,
    /// Answer `/robots.txt` with this status instead of the file (tests).
    pub robots_status: Option<StatusCode>,
    /// Reach `/robots.txt` through this many redirects (tests).
    pub robots_redirects: u32,
    /// Serve https with this certificate and key, rather than http.
    #[cfg(feature = "tls")]
    pub tls: Option<TlsIdentity>,
}

/// A certificate chain and its private key, both PEM, for serving https.
#[cfg(feature = "tls")]
#[derive(Clone)]
pub struct TlsIdentity {
    /// The server's certificate first, then any intermediates.
    pub cert_chain_pem: String,
    /// The private key of the first certificate.
    pub key_pem: String,
}

#[cfg(feature = "tls")]
impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        formatter.write_str("TlsIdentity { .. }")
    }
}

#[cfg(feature = "tls")]
impl TlsIdentity {
    /// A rustls server configuration, with ring as its crypto provider.
    pub(super) fn server_config(&self) -> std::io::Result<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let invalid = |what: &str, error: &dyn std::fmt::Display| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}: {error}"))
        };
        let chain = CertificateDer::pem_slice_iter(self.cert_chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| invalid("the certificate chain", &error))?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|error| invalid("the private key", &error))?;
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|error| invalid("TLS versions", &error))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| invalid("the certificate", &error))
    }
}

impl ServeOptions {
    /// The bundled site with no delay.
    pub fn bundled() -> Self {
        Self {
            root: Root::Bundled,
            latency: Duration::ZERO,
            robots_status: None,
            robots_redirects: 0,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Serves https with `identity`, rather than http.
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, identity: TlsIdentity) -> Self {
        self.tls = Some(identity);
        self
    }

    /// Waits this long before each response, as a slow server would.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }
}
