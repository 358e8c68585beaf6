//! Evidence bundles: `keygen`, `run --bundle [--signing-key]`, `verify`.
//! Tampering with any file is found and named, a mutant's bundle re-judges
//! to its failures, the token is in no byte of a bundle, and two bundles of
//! one seed differ only in times and issued ids.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use verifik_conformance::server::ServerHandle;

use crate::support::{bin, reference_server, run_bin, stderr, stdout, BLOCKED_DOMAIN};

const TOKEN: &str = "bundle-secret-token-4821";

async fn target(mutant: Option<&str>) -> ServerHandle {
    reference_server(mutant, Some(TOKEN)).await
}

/// `run --bundle dir/NAME.tar.gz` against `server`, with `extra` arguments.
async fn run(server: &ServerHandle, dir: &Path, name: &str, extra: &[&str]) -> (Output, PathBuf) {
    let bundle = dir.join(format!("{name}.tar.gz"));
    let mut args: Vec<String> = [
        "run",
        "--target",
        server.url(),
        "--blocked-email-domain",
        BLOCKED_DOMAIN,
        "--seed",
        "23",
        "--cases",
        "120",
        "--color",
        "never",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push("--report-dir".into());
    args.push(dir.join(format!("{name}-reports")).display().to_string());
    args.push("--bundle".into());
    args.push(bundle.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = run_bin(args, Some(TOKEN)).await;
    (out, bundle)
}

/// A key pair in `dir`: (secret, public).
fn keys(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (secret, public) = (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pub")),
    );
    let out = bin()
        .args(["keygen", "--secret-key"])
        .arg(&secret)
        .arg("--public-key")
        .arg(&public)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pem = std::fs::read_to_string(&secret).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!stdout(&out).contains(&body) && !stderr(&out).contains(&body));
    (secret, public)
}

/// `run` against `server` signed with a new key pair named `name`, which
/// must exit `code`: the bundle, and the public key's path.
async fn signed_run(server: &ServerHandle, dir: &Path, name: &str, code: i32) -> (PathBuf, String) {
    let (secret, public) = keys(dir, name);
    let key = secret.display().to_string();
    let (out, bundle) = run(server, dir, name, &["--signing-key", &key]).await;
    assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
    (bundle, public.display().to_string())
}

fn verify(bundle: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("verify")
        .arg(bundle)
        .args(extra)
        .output()
        .unwrap()
}

/// `verify` exits 1, its output naming every one of `phrases`.
fn assert_verify_fails(bundle: &Path, extra: &[&str], phrases: &[&str]) {
    let out = verify(bundle, extra);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for phrase in phrases {
        assert!(text.contains(phrase), "{phrase:?} in {text}");
    }
}

/// The files of a bundle, by name, in archive order.
fn entries(bundle: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(bundle).unwrap();
    let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().display().to_string();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

fn entry(bundle: &Path, name: &str) -> Vec<u8> {
    entries(bundle)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} in the bundle"))
        .1
}

/// Write `files` as a .tar.gz at `path`.
fn repack(files: &[(String, Vec<u8>)], path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::default(),
    ));
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, name, bytes.as_slice())
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap().flush().unwrap();
}

/// A copy of `bundle` at `to` with `change` applied to the file `name`.
fn tampered(bundle: &Path, to: &Path, name: &str, change: impl FnOnce(&mut Vec<u8>)) {
    let mut files = entries(bundle);
    let (_, bytes) = files.iter_mut().find(|(n, _)| n == name).unwrap();
    change(bytes);
    repack(&files, to);
}

fn sha256(bytes: &[u8]) -> String {
    verifik_conformance::bundle::sha256_hex(bytes)
}

