//! `run` against an https target: the whole suite over TLS through a
//! forwarder that terminates TLS in front of the reference server, with a
//! certificate authority made here and trusted through `--ca-cert`.

use std::process::Output;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use verifik_conformance::server::{self, ServerConfig, ServerVariant};

use crate::support::bin;

/// A CA (PEM) and a leaf certificate for 127.0.0.1 signed by it.
fn pki() -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "verifik-conformance test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    (ca.pem(), vec![leaf.der().clone()], key)
}

/// Terminate TLS on a free port and forward the bytes to `upstream`.
async fn tls_forwarder(
    upstream: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    format!("https://{addr}")
}

async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || bin().args(&args).output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_runs_over_https_with_a_trusted_ca() {
    let mut config = ServerConfig::new(ServerVariant::Current);
    config.blocked_email_domains = vec!["blocked.example.test".into()];
    let server = server::spawn(config).await.unwrap();
    let (ca_pem, chain, key) = pki();
    let url = tls_forwarder(server.addr().to_string(), chain, key).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let reports = dir.join("reports");

    let out = run(vec![
        "run".into(),
        "--target".into(),
        url.clone(),
        "--token".into(),
        server.token().into(),
        "--blocked-email-domain".into(),
        "blocked.example.test".into(),
        "--ca-cert".into(),
        ca.display().to_string(),
        "--cases".into(),
        "200".into(),
        "--report-dir".into(),
        reports.display().to_string(),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["summary"]["verdict"], "conformant");
    assert!(report["summary"]["pass"].as_u64().unwrap() > 50);
    assert!(report["checks"][0]["curl"].as_str().unwrap().contains(&url));

    // The same target without trusting the CA cannot be reached: exit 3,
    // one line that says why.
    let out = run(vec![
        "run".into(),
        "--target".into(),
        url,
        "--token".into(),
        server.token().into(),
        "--report-dir".into(),
        reports.display().to_string(),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("TLS handshake failed"), "{stderr}");
    assert!(stderr.contains("--ca-cert"), "{stderr}");
}

#[tokio::test]
async fn an_unusable_ca_file_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    for path in [dir.join("missing.pem"), not_pem] {
        let out = run(vec![
            "run".into(),
            "--target".into(),
            "https://127.0.0.1:9".into(),
            "--ca-cert".into(),
            path.display().to_string(),
            "--report-dir".into(),
            dir.display().to_string(),
        ])
        .await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--ca-cert"), "{stderr}");
    }
}

/// A self-signed certificate for 127.0.0.1: a plain end-entity one, or one
/// that is its own CA (rustls then says `CaUsedAsEndEntity`).
fn self_signed(as_ca: bool) -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    if as_ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    let cert = params.self_signed(&key).unwrap();
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (cert.pem(), vec![cert.der().clone()], der)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_target_says_so_and_names_ca_cert() {
    let server = server::spawn(ServerConfig::new(ServerVariant::Current))
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let reports = tmp.path().join("reports");
    let run_against = |url: String, ca: Option<&std::path::Path>| {
        let mut args = vec![
            "run".to_string(),
            "--target".into(),
            url,
            "--token".into(),
            server.token().into(),
            "--only".into(),
            "scripted".into(),
            "--tags".into(),
            "@fact:auth.bearer-required".into(),
            "--report-dir".into(),
            reports.display().to_string(),
        ];
        if let Some(ca) = ca {
            args.extend(["--ca-cert".to_string(), ca.display().to_string()]);
        }
        run(args)
    };
    for (as_ca, says) in [
        (false, "the target's certificate is self-signed"),
        (
            true,
            "the target presents a CA certificate as its own, typically a self-signed one",
        ),
    ] {
        let (pem, chain, key) = self_signed(as_ca);
        let url = tls_forwarder(server.addr().to_string(), chain, key).await;
        let out = run_against(url.clone(), None).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(stderr.contains("--ca-cert FILE"), "{stderr}");
        assert!(
            !stderr.contains("start the server"),
            "a handshake error is not a server that is down: {stderr}"
        );

        // What the message advises: a self-signed leaf is trusted through
        // --ca-cert; a CA certificate serving as a leaf never is.
        let cert = tmp.path().join("self.pem");
        std::fs::write(&cert, pem).unwrap();
        let out = run_against(url, Some(&cert)).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = if as_ca { 3 } else { 0 };
        assert_eq!(out.status.code(), Some(expected), "{stderr}");
    }
}
