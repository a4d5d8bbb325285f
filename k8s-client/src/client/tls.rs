//! The rustls configuration for one client: which server certificates to
//! trust, under which name, and which client certificate to present.
//!
//! The crypto provider comes from the crate's features (`tls-aws-lc-rs`,
//! else `tls-ring`) and is passed to rustls explicitly: rustls cannot pick a
//! process-wide default once another crate of the program enables a second
//! provider, and a choice made by features is deterministic. Only a build
//! with neither feature uses the default the program installed; with none
//! installed, building a client fails with an error saying what to do.

use std::sync::{Arc, RwLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::Error;
use crate::error::BuildError;

/// What to verify the server against.
pub(crate) struct TlsSettings<'a> {
    pub(crate) root_certs: &'a [CertificateDer<'static>],
    pub(crate) accept_invalid_certs: bool,
    pub(crate) tls_server_name: Option<&'a str>,
}

fn build_error(what: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::ClientBuild(BuildError::Tls {
        what: what.to_owned(),
        source: Box::new(e),
    })
}

/// The crypto provider named by the features: aws-lc-rs when it is built in
/// (rustls' recommendation when both are), else ring.
#[cfg(any(feature = "tls-ring", feature = "tls-aws-lc-rs"))]
fn crypto_provider() -> Result<Arc<CryptoProvider>, Error> {
    #[cfg(feature = "tls-aws-lc-rs")]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "tls-aws-lc-rs"))]
    let provider = rustls::crypto::ring::default_provider();
    Ok(Arc::new(provider))
}

/// No provider is built in: the one the program installed process-wide.
#[cfg(not(any(feature = "tls-ring", feature = "tls-aws-lc-rs")))]
fn crypto_provider() -> Result<Arc<CryptoProvider>, Error> {
    CryptoProvider::get_default()
        .cloned()
        .ok_or(Error::ClientBuild(BuildError::NoCryptoProvider))
}

/// Builds the rustls config. The client certificate is resolved per handshake
/// through `identity`, so a certificate an exec plugin hands out later takes
/// effect without rebuilding the client.
pub(crate) fn client_config(
    settings: &TlsSettings<'_>,
    identity: Arc<ClientIdentitySlot>,
) -> Result<ClientConfig, Error> {
    let provider = crypto_provider()?;
    let mut verifier: Arc<dyn ServerCertVerifier> = if settings.accept_invalid_certs {
        Arc::new(AcceptAnything(provider.clone()))
    } else if !settings.root_certs.is_empty() {
        let mut roots = RootCertStore::empty();
        for (i, cert) in settings.root_certs.iter().enumerate() {
            roots
                .add(cert.clone())
                .map_err(|e| build_error(&format!("certificate authority #{}", i + 1), e))?;
        }
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| build_error("certificate authority", e))?
    } else {
        Arc::new(
            rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|e| build_error("system certificate store", e))?,
        )
    };
    if let Some(name) = settings.tls_server_name {
        let name =
            ServerName::try_from(name.to_owned()).map_err(|e| build_error("tls-server-name", e))?;
        verifier = Arc::new(ServerNameOverride {
            name,
            inner: verifier,
        });
    }
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| build_error("TLS versions", e))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(identity);
    config.alpn_protocols = alpn_protocols();
    Ok(config)
}

/// The protocols offered in the TLS handshake. HTTP/2 only when it is built
/// in: a server that picks it would otherwise get a client that cannot
/// speak it (hyper fails the request).
fn alpn_protocols() -> Vec<Vec<u8>> {
    let mut protocols = Vec::new();
    if cfg!(feature = "http2") {
        protocols.push(b"h2".to_vec());
    }
    protocols.push(b"http/1.1".to_vec());
    protocols
}

/// The client certificate presented in handshakes; replaceable at run time.
#[derive(Debug, Default)]
pub(crate) struct ClientIdentitySlot {
    current: RwLock<Option<Arc<CertifiedKey>>>,
}

impl ClientIdentitySlot {
    /// Installs a certificate chain and key (PEM or DER already parsed).
    pub(crate) fn set(
        &self,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<(), Error> {
        let signing_key = crypto_provider()?
            .key_provider
            .load_private_key(key)
            .map_err(|e| build_error("client key", e))?;
        let certified = CertifiedKey::new(chain, signing_key);
        certified
            .keys_match()
            .map_err(|e| build_error("client certificate and key", e))?;
        if let Ok(mut slot) = self.current.write() {
            *slot = Some(Arc::new(certified));
        }
        Ok(())
    }

    /// Installs the chain and key unless they are the ones in use already.
    pub(crate) fn set_if_changed(
        &self,
        chain: Vec<CertificateDer<'static>>,
        key: &PrivateKeyDer<'static>,
    ) -> Result<(), Error> {
        if self.get().is_some_and(|current| current.cert == chain) {
            return Ok(());
        }
        self.set(chain, key.clone_key())
    }

    fn get(&self) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().and_then(|slot| slot.clone())
    }
}

impl ResolvesClientCert for ClientIdentitySlot {
    fn resolve(
        &self,
        _hints: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.get()
            .filter(|ck| ck.key.choose_scheme(sigschemes).is_some())
    }
    fn has_certs(&self) -> bool {
        self.get().is_some()
    }
}

/// Verifies the certificate against a configured name instead of the URL's host
/// (kubeconfig's `tls-server-name`).
#[derive(Debug)]
struct ServerNameOverride {
    name: ServerName<'static>,
    inner: Arc<dyn ServerCertVerifier>,
}

impl ServerCertVerifier for ServerNameOverride {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `insecure-skip-tls-verify`: trusts any certificate, but still checks that the
/// handshake signatures are valid for the certificate presented.
#[derive(Debug)]
struct AcceptAnything(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(all(test, any(feature = "tls-ring", feature = "tls-aws-lc-rs")))]
mod tests {
    use super::*;

    #[test]
    fn the_features_choose_the_provider_aws_lc_rs_first() {
        let provider = crypto_provider().unwrap();
        // rustls names its providers' key loaders after the provider.
        let key_provider = format!("{:?}", provider.key_provider);
        let expected = if cfg!(feature = "tls-aws-lc-rs") {
            "AwsLcRs"
        } else {
            "Ring"
        };
        assert_eq!(key_provider, expected);
    }
}