#[tokio::test]
async fn keygen_run_verify_round_trip_and_a_wrong_key_fails() {
    let server = target(None).await;
    let tmp = tempfile::tempdir().unwrap();
    let (secret, public) = keys(tmp.path(), "ci");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the secret key is private");
    }
    // keygen never overwrites a key.
    let again = bin()
        .args(["keygen", "--secret-key"])
        .arg(&secret)
        .arg("--public-key")
        .arg(tmp.path().join("other.pub"))
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    let key = secret.display().to_string();
    let (out, bundle) = run(&server, tmp.path(), "signed", &["--signing-key", &key]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("wrote bundle"), "{}", stderr(&out));

    // Standard tools open it.
    let listed = std::process::Command::new("tar")
        .arg("tzf")
        .arg(&bundle)
        .output()
        .unwrap();
    let names = stdout(&listed);
    for name in [
        "manifest.json",
        "manifest.dsse.json",
        "report.json",
        "exchanges.jsonl",
        "exchanges.digests",
    ] {
        assert!(names.lines().any(|l| l == name), "{name} in {names}");
        // `tar` reads every gzip member: each file comes out whole, the same
        // as the tool reads it, and the digests match the manifest.
        let extracted = std::process::Command::new("tar")
            .arg("xzOf")
            .arg(&bundle)
            .arg(name)
            .output()
            .unwrap();
        assert!(extracted.status.success(), "tar x {name}");
        assert_eq!(
            extracted.stdout,
            entry(&bundle, name),
            "{name} as tar reads it"
        );
    }
    let gzip = std::process::Command::new("gzip")
        .arg("-t")
        .arg(&bundle)
        .status()
        .unwrap();
    assert!(gzip.success(), "gzip -t accepts the bundle");
    let manifest: Value = serde_json::from_slice(&entry(&bundle, "manifest.json")).unwrap();
    assert_eq!(manifest["tool"]["name"], "verifik-conformance");
    assert_eq!(manifest["seed"], 23);
    assert_eq!(manifest["profile"], "current");
    assert_eq!(manifest["options"]["cases"], 120);
    assert_eq!(manifest["target"]["url"], server.url());
    assert_eq!(manifest["verdict"], "conformant");
    assert_eq!(manifest["contract"]["digest"].as_str().unwrap().len(), 64);
    assert!(manifest["started_at"].is_string() && manifest["ended_at"].is_string());
    for name in ["exchanges.jsonl", "exchanges.digests", "report.json"] {
        let bytes = entry(&bundle, name);
        assert_eq!(manifest["files"][name]["sha256"], sha256(&bytes), "{name}");
        assert_eq!(manifest["files"][name]["bytes"], bytes.len(), "{name}");
    }
    let lines = entry(&bundle, "exchanges.jsonl");
    let digests = String::from_utf8(entry(&bundle, "exchanges.digests")).unwrap();
    let lines: Vec<&[u8]> = lines
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert!(
        lines.len() > 120,
        "every exchange is recorded: {}",
        lines.len()
    );
    assert_eq!(digests.lines().count(), lines.len());
    for (line, digest) in lines.iter().zip(digests.lines()) {
        assert_eq!(sha256(line), digest);
        let _: Value = serde_json::from_slice(line).expect("each line is JSON");
    }
    let envelope: Value = serde_json::from_slice(&entry(&bundle, "manifest.dsse.json")).unwrap();
    assert_eq!(
        envelope["payloadType"],
        "application/vnd.verifik-conformance.manifest+json"
    );

    let public_key = public.display().to_string();
    let out = verify(&bundle, &["--public-key", &public_key]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("valid Ed25519 signature"), "{text}");
    assert!(text.contains("every verdict reproduced"), "{text}");

    // Without the key: verified, saying the signature was not checked.
    let out = verify(&bundle, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("signature NOT checked"),
        "{}",
        stdout(&out)
    );

    // Another key: not verified.
    let (_, other) = keys(tmp.path(), "other");
    assert_verify_fails(
        &bundle,
        &["--public-key", &other.display().to_string()],
        &["does not verify with key"],
    );
    server.shutdown().await;
}

