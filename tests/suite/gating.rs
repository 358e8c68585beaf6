//! Gating CI on a run: waivers with expiry, a baseline, sharding across
//! machines and the merge of the shards, the event stream, and the example
//! GitHub Actions workflow, all through the binary.

use std::path::Path;
use std::process::Output;

use clap::Parser as _;
use serde_json::Value;
use verifik_conformance::server::ServerHandle;

use crate::support::{bin, read_report, reference_server, run_bin, stderr, BLOCKED_DOMAIN};

const TOKEN: &str = "gating-token-0123";

/// The reference server, or one of its mutants, on 127.0.0.1.
async fn target(mutant: Option<&str>) -> ServerHandle {
    reference_server(mutant, Some(TOKEN)).await
}

/// `run` against `server` with `extra` arguments, reports in `dir`.
async fn run(server: &ServerHandle, dir: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<String> = [
        "run",
        "--target",
        server.url(),
        "--blocked-email-domain",
        BLOCKED_DOMAIN,
        "--seed",
        "11",
        "--cases",
        "120",
        "--report-dir",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(dir.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    run_bin(args, Some(TOKEN)).await
}

fn verdict_of<'a>(report: &'a Value, id_prefix: &str) -> Vec<&'a str> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"].as_str().unwrap().starts_with(id_prefix))
        .map(|c| c["verdict"].as_str().unwrap())
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn waiver(matches: &str, expires: &str) -> String {
    format!(
        "[[waiver]]\n{matches}\nreason = \"the wording is being fixed upstream\"\nowner = \"team-api\"\nexpires = {expires}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_waiver_waives_and_an_expired_one_fails() {
    let server = target(Some("contact-message-reworded")).await;
    let tmp = tempfile::tempdir().unwrap();
    let check = "check = \"create.contact-required/*\"";

    // Without a waiver the mutant fails create.contact-required.
    let out = run(&server, &tmp.path().join("plain"), &["--only", "scripted"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let plain = read_report(&tmp.path().join("plain"));
    assert_eq!(verdict_of(&plain, "create.contact-required/"), ["fail"]);
    let failing = plain["summary"]["fail"].as_u64().unwrap();

    // Valid: waived, shown apart, the run passes.
    let file = write(tmp.path(), "valid.toml", &waiver(check, "2999-12-31"));
    let dir = tmp.path().join("valid");
    let out = run(&server, &dir, &["--only", "scripted", "--waivers", &file]).await;
    let report = read_report(&dir);
    assert_eq!(verdict_of(&report, "create.contact-required/"), ["waived"]);
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(report["waivers"][0]["state"], "applied");
    let console = String::from_utf8_lossy(&out.stdout);
    assert!(console.contains("APPLIED waiver #1"), "{console}");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(
        junit.contains("the wording is being fixed upstream"),
        "{junit}"
    );
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("## Waivers"), "{md}");
    assert_eq!(report["summary"]["fail"].as_u64().unwrap(), failing - 1);
    let expected = if failing == 1 { 0 } else { 1 };
    assert_eq!(out.status.code(), Some(expected), "{}", stderr(&out));

    // Expired: it waives nothing, and the run fails naming the entry.
    let file = write(tmp.path(), "expired.toml", &waiver(check, "2020-01-31"));
    let dir = tmp.path().join("expired");
    let out = run(&server, &dir, &["--only", "scripted", "--waivers", &file]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("gate: waiver #1 (line 1, check = \"create.contact-required/*\", owner team-api) expired on 2020-01-31"),
        "{}",
        stderr(&out)
    );
    let report = read_report(&dir);
    assert_eq!(verdict_of(&report, "create.contact-required/"), ["fail"]);
    assert_eq!(report["waivers"][0]["state"], "expired");
    let console = String::from_utf8_lossy(&out.stdout);
    assert!(console.contains("1 expired waiver"), "{console}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_and_unexercised_waivers_are_told_apart() {
    let server = target(None).await;
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n{}",
        waiver("fact = \"create.project-required\"", "2999-01-01"),
        waiver("check = \"no.such-fact/*\"", "2999-01-01")
    );
    let file = write(tmp.path(), "w.toml", &text);
    let dir = tmp.path().join("r");
    let out = run(&server, &dir, &["--only", "scripted", "--waivers", &file]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "stale alone passes: {}",
        stderr(&out)
    );
    let report = read_report(&dir);
    assert_eq!(report["waivers"][0]["state"], "stale");
    assert_eq!(report["waivers"][1]["state"], "unexercised");
    assert_eq!(report["waivers"][1]["line"], 7);

    let out = run(
        &server,
        &dir,
        &[
            "--only",
            "scripted",
            "--waivers",
            &file,
            "--deny-stale-waivers",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("gate: waiver #1") && err.contains("is stale"),
        "{err}"
    );
    assert!(
        !err.contains("waiver #2"),
        "unexercised is not stale: {err}"
    );
}

#[test]
fn a_malformed_waiver_file_is_a_usage_error_with_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    for (text, says) in [
        ("[[waiver]]\ncheck = \"a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"soon\"\n", "line 5"),
        ("[[waiver]]\nfact = \"a\"\ncheck = \"b\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2030-01-01\n", "line 1: waiver #1: give exactly one"),
        ("[[waiver]]\ncheck = \"a[\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2030-01-01\n", "not a glob pattern"),
        ("[[waiver]]\ncheck = \"a\"\nreason = \"\"\nowner = \"o\"\nexpires = 2030-01-01\n", "reason is empty"),
    ] {
        let file = write(tmp.path(), "w.toml", text);
        let out = bin().args(["run", "--waivers", &file]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(says) && err.lines().count() == 1, "{says}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_baseline_tells_new_fixed_and_still_failing() {
    let faithful = target(None).await;
    let broken = target(Some("contact-message-reworded")).await;
    let tmp = tempfile::tempdir().unwrap();
    let (good, bad) = (tmp.path().join("good"), tmp.path().join("bad"));
    run(&faithful, &good, &["--only", "scripted"]).await;
    run(&broken, &bad, &["--only", "scripted"]).await;
    let good_json = good.join("report.json").display().to_string();
    let bad_json = bad.join("report.json").display().to_string();

    // A regression: new against the good baseline, and --fail-on new fails.
    let dir = tmp.path().join("regressed");
    let out = run(
        &broken,
        &dir,
        &[
            "--only",
            "scripted",
            "--baseline",
            &good_json,
            "--fail-on",
            "new",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = read_report(&dir);
    let new = report["baseline"]["new_failures"].as_array().unwrap();
    assert!(new
        .iter()
        .any(|id| id.as_str().unwrap().starts_with("create.contact-required/")));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NEW create.contact-required/"));

    // Known failures only: still failing, and --fail-on new lets it pass.
    let dir = tmp.path().join("known");
    let out = run(
        &broken,
        &dir,
        &[
            "--only",
            "scripted",
            "--baseline",
            &bad_json,
            "--fail-on",
            "new",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = read_report(&dir);
    assert_eq!(report["baseline"]["new_failures"], serde_json::json!([]));
    assert!(!report["baseline"]["still_failing"]
        .as_array()
        .unwrap()
        .is_empty());
    let out = run(
        &broken,
        &dir,
        &["--only", "scripted", "--baseline", &bad_json],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "--fail-on any is the default");

    // The fix: fixed against the bad baseline.
    let dir = tmp.path().join("fixed");
    let out = run(
        &faithful,
        &dir,
        &["--only", "scripted", "--baseline", &bad_json],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = read_report(&dir);
    let fixed = report["baseline"]["fixed"].as_array().unwrap();
    assert!(fixed
        .iter()
        .any(|id| id.as_str().unwrap().starts_with("create.contact-required/")));
}

#[test]
fn fail_on_new_needs_a_baseline_and_a_baseline_must_be_a_report() {
    let out = bin().args(["run", "--fail-on", "new"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--fail-on new needs --baseline"));
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "x.json", "{\"not\": \"a report\"}");
    let out = bin().args(["run", "--baseline", &file]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a report.json"),
        "{}",
        stderr(&out)
    );
}

/// Check id → verdict of a report.
fn verdicts(report: &Value) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    all.sort();
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merged_shards_equal_the_whole_run() {
    // A server with failures in both phases, so counterexamples are merged too.
    let server = target(Some("500-on-long-string")).await;
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let out = run(&server, &whole, &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let dir = tmp.path().join(format!("shard-{k}"));
        let partition = format!("hash:{k}/3");
        let out = run(
            &server,
            &dir,
            &["--partition", &partition, "--no-tests", "warn"],
        )
        .await;
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
        assert_eq!(read_report(&dir)["partition"], partition.as_str());
        shards.push(dir.join("report.json"));
    }
    let merged = tmp.path().join("merged");
    let out = bin()
        .arg("merge")
        .args(&shards)
        .arg("--report-dir")
        .arg(&merged)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    for name in ["report.json", "junit.xml", "report.md"] {
        assert!(merged.join(name).exists(), "{name}");
    }
    let (whole, merged) = (read_report(&whole), read_report(&merged));
    assert_eq!(verdicts(&merged), verdicts(&whole));
    assert_eq!(merged["summary"], whole["summary"]);
    assert_eq!(merged["seed"], whole["seed"]);
    // The generated failure: same counts, same counterexample.
    let no_5xx = |r: &Value| {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "generated/http.no-server-error/no-5xx")
            .cloned()
            .unwrap()
    };
    let (a, b) = (no_5xx(&whole), no_5xx(&merged));
    assert_eq!(a["cases"], b["cases"]);
    assert_eq!(a["message"], b["message"]);
    assert_eq!(a["request"], b["request"]);

    // A missing or doubled shard is refused, naming it.
    let out = bin()
        .arg("merge")
        .args(&shards[..2])
        .arg("--report-dir")
        .arg(tmp.path().join("partial"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("shard hash:3/3 is missing"),
        "{}",
        stderr(&out)
    );
    let out = bin()
        .arg("merge")
        .args([&shards[0], &shards[0], &shards[1]])
        .arg("--report-dir")
        .arg(tmp.path().join("doubled"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("are both shard hash:1/3"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bad_partition_is_a_usage_error() {
    for bad in ["hash:0/4", "hash:5/4", "1/4", "round:1/2"] {
        let out = bin().args(["run", "--partition", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(stderr(&out).contains("give hash:K/N"), "{}", stderr(&out));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stream_phases_and_every_check() {
    let server = target(None).await;
    let tmp = tempfile::tempdir().unwrap();
    let events = tmp.path().join("events.jsonl");
    let dir = tmp.path().join("r");
    let out = run(&server, &dir, &["--events", &events.display().to_string()]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&events).unwrap();
    assert!(!text.contains(TOKEN));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    let report = read_report(&dir);
    let checks = kinds.iter().filter(|k| **k == "check").count();
    assert_eq!(checks as u64, report["summary"]["checks"].as_u64().unwrap());
    let phases: Vec<String> = lines
        .iter()
        .filter(|l| l["event"] != "check")
        .map(|l| {
            format!(
                "{} {}",
                l["event"].as_str().unwrap(),
                l["phase"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        phases,
        [
            "phase-start scripted",
            "phase-end scripted",
            "phase-start generated",
            "phase-end generated",
            "run-end "
        ]
    );
    assert!(lines.iter().all(|l| l["at"].is_string()));

    // `-`: the events alone on stdout, the summary on stderr.
    let out = run(&server, &dir, &["--only", "scripted", "--events", "-"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "{stdout}"
    );
    assert!(stderr(&out).contains("verdict: CONFORMANT"));
}

/// Every command the example workflow runs is accepted by the binary.
#[test]
fn the_example_workflow_runs_commands_the_binary_accepts() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/github-actions.yml"
    ))
    .unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap();
    let jobs = docs[0]["jobs"].as_hash().expect("jobs");
    let mut commands = Vec::new();
    for job in jobs.values() {
        for step in job["steps"].as_vec().expect("steps") {
            if let Some(run) = step["run"].as_str() {
                if let Some((_, rest)) = run.split_once("verifik-conformance ") {
                    commands.push(rest.replace("${{ matrix.shard }}", "1"));
                }
            }
        }
    }
    assert_eq!(commands.len(), 2, "{commands:?}");
    for command in &commands {
        let args = std::iter::once("verifik-conformance").chain(command.split_whitespace());
        if let Err(e) = verifik_conformance::cli::Cli::try_parse_from(args) {
            panic!("the workflow runs `{command}`, which the binary refuses: {e}");
        }
    }
    assert!(commands[0].starts_with("run ") && commands[0].contains("--partition hash:1/4"));
    assert!(commands[1].starts_with("merge ") && commands[1].contains("--fail-on new"));
}

/// The README's sharding example runs as printed.
#[test]
fn the_readme_sharding_example_runs_as_printed() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let script = readme
        .split("```sh\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains("verifik-conformance merge"))
        .expect("the README shows how to merge shards");
    let tmp = tempfile::tempdir().unwrap();
    let bin_dir = Path::new(crate::support::BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("bash")
        .args(["-eu", "-c", script])
        .current_dir(tmp.path())
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{script}\n{}", stderr(&out));
    let report = read_report(&tmp.path().join("reports"));
    assert_eq!(report["summary"]["verdict"], "conformant");
    assert_eq!(report["target"], "embedded reference server (4 shards)");
}
