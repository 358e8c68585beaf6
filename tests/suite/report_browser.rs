//! report.html in a real headless Chromium (Debian's `chromium`): the page
//! of a failing run loads with no console error and fetches nothing, its
//! filters change what is shown, and a screenshot is written under the
//! target directory. Without Chromium this test fails and says how to
//! install it; CI installs it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::Log::LogEntryLevel;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::protocol::cdp::Runtime::ConsoleAPICalledEventTypeOption;
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;

use crate::support::failing_run::{failing_run, TOKEN};

/// Where Debian's package puts it; `VERIFIK_CHROMIUM` names another.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The flags this machine needs: no sandbox (root), no GPU, and nothing
/// that reaches for the network (there is none).
const FLAGS: [&str; 7] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

fn chromium() -> PathBuf {
    let path =
        std::env::var_os("VERIFIK_CHROMIUM").map_or_else(|| PathBuf::from(CHROMIUM), PathBuf::from);
    assert!(
        path.is_file(),
        "Chromium is missing at {}: install it with `apt-get install -y chromium` (Debian's package; .ci/run does this), or set VERIFIK_CHROMIUM to its path",
        path.display()
    );
    path
}

/// Evaluate `body` (a function body that returns a value) in the page.
fn eval(tab: &Tab, body: &str) -> Value {
    let expression = format!("JSON.stringify((() => {{ {body} }})())");
    let result = tab.evaluate(&expression, false).unwrap();
    match result.value {
        Some(Value::String(text)) => serde_json::from_str(&text).unwrap(),
        other => panic!("{body} gave {other:?}"),
    }
}

/// Set the filter control `id` to `value`, as a person would.
fn set_filter(tab: &Tab, id: &str, value: &str) {
    eval(
        tab,
        &format!(
            "const c = document.getElementById({id:?}); c.value = {value:?};
             c.dispatchEvent(new Event(c.tagName === 'INPUT' ? 'input' : 'change', {{bubbles: true}}));
             return c.value;"
        ),
    );
}

/// The rows shown (not hidden, and laid out) in each group.
fn shown(tab: &Tab) -> Vec<Value> {
    eval(
        tab,
        "return [...document.querySelectorAll('[data-row]')]
            .filter(e => getComputedStyle(e).display !== 'none')
            .map(e => ({group: e.dataset.row, verdict: e.dataset.verdict, level: e.dataset.level,
                        fact: e.dataset.fact, legacy: e.dataset.legacy}));",
    )
    .as_array()
    .unwrap()
    .clone()
}

fn count(rows: &[Value], group: &str) -> usize {
    rows.iter().filter(|r| r["group"] == group).count()
}