#[tokio::test]
async fn changing_any_byte_of_an_exchange_the_report_or_the_manifest_fails_and_is_named() {
    let server = target(None).await;
    let tmp = tempfile::tempdir().unwrap();
    let (bundle, public) = signed_run(&server, tmp.path(), "b", 0).await;

    // One byte of the fifth exchange.
    let bad = tmp.path().join("exchange.tar.gz");
    tampered(&bundle, &bad, "exchanges.jsonl", |bytes| {
        let line_start = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(3)
            .unwrap()
            .0
            + 1;
        let at = line_start + 20;
        bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
    });
    assert_verify_fails(
        &bad,
        &["--public-key", &public],
        &["exchanges.jsonl changed", "exchanges.jsonl line 5 changed"],
    );

    // One byte of the report.
    let bad = tmp.path().join("report.tar.gz");
    tampered(&bundle, &bad, "report.json", |bytes| {
        let text = String::from_utf8(bytes.clone()).unwrap();
        let at = text.find("\"pass\"").unwrap() + 1;
        bytes[at] = b'P';
    });
    assert_verify_fails(&bad, &["--public-key", &public], &["report.json changed"]);

    // One byte of the manifest (its seed).
    let bad = tmp.path().join("manifest.tar.gz");
    tampered(&bundle, &bad, "manifest.json", |bytes| {
        let text = String::from_utf8(bytes.clone()).unwrap();
        let at = text.find("\"seed\": 23").unwrap() + 9;
        bytes[at] = b'4';
    });
    assert_verify_fails(
        &bad,
        &["--public-key", &public],
        &[
            "manifest.json differs from the signed manifest",
            "not judged again",
        ],
    );

    // A file added to the archive.
    let mut files = entries(&bundle);
    files.push(("extra.txt".into(), b"hello".to_vec()));
    let bad = tmp.path().join("extra.tar.gz");
    repack(&files, &bad);
    assert_verify_fails(&bad, &["--public-key", &public], &["extra.txt"]);
    server.shutdown().await;
}

