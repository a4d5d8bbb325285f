//! PEM parsing of CA bundles, client certificates and private keys.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// A client certificate chain and its private key, for mutual TLS.
///
/// Cheap to clone. `Debug` does not print the key.
#[derive(Clone)]
pub struct ClientIdentity {
    /// The certificate chain, leaf first (DER).
    pub cert_chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
}

impl ClientIdentity {
    /// Builds an identity from a certificate chain and a key.
    pub fn new(cert_chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Self {
        Self {
            cert_chain,
            key: Arc::new(key),
        }
    }

    /// Parses a PEM certificate chain and a PEM private key (PKCS#1, PKCS#8 or SEC1).
    /// The error says which of the two is wrong.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, PemError> {
        let cert_chain = parse_certs(cert_pem).map_err(PemError::Certificate)?;
        let key = parse_key(key_pem).map_err(PemError::Key)?;
        Ok(Self::new(cert_chain, key))
    }

    /// The private key (DER). Do not log it.
    pub fn key(&self) -> &PrivateKeyDer<'static> {
        &self.key
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field(
                "cert_chain",
                &format_args!("[{} certificate(s)]", self.cert_chain.len()),
            )
            .field("key", &format_args!("[REDACTED]"))
            .finish()
    }
}

/// Which half of a client identity failed to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PemError {
    /// The certificate PEM, with the reason.
    Certificate(String),
    /// The private key PEM, with the reason.
    Key(String),
}

/// Parses every `CERTIFICATE` block of a PEM bundle. At least one is required.
pub(crate) fn parse_certs(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a valid PEM certificate bundle ({e})"))?;
    if certs.is_empty() {
        return Err("no PEM certificate found".to_owned());
    }
    Ok(certs)
}

/// Parses the first private key of a PEM file (PKCS#1 RSA, PKCS#8 or SEC1 EC).
pub(crate) fn parse_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, String> {
    // The error of pki-types never contains the key material, only the kind of failure.
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| format!("not a valid PEM private key ({e})"))
}

/// Decodes a `*-data` field: standard base64, whitespace ignored.
pub(crate) fn decode_base64(data: &str) -> Result<Vec<u8>, String> {
    let cleaned: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|_| "not valid base64".to_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A self-signed EC certificate and its SEC1 key, for tests.
    pub(crate) const TEST_CERT: &str =
        include_str!("../../tests/fixtures/kubeconfig/certs/client.crt");
    pub(crate) const TEST_KEY_SEC1: &str =
        include_str!("../../tests/fixtures/kubeconfig/certs/client-ec.key");
    pub(crate) const TEST_KEY_PKCS8: &str =
        include_str!("../../tests/fixtures/kubeconfig/certs/client-pkcs8.key");
    pub(crate) const TEST_KEY_RSA: &str =
        include_str!("../../tests/fixtures/kubeconfig/certs/rsa.key");
    pub(crate) const TEST_KEY_ED25519: &str =
        include_str!("../../tests/fixtures/kubeconfig/certs/ed25519.key");

    #[test]
    fn parses_key_formats() {
        for key in [
            TEST_KEY_SEC1,
            TEST_KEY_PKCS8,
            TEST_KEY_RSA,
            TEST_KEY_ED25519,
        ] {
            parse_key(key.as_bytes()).unwrap();
        }
        assert!(parse_key(b"x").is_err());
    }

    #[test]
    fn parses_identity_and_hides_key() {
        let id = ClientIdentity::from_pem(TEST_CERT.as_bytes(), TEST_KEY_SEC1.as_bytes()).unwrap();
        assert_eq!(id.cert_chain.len(), 1);
        let dbg = format!("{id:?}");
        assert!(dbg.contains("[REDACTED]"), "{dbg}");
        assert!(matches!(
            ClientIdentity::from_pem(b"junk", TEST_KEY_SEC1.as_bytes()),
            Err(PemError::Certificate(_))
        ));
        assert!(matches!(
            ClientIdentity::from_pem(TEST_CERT.as_bytes(), b"junk"),
            Err(PemError::Key(_))
        ));
    }
}