fn screenshot_path(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-html");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn report_html_of_a_failing_run_works_in_headless_chromium() {
    let chromium = chromium();
    let run = failing_run(&[]);
    let html_path = run.report_dir().join("report.html");
    let html = std::fs::read_to_string(&html_path).expect("run writes report.html");
    assert!(!html.contains(TOKEN), "the token leaked into report.html");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(run.report_dir().join("report.json")).unwrap(),
    )
    .unwrap();
    let checks = report["checks"].as_array().unwrap();
    let fails = report["summary"]["fail"].as_u64().unwrap() as usize;
    assert!(fails > 0);

    let clock = Instant::now();
    let profile = tempfile::tempdir().unwrap();
    let flags: Vec<&OsStr> = FLAGS.iter().map(OsStr::new).collect();
    let options = LaunchOptions::default_builder()
        .path(Some(chromium))
        .headless(true)
        .sandbox(false)
        .enable_gpu(false)
        .user_data_dir(Some(profile.path().to_path_buf()))
        .window_size(Some((1280, 1600)))
        .idle_browser_timeout(Duration::from_secs(60))
        .args(flags)
        .build()
        .unwrap();
    let browser = Browser::new(options).expect("Chromium starts headless");
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(20));

    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&errors);
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let error = match event {
            Event::RuntimeExceptionThrown(e) => {
                Some(format!("exception: {}", e.params.exception_details.text))
            }
            Event::RuntimeConsoleAPICalled(e)
                if e.params.Type == ConsoleAPICalledEventTypeOption::Error =>
            {
                Some(format!("console.error: {:?}", e.params.args))
            }
            Event::LogEntryAdded(e) if e.params.entry.level == LogEntryLevel::Error => {
                Some(format!("log: {}", e.params.entry.text))
            }
            _ => None,
        };
        if let Some(error) = error {
            sink.lock().unwrap().push(error);
        }
    }))
    .unwrap();
    tab.enable_log().unwrap();
    tab.enable_runtime().unwrap();

    let url = format!("file://{}", html_path.display());
    tab.navigate_to(&url).unwrap();
    tab.wait_until_navigated().unwrap();
    tab.wait_for_element("#filters").unwrap();

    // It loaded, says the run failed, and fetched nothing.
    assert!(tab.get_title().unwrap().contains("NOT conformant"));
    assert_eq!(
        eval(
            &tab,
            "return document.getElementById('run-verdict').textContent;"
        ),
        "not conformant"
    );
    assert_eq!(
        eval(
            &tab,
            "return performance.getEntriesByType('resource').length;"
        ),
        0,
        "the page is self-contained"
    );

    // Everything shows at first, failures first.
    let all = shown(&tab);
    assert_eq!(count(&all, "checks"), checks.len());
    assert_eq!(
        count(&all, "facts"),
        report["facts"].as_array().unwrap().len()
    );
    assert_eq!(
        all.iter().find(|r| r["group"] == "failures").unwrap()["verdict"],
        "fail"
    );
    let screenshot = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    assert_eq!(&screenshot[..8], b"\x89PNG\r\n\x1a\n");
    std::fs::write(screenshot_path("report-html.png"), &screenshot).unwrap();

    // verdict = fail: only failing rows, as many as the run has.
    set_filter(&tab, "filter-verdict", "fail");
    let failing = shown(&tab);
    assert!(
        failing.iter().all(|r| r["verdict"] == "fail"),
        "{failing:?}"
    );
    assert_eq!(count(&failing, "checks"), fails);
    assert_eq!(count(&failing, "failures"), fails);
    let failing_facts = report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] == "fail")
        .count();
    assert_eq!(count(&failing, "facts"), failing_facts);
    assert_eq!(eval(&tab, "return location.hash;"), "#verdict=fail");
    std::fs::write(
        screenshot_path("report-html-failing.png"),
        tab.capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap(),
    )
    .unwrap();

    // Clear, then page legacy + contradicts: the facts legacy contradicts,
    // and only legacy's column.
    eval(
        &tab,
        "document.getElementById('filter-reset').click(); return true;",
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(count(&shown(&tab), "checks"), checks.len());
    set_filter(&tab, "filter-variant", "legacy");
    set_filter(&tab, "filter-alignment", "contradicts");
    let legacy = shown(&tab);
    let contradicting = report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["variants"]["legacy"] == "contradicts")
        .count();
    assert!(contradicting > 0);
    assert_eq!(count(&legacy, "facts"), contradicting);
    assert!(legacy.iter().all(|r| r["legacy"] == "contradicts"));
    assert_eq!(
        eval(
            &tab,
            "return [...document.querySelectorAll('[data-col]')]
                .filter(e => getComputedStyle(e).display !== 'none')
                .every(e => e.dataset.col === 'legacy');"
        ),
        true
    );

    // level and fact narrow down too.
    eval(
        &tab,
        "document.getElementById('filter-reset').click(); return true;",
    );
    std::thread::sleep(Duration::from_millis(100));
    set_filter(&tab, "filter-level", "should");
    let should = shown(&tab);
    assert!(!should.is_empty() && should.iter().all(|r| r["level"] == "should"));
    set_filter(&tab, "filter-level", "");
    set_filter(&tab, "filter-fact", "create.contact-required");
    let fact = shown(&tab);
    assert!(count(&fact, "checks") > 0);
    assert!(fact.iter().all(|r| r["fact"]
        .as_str()
        .unwrap()
        .contains("create.contact-required")));

    // The copy button works or falls back to selecting, without an error.
    eval(
        &tab,
        "document.querySelector('button.copy').click(); return true;",
    );
    std::thread::sleep(Duration::from_millis(200));

    let errors = errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    eprintln!(
        "report.html checked in Chromium in {} ms; screenshots in {}",
        clock.elapsed().as_millis(),
        screenshot_path("").display()
    );
}