#[tokio::test]
async fn a_doctored_answer_with_consistent_digests_is_caught_by_judging_again() {
    // Unsigned, so nothing stops a forger from fixing every digest: judging
    // the exchanges again must still find that the verdicts do not follow.
    let server = target(None).await;
    let tmp = tempfile::tempdir().unwrap();
    let (out, bundle) = run(&server, tmp.path(), "u", &["--only", "scripted"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = verify(&bundle, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("UNSIGNED"), "{}", stdout(&out));

    let mut files = entries(&bundle);
    let find = |files: &Vec<(String, Vec<u8>)>, name: &str| {
        files.iter().position(|(n, _)| n == name).unwrap()
    };
    // Every 401 answer becomes a 200.
    let exchanges = find(&files, "exchanges.jsonl");
    let text = String::from_utf8(files[exchanges].1.clone()).unwrap();
    let doctored: Vec<String> = text
        .lines()
        .map(|l| {
            l.replace(
                "\"response\":{\"status\":401",
                "\"response\":{\"status\":200",
            )
        })
        .collect();
    assert_ne!(doctored.join("\n") + "\n", text, "a 401 was recorded");
    let digests: String = doctored
        .iter()
        .map(|l| format!("{}\n", sha256(l.as_bytes())))
        .collect();
    let exchanges_text = doctored.join("\n") + "\n";
    files[exchanges].1 = exchanges_text.clone().into_bytes();
    let digests_at = find(&files, "exchanges.digests");
    files[digests_at].1 = digests.clone().into_bytes();
    let manifest_at = find(&files, "manifest.json");
    let mut manifest: Value = serde_json::from_slice(&files[manifest_at].1).unwrap();
    manifest["files"]["exchanges.jsonl"] = serde_json::json!({"sha256": sha256(exchanges_text.as_bytes()), "bytes": exchanges_text.len()});
    manifest["files"]["exchanges.digests"] =
        serde_json::json!({"sha256": sha256(digests.as_bytes()), "bytes": digests.len()});
    files[manifest_at].1 = serde_json::to_vec_pretty(&manifest).unwrap();
    let bad = tmp.path().join("doctored.tar.gz");
    repack(&files, &bad);

    let out = verify(&bad, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("check auth.bearer-required/")
            && text.contains("recorded verdict pass, judged again fail"),
        "{text}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_mutant_bundle_verifies_and_judges_again_to_the_same_failures() {
    let server = target(Some("contact-message-reworded")).await;
    let tmp = tempfile::tempdir().unwrap();
    let (bundle, public) = signed_run(&server, tmp.path(), "mutant", 1).await;
    let report: Value = serde_json::from_slice(&entry(&bundle, "report.json")).unwrap();
    let failing: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "fail")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        failing
            .iter()
            .any(|id| id.contains("create.contact-required")),
        "{failing:?}"
    );
    let manifest: Value = serde_json::from_slice(&entry(&bundle, "manifest.json")).unwrap();
    assert_eq!(manifest["verdict"], "not-conformant");
    assert_eq!(manifest["exit_code"], 1);

    let out = verify(&bundle, &["--public-key", &public]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("every verdict reproduced"), "{text}");
    server.shutdown().await;
}

#[tokio::test]
async fn the_token_appears_nowhere_in_a_bundle_nor_in_what_run_and_verify_print() {
    let server = target(Some("contact-message-reworded")).await;
    let tmp = tempfile::tempdir().unwrap();
    let (out, bundle) = run(&server, tmp.path(), "t", &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let raw = std::fs::read(&bundle).unwrap();
    let needle = TOKEN.as_bytes();
    assert!(!raw.windows(needle.len()).any(|w| w == needle));
    for (name, bytes) in entries(&bundle) {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the token is in {name}"
        );
    }
    let exchanges = String::from_utf8(entry(&bundle, "exchanges.jsonl")).unwrap();
    assert!(
        exchanges.contains("Bearer ***"),
        "the token was sent, redacted"
    );
    let verified = verify(&bundle, &[]);
    for text in [
        stdout(&out),
        stderr(&out),
        stdout(&verified),
        stderr(&verified),
    ] {
        assert!(!text.contains(TOKEN), "{text}");
    }
    server.shutdown().await;
}

/// `text` with what differs between two runs of one seed made alike:
/// times, durations, ports, issued ids and tokens.
fn normalized(text: &str) -> String {
    let rules = [
        (r"eyJ[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*\.\*\*\*", "[jwt]"),
        (r"\b[0-9a-f]{24}\b", "[id]"),
        (
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)",
            "[time]",
        ),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (
            r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT",
            "[http-date]",
        ),
        (
            r#""(at_us|elapsed_us|duration_ms|bytes)": ?\d+"#,
            "\"$1\":0",
        ),
        (r#""sha256": ?"[0-9a-f]{64}""#, "\"sha256\":\"[digest]\""),
        (r"\d+ ms", "[n] ms"),
    ];
    let mut out = text.to_string();
    for (pattern, with) in rules {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, with)
            .into_owned();
    }
    out
}

#[tokio::test]
async fn bundles_of_one_seed_are_identical_but_for_times_and_issued_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bundles = Vec::new();
    for name in ["first", "second"] {
        // A fresh server each time: nothing of the first run is there.
        let server = target(None).await;
        let (out, bundle) = run(&server, tmp.path(), name, &["--concurrency", "1"]).await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        bundles.push(entries(&bundle));
        server.shutdown().await;
    }
    let names = |files: &Vec<(String, Vec<u8>)>| -> Vec<String> {
        files.iter().map(|(n, _)| n.clone()).collect()
    };
    assert_eq!(names(&bundles[0]), names(&bundles[1]));
    let first: BTreeMap<_, _> = bundles[0].iter().cloned().collect();
    let second: BTreeMap<_, _> = bundles[1].iter().cloned().collect();
    for name in ["manifest.json", "report.json", "exchanges.jsonl"] {
        let a = normalized(&String::from_utf8_lossy(&first[name]));
        let b = normalized(&String::from_utf8_lossy(&second[name]));
        if a != b {
            let (la, lb) = a
                .lines()
                .zip(b.lines())
                .find(|(x, y)| x != y)
                .unwrap_or_default();
            panic!("{name} differs beyond times and ids:\n{la}\n{lb}");
        }
    }
}

#[tokio::test]
async fn a_bundle_of_another_contract_is_refused_unless_allowed() {
    let server = target(None).await;
    let tmp = tempfile::tempdir().unwrap();
    let (out, bundle) = run(&server, tmp.path(), "c", &["--only", "scripted"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let other = tmp.path().join("other-contract.tar.gz");
    tampered(&bundle, &other, "manifest.json", |bytes| {
        let mut manifest: Value = serde_json::from_slice(bytes).unwrap();
        let files = manifest["contract"]["files"].as_object_mut().unwrap();
        let path = files
            .keys()
            .find(|p| p.starts_with("schemas/variants/"))
            .unwrap()
            .clone();
        files.insert(path, Value::String("0".repeat(64)));
        manifest["contract"]["digest"] = Value::String("1".repeat(64));
        *bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    });
    let out = verify(&other, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("contract mismatch"), "{text}");
    assert!(
        text.contains("schemas/variants/") && text.contains("(changed)"),
        "{text}"
    );

    let out = verify(&other, &["--allow-contract-mismatch"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("contract MISMATCH") && text.contains("schemas/variants/"),
        "{text}"
    );
    assert!(text.contains("every verdict reproduced"), "{text}");
    server.shutdown().await;
}

#[test]
fn unreadable_input_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let junk = tmp.path().join("junk.tar.gz");
    std::fs::write(&junk, b"not an archive at all").unwrap();
    for path in [
        junk,
        tmp.path().to_path_buf(),
        tmp.path().join("missing.tar.gz"),
    ] {
        let out = verify(&path, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let message = stderr(&out);
        assert_eq!(message.trim().lines().count(), 1, "{message}");
    }
    // A key that is not a key.
    let key = tmp.path().join("key.pub");
    std::fs::write(&key, "not a key").unwrap();
    let out = verify(
        &tmp.path().join("missing.tar.gz"),
        &["--public-key", &key.display().to_string()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A bundle that is not a .tar.gz name, before any request.
    let out = bin()
        .args(["run", "--bundle"])
        .arg(tmp.path().join("b.zip"))
        .arg("--report-dir")
        .arg(tmp.path().join("reports"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// `replay BUNDLE --target URL`, with the token from the environment.
async fn replay(bundle: &Path, to: &ServerHandle, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec![
        "replay".into(),
        bundle.display().to_string(),
        "--target".into(),
        to.url().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    run_bin(args, Some(TOKEN)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_says_what_a_fix_fixed_and_what_regressed() {
    let broken = target(Some("contact-message-reworded")).await;
    let fixed = target(None).await;
    let tmp = tempfile::tempdir().unwrap();
    let (_, broken_bundle) = run(&broken, tmp.path(), "broken", &["--only", "scripted"]).await;
    let (_, good_bundle) = run(&fixed, tmp.path(), "good", &["--only", "scripted"]).await;

    // The fix: the recorded failure passes on the fixed server; nothing
    // regressed, and the new run's ids (not the recorded ones) were used.
    let out = replay(
        &broken_bundle,
        &fixed,
        &[
            "--report-dir",
            &tmp.path().join("again").display().to_string(),
        ],
    )
    .await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains(
            "FIXED create.contact-required/neither-email-nor-phone: recorded fail, now pass"
        ),
        "{text}"
    );
    assert!(text.contains(" 0 regressed"), "{text}");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("again/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["summary"]["verdict"], "conformant");

    // A regression: a good recording sent to the broken server.
    let out = replay(&good_bundle, &broken, &["--format", "json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let regressed = json["regressed"].as_array().unwrap();
    assert!(
        regressed.iter().any(
            |c| c["check"] == "create.contact-required/neither-email-nor-phone"
                && c["recorded"] == "pass"
                && c["now"] == "fail"
        ),
        "{json}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));

    // Bad input: not a bundle, an empty token.
    let out = bin()
        .args(["replay", "/dev/null", "--target", fixed.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = bin()
        .args([
            "replay",
            &good_bundle.display().to_string(),
            "--target",
            fixed.url(),
            "--token",
            "",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The hidden files a bundle is built in, left in `dir`.
fn partial_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".bundle-"))
        .collect()
}

#[tokio::test]
async fn a_bundle_compressed_again_whole_still_verifies_and_a_failed_run_leaves_none() {
    let server = target(None).await;
    let tmp = tempfile::tempdir().unwrap();
    let (bundle, public) = signed_run(&server, tmp.path(), "made", 0).await;
    assert_eq!(partial_files(tmp.path()), Vec::<String>::new());
    let verified = verify(&bundle, &["--public-key", &public]);
    assert_eq!(verified.status.code(), Some(0), "{}", stdout(&verified));

    // The manifest holds the digests of the files, not of their gzip
    // members: the whole archive compressed again in one member, as
    // `zcat | gzip -9` does, verifies the same.
    let mut tar_bytes = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&bundle).unwrap())
        .read_to_end(&mut tar_bytes)
        .unwrap();
    let again = tmp.path().join("again.tar.gz");
    let mut gzip = flate2::write::GzEncoder::new(
        std::fs::File::create(&again).unwrap(),
        flate2::Compression::best(),
    );
    gzip.write_all(&tar_bytes).unwrap();
    gzip.finish().unwrap();
    let verified = verify(&again, &["--public-key", &public]);
    assert_eq!(verified.status.code(), Some(0), "{}", stdout(&verified));
    assert!(stdout(&verified).contains("every verdict reproduced"));

    // A run that stops with an error writes no bundle, and leaves nothing
    // behind: the target's port is closed by then.
    let url = server.url().to_string();
    server.shutdown().await;
    let failed = tmp.path().join("failed.tar.gz");
    let out = run_bin(
        [
            "run",
            "--target",
            &url,
            "--cases",
            "5",
            "--report-dir",
            &tmp.path().join("failed-reports").display().to_string(),
            "--bundle",
            &failed.display().to_string(),
        ]
        .map(String::from)
        .to_vec(),
        Some(TOKEN),
    )
    .await;
    // 3: the target could not be reached.
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(!failed.exists(), "no bundle from a failed run");
    assert_eq!(partial_files(tmp.path()), Vec::<String>::new());
}

/// The flag end to end. Whether `idle` would have stored some batch of so
/// small a run depends on the machine, so what tells the two apart (nothing
/// stored with `always`, whatever waits) is the recorder's unit tests'.
#[tokio::test]
async fn bundle_compression_always_gives_a_compressed_bundle_that_verifies_and_needs_a_bundle() {
    let server = target(None).await;
    let tmp = tempfile::tempdir().unwrap();
    let (out, bundle) = run(
        &server,
        tmp.path(),
        "small",
        &["--bundle-compression", "always"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("uncompressed"), "{}", stderr(&out));
    let text: usize = entries(&bundle).iter().map(|(_, bytes)| bytes.len()).sum();
    let size = std::fs::metadata(&bundle).unwrap().len() as usize;
    assert!(
        text > 256 * 1024 && size < text / 3,
        "{size} bytes of archive for {text} bytes of files"
    );
    let verified = verify(&bundle, &[]);
    assert_eq!(verified.status.code(), Some(0), "{}", stdout(&verified));

    // Without --bundle there is nothing to compress: a usage error.
    let out = run_bin(
        ["run", "--bundle-compression", "always"]
            .map(String::from)
            .to_vec(),
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--bundle"), "{}", stderr(&out));
    server.shutdown().await;
}
