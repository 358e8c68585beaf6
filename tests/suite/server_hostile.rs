//! A battery of malformed and hostile create bodies (bad JSON, invalid
//! UTF-8, wrong types, nulls, huge strings, deep nesting, odd Unicode,
//! oversize bodies) against every variant: never a 5xx, always a JSON body
//! in the variant's success or error shape, and the status each case is
//! expected to get. Plus hostile requests that need a raw socket.

use crate::support::server_support;

use futures::StreamExt;
use serde_json::{json, Value};
use server_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use verifik_conformance::contract::{Shape, ShapeFamily};
use verifik_conformance::server::{ServerVariant, DEFAULT_PROJECT, DEFAULT_PROJECT_FLOW};

/// What a case must get, per variant.
#[derive(Clone, Copy, Debug)]
struct Expect {
    current: u16,
    legacy: u16,
}

const fn same(status: u16) -> Expect {
    Expect {
        current: status,
        legacy: status,
    }
}

struct Case {
    name: String,
    body: Vec<u8>,
    expect: Expect,
}

fn case(cases: &mut Vec<Case>, name: impl Into<String>, body: impl Into<Vec<u8>>, expect: Expect) {
    cases.push(Case {
        name: name.into(),
        body: body.into(),
        expect,
    });
}

/// A valid body (for every variant) with `changes` applied.
fn valid(changes: Value) -> Value {
    let mut body = json!({
        "project": DEFAULT_PROJECT,
        "projectFlow": DEFAULT_PROJECT_FLOW,
        "email": format!("hostile{}@example.com", unique()),
        "fullName": "Hostile Test",
    });
    for (k, v) in changes.as_object().unwrap() {
        if let Some(removed) = k.strip_prefix('-') {
            body.as_object_mut().unwrap().remove(removed);
        } else {
            body[k] = v.clone();
        }
    }
    body
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

fn battery() -> Vec<Case> {
    let mut cases = Vec::new();
    let c = &mut cases;

    // Syntax errors: 400.
    let bad_json: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "{{}}",
        "{\"project\"",
        "{\"project\":",
        "{\"project\":}",
        "{\"project\" \"p\"}",
        "{'project':'p'}",
        "{project:\"p\"}",
        "{\"a\":1,}",
        "{,}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":[1,]}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":-}",
        "{\"a\":+1}",
        "{\"a\":1e}",
        "{\"a\":0x10}",
        "{\"a\":NaN}",
        "{\"a\":Infinity}",
        "{\"a\":-Infinity}",
        "{\"a\":undefined}",
        "{\"a\":tru}",
        "{\"a\":nul}",
        "{\"a\":True}",
        "{\"a\":\"unterminated}",
        "{\"a\":\"bad \\x41 escape\"}",
        "{\"a\":\"bad \\u12 escape\"}",
        "{\"a\":\"\\uZZZZ\"}",
        "{\"a\":\"raw\nnewline\"}",
        "{\"a\":\"raw\ttab\"}",
        "{\"a\":\"raw\u{1}control\"}",
        "{}x",
        "{}{}",
        "{} []",
        "/* comment */ {}",
        "{} // comment",
        "\u{feff}{}",
        "{\"a\":1}}",
        "{\"a\" : [}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\ud800\\u0041\"}",
        "{\"project\":1e400}",
        "{\"project\":-1e400}",
        "\"\\ud800\"",
        "{\"a\":\"x\"\"y\"}",
        "{\"\":}",
        "{null:1}",
        "{1:1}",
        "{\"a\"::1}",
    ];
    for (i, text) in bad_json.iter().enumerate() {
        case(c, format!("bad-json-{i}"), text.as_bytes(), same(400));
    }
    case(c, "empty", "", same(400));
    case(c, "whitespace", " \t\r\n ", same(400));

    // Invalid UTF-8, raw bytes: 400.
    let bad_utf8: &[&[u8]] = &[
        b"\xff",
        b"\xfe\xff",
        b"\xff\xfe{\x00}\x00",
        b"\xc3\x28",
        b"\xa0\xa1",
        b"\xe2\x28\xa1",
        b"\xe2\x82\x28",
        b"\xf0\x28\x8c\xbc",
        b"\xf0\x90\x28\xbc",
        b"\xf8\xa1\xa1\xa1\xa1",
        b"\xc0\xaf",
        b"\xe0\x80\xaf",
        b"\xed\xa0\x80",
        b"\xed\xbf\xbf",
        b"\xf4\x90\x80\x80",
        b"{\"project\":\"\xff\"}",
        b"{\"project\":\"p\xc3\"}",
        b"{\"email\":\"a\xed\xa0\x80@b.c\"}",
        b"{\"fullName\":\"\xc0\xaf\"}",
        b"{\"\xff\":\"key\"}",
        b"{\"project\":\"p\",\"projectFlow\":\"f\",\"email\":\"a@b.c\",\"fullName\":\"\xe2\x82\"}",
        b"\x00",
        b"\x00{}",
        b"{\x00}",
    ];
    for (i, raw) in bad_utf8.iter().enumerate() {
        case(c, format!("bad-utf8-{i}"), raw.to_vec(), same(400));
    }
    // UTF-16 encodings of a valid body are not UTF-8 JSON.
    let utf16: Vec<u8> = String::from_utf8(bytes(&valid(json!({}))))
        .unwrap()
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    case(c, "utf16le", utf16, same(400));
    // Seeded random bytes: never JSON.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..20 {
        let mut noise = Vec::new();
        for _ in 0..(64 + i * 37) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            noise.push((seed >> 24) as u8);
        }
        noise[0] = 0xff; // never a valid JSON start
        case(c, format!("noise-{i}"), noise, same(400));
    }

    // Not an object: 400.
    for (i, text) in [
        "null", "true", "false", "0", "-1", "3.14", "1e10", "\"text\"", "\"\"", "[]", "[{}]",
        "[null]", "[[[]]]",
    ]
    .iter()
    .enumerate()
    {
        case(c, format!("not-object-{i}"), text.as_bytes(), same(400));
    }
    case(
        c,
        "array-of-valid",
        bytes(&json!([valid(json!({}))])),
        same(400),
    );

    // Wrong types, field by field: 409 (legacy ignores firstName/lastName).
    let wrong: [Value; 9] = [
        json!(1),
        json!(-1.5),
        json!(1e300),
        json!(true),
        json!(false),
        json!([]),
        json!(["x"]),
        json!({}),
        json!({"a": "b"}),
    ];
    for field in server_support::CURRENT_FIELDS {
        let legacy_ignores = field == "firstName" || field == "lastName";
        for (i, value) in wrong.iter().enumerate() {
            case(
                c,
                format!("type-{field}-{i}"),
                bytes(&valid(json!({ field: value }))),
                Expect {
                    current: 409,
                    legacy: if legacy_ignores { 200 } else { 409 },
                },
            );
        }
    }
    case(
        c,
        "big-integer",
        br#"{"project":123456789012345678901234567890123456789,"projectFlow":"f","email":"a@b.c"}"#
            .to_vec(),
        same(409),
    );
    case(
        c,
        "tiny-float",
        br#"{"project":1e-400}"#.to_vec(),
        same(409),
    );
    case(c, "negative-zero", br#"{"project":-0}"#.to_vec(), same(409));

    // Nulls, field by field.
    for field in server_support::CURRENT_FIELDS {
        let expect = match field {
            "project" | "projectFlow" | "email" => same(409),
            "fullName" => Expect {
                current: 200,
                legacy: 409,
            },
            _ => same(200),
        };
        case(
            c,
            format!("null-{field}"),
            bytes(&valid(json!({ field: null }))),
            expect,
        );
    }
    let all_null: serde_json::Map<String, Value> = server_support::CURRENT_FIELDS
        .iter()
        .map(|f| (f.to_string(), Value::Null))
        .collect();
    case(c, "all-null", bytes(&Value::Object(all_null)), same(409));
    case(c, "empty-object", "{}", same(409));

    // Huge strings (within the 1 MiB limit).
    let huge = "h".repeat(900_000);
    let huge_digits = "7".repeat(900_000);
    for (name, changes, expect) in [
        ("project", json!({"project": huge}), same(200)),
        (
            "projectFlow",
            json!({"projectFlow": huge}),
            Expect {
                current: 200,
                legacy: 409,
            },
        ),
        (
            "email",
            json!({"email": format!("{huge}@example.com")}),
            same(200),
        ),
        (
            "email-domain",
            json!({"email": format!("a@{huge}")}),
            same(200),
        ),
        (
            "phone-digits",
            json!({"phone": huge_digits, "countryCode": "+57"}),
            same(200),
        ),
        (
            "phone-letters",
            json!({"phone": huge, "countryCode": "+57"}),
            Expect {
                current: 409,
                legacy: 200,
            },
        ),
        ("countryCode", json!({"countryCode": huge}), same(409)),
        ("fullName", json!({"fullName": huge}), same(200)),
        ("firstName", json!({"firstName": huge}), same(200)),
        ("language", json!({"language": huge}), same(200)),
        ("unknown-field", json!({"padding": huge}), same(200)),
        (
            "escaped",
            json!({"fullName": "é\"\\\n".repeat(100_000)}),
            same(200),
        ),
    ] {
        case(c, format!("huge-{name}"), bytes(&valid(changes)), expect);
    }
    let mut huge_key = bytes(&valid(json!({})));
    huge_key.pop();
    huge_key.extend_from_slice(format!(",\"{}\":1}}", "k".repeat(500_000)).as_bytes());
    case(c, "huge-key", huge_key, same(200));
    let many_keys: serde_json::Map<String, Value> =
        (0..20_000).map(|i| (format!("k{i}"), json!(i))).collect();
    let mut body = valid(json!({}));
    body.as_object_mut().unwrap().extend(many_keys);
    case(c, "many-keys", bytes(&body), same(200));

    // Deep nesting.
    case(c, "deep-array-100k", "[".repeat(100_000), same(400));
    case(c, "deep-object-100k", "{\"a\":".repeat(100_000), same(400));
    case(
        c,
        "deep-balanced-100k",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        same(400),
    );
    case(
        c,
        "deep-in-field",
        format!(
            "{{\"project\":{}1{}}}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        ),
        same(400),
    );
    case(
        c,
        "deep-top-129",
        format!("{}{}", "[".repeat(129), "]".repeat(129)),
        same(400),
    );
    // Within serde_json's limit of 128: parsed, then a wrong type.
    case(
        c,
        "nested-field-100",
        format!(
            "{{\"project\":{}\"p\"{}}}",
            "[".repeat(100),
            "]".repeat(100)
        ),
        same(409),
    );
    case(
        c,
        "nested-unknown-100",
        {
            let mut b = bytes(&valid(json!({})));
            b.pop();
            b.extend_from_slice(
                format!(",\"x\":{}1{}}}", "{\"a\":".repeat(100), "}".repeat(100)).as_bytes(),
            );
            b
        },
        same(200),
    );

    // Odd Unicode: accepted as names, email local parts and projects;
    // refused where a format is documented.
    let odd: &[&str] = &[
        "\u{0}",
        "nul\u{0}inside",
        "\u{ffff}",
        "\u{fffe}",
        "\u{feff}BOM",
        "zero\u{200b}width",
        "\u{202e}override\u{202c}",
        "\u{200f}rtl mark",
        "مرحبا بالعالم",
        "עברית",
        "👩‍👩‍👧‍👦 family",
        "🏳️‍🌈",
        "e\u{301}\u{301}\u{301}\u{301}",
        &"a\u{300}".repeat(2_000),
        "\u{e000}private",
        "\u{10ffff}",
        "ﷺ",
        "𝕳𝖊𝖑𝖑𝖔",
        "Ⅻ",
        "ǅ",
        "ß",
        "İstanbul",
        "\u{3164}",
        "null",
        "undefined",
        "<script>alert(1)</script>",
        "'; DROP TABLE users; --",
        "{{7*7}}",
        "${jndi:ldap://x}",
        "../../etc/passwd",
        "%00%ff",
        "\\u0000",
        "\r\n\r\nInjected: header",
    ];
    for (i, text) in odd.iter().enumerate() {
        case(
            c,
            format!("unicode-name-{i}"),
            bytes(&valid(json!({"fullName": text}))),
            same(200),
        );
        case(
            c,
            format!("unicode-email-{i}"),
            bytes(&valid(
                json!({"email": format!("{text}{}@example.com", unique())}),
            )),
            same(200),
        );
        case(
            c,
            format!("unicode-project-{i}"),
            bytes(&valid(json!({"project": text}))),
            same(200),
        );
    }
    for (i, text) in [
        "１２３",
        "٣٠٠",
        "१२३",
        "12\u{0}3",
        "123\u{200b}",
        "+57300",
        "300 1",
        "3e5",
    ]
    .iter()
    .enumerate()
    {
        case(
            c,
            format!("unicode-phone-{i}"),
            bytes(&valid(json!({"phone": text, "countryCode": "+57"}))),
            Expect {
                current: 409,
                legacy: 200,
            },
        );
        case(
            c,
            format!("unicode-cc-{i}"),
            bytes(&valid(json!({"countryCode": format!("+{text}")}))),
            same(409),
        );
    }
    // Valid surrogate pair escapes are fine.
    case(
        c,
        "escaped-pair",
        format!(
            "{{\"project\":\"{DEFAULT_PROJECT}\",\"projectFlow\":\"{DEFAULT_PROJECT_FLOW}\",\"email\":\"pair{}@example.com\",\"fullName\":\"\\ud83d\\ude00\"}}",
            unique()
        ),
        same(200),
    );

    // Duplicates, odd keys, whitespace around a valid body.
    case(
        c,
        "duplicate-last-wins-string",
        format!(
            "{{\"project\":1,\"project\":\"{DEFAULT_PROJECT}\",\"projectFlow\":\"{DEFAULT_PROJECT_FLOW}\",\"email\":\"dup{}@example.com\",\"fullName\":\"D\"}}",
            unique()
        ),
        same(200),
    );
    case(
        c,
        "duplicate-last-wins-number",
        format!(
            "{{\"project\":\"{DEFAULT_PROJECT}\",\"project\":1,\"projectFlow\":\"{DEFAULT_PROJECT_FLOW}\",\"email\":\"a@b.c\"}}"
        ),
        same(409),
    );
    case(
        c,
        "proto-keys",
        bytes(&valid(
            json!({"__proto__": {"admin": true}, "constructor": {"prototype": 1}}),
        )),
        same(200),
    );
    case(
        c,
        "case-variant-keys",
        bytes(&json!({"Project": "p", "PROJECTFLOW": "f", "Email": "a@b.c"})),
        same(409),
    );
    let mut padded = b" \r\n\t ".to_vec();
    padded.extend(bytes(&valid(json!({}))));
    padded.extend_from_slice(b"\n\n  ");
    case(c, "whitespace-padded", padded, same(200));

    // Oversize: 413.
    case(c, "oversize-spaces", vec![b' '; 2 * 1024 * 1024], same(413));
    case(
        c,
        "oversize-brackets",
        vec![b'['; 2 * 1024 * 1024],
        same(413),
    );
    case(c, "oversize-by-one", vec![b' '; 1024 * 1024 + 1], same(413));
    case(
        c,
        "oversize-valid-json",
        bytes(&valid(json!({"fullName": "x".repeat(1024 * 1024)}))),
        same(413),
    );
    cases
}

fn check(variant: ServerVariant, case: &Case, reply: &Reply) {
    let name = &case.name;
    assert!(
        reply.status < 500,
        "{variant:?} {name}: HTTP {}",
        reply.status
    );
    assert!(
        reply.is_json_content_type(),
        "{variant:?} {name}: {:?}",
        reply.content_type
    );
    let body = reply.json.as_ref().unwrap_or_else(|| {
        panic!(
            "{variant:?} {name}: not JSON: {:?}",
            String::from_utf8_lossy(&reply.raw[..reply.raw.len().min(200)])
        )
    });
    let expected = match variant {
        ServerVariant::Legacy => case.expect.legacy,
        _ => case.expect.current,
    };
    let preview: String = body.to_string().chars().take(300).collect();
    assert_eq!(reply.status, expected, "{variant:?} {name}: {preview}");
    let legacy = variant == ServerVariant::Legacy;
    let shape = match (reply.status, legacy) {
        (200, false) => Shape::Success(ShapeFamily::Current),
        (200, true) => Shape::Success(ShapeFamily::Legacy),
        (_, false) => Shape::Error(ShapeFamily::Current),
        (_, true) => Shape::Error(ShapeFamily::Legacy),
    };
    let violations = contract().shapes.violations(shape, body);
    assert!(violations.is_empty(), "{variant:?} {name}: {violations:?}");
    if !legacy && reply.status != 200 {
        assert_eq!(body["status"], reply.status, "{variant:?} {name}");
    }
}

#[tokio::test]
async fn hostile_bodies_never_break_the_server() {
    let cases = battery();
    assert!(cases.len() >= 300, "only {} cases", cases.len());
    eprintln!("{} hostile bodies per variant", cases.len());
    for variant in [
        ServerVariant::Current,
        ServerVariant::Legacy,
        ServerVariant::Overview,
    ] {
        let api = Api::start(variant).await;
        let replies: Vec<(usize, Reply)> = futures::stream::iter(cases.iter().enumerate())
            .map(|(i, case)| {
                let api = &api;
                async move { (i, api.post_raw(case.body.clone()).await) }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        for (i, reply) in &replies {
            check(variant, &cases[*i], reply);
        }
        // Still serving normally afterwards.
        let ok = api.create(&api.valid_body("after")).await;
        assert_eq!(ok.status, 200);
    }
}

#[tokio::test]
async fn hostile_paths_and_queries() {
    let api = Api::start(ServerVariant::Current).await;
    let long = "x".repeat(8_000);
    let paths = [
        format!("{COLLECTION}/%FF"),
        format!("{COLLECTION}/%FF/sync"),
        format!("{COLLECTION}/%00"),
        format!("{COLLECTION}/{long}"),
        format!("{COLLECTION}/..%2F..%2Fetc"),
        format!("{COLLECTION}?page=%FF%FE"),
        format!("{COLLECTION}?limit=1&limit=abc"),
        format!("{COLLECTION}?page=99999999999999999999"),
        format!("{COLLECTION}?{long}=1"),
        format!("{COLLECTION}?page"),
        format!("{COLLECTION}?&&&=&="),
    ];
    for path in &paths {
        let reply = api.get(path).await;
        assert!(reply.status < 500, "{path}");
        assert!(reply.is_json_content_type(), "{path}");
        assert!(reply.json.is_some(), "{path}");
    }
}

/// Send raw bytes on a fresh connection; the status and body of the answer.
async fn raw_request(api: &Api, request: Vec<u8>) -> (u16, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(api.server.addr())
        .await
        .unwrap();
    stream.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the server answers and closes in time")
    .unwrap();
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (status, answer[split + 4..].to_vec())
}

fn head(api: &Api, method: &str, extra: &str) -> Vec<u8> {
    format!(
        "{method} {COLLECTION} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{extra}\r\n",
        api.server.addr()
    )
    .into_bytes()
}

#[tokio::test]
async fn hostile_raw_requests() {
    let api = Api::start(ServerVariant::Current).await;
    let auth = format!("Authorization: Bearer {}\r\n", api.server.token());

    // A chunked body over the limit (no Content-Length to refuse early).
    let mut request = head(
        &api,
        "POST",
        &format!("{auth}Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n"),
    );
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..32 {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(&chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let (status, body) = raw_request(&api, request).await;
    assert_eq!(status, 413);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["code"],
        "PayloadTooLarge"
    );

    // A declared 100 MB body is refused before it is sent.
    let request = head(
        &api,
        "POST",
        &format!("{auth}Content-Length: 100000000\r\nContent-Type: application/json\r\n"),
    );
    let (status, body) = raw_request(&api, request).await;
    assert_eq!(status, 413);
    assert!(serde_json::from_slice::<Value>(&body).is_ok());

    // Non-UTF-8 bytes in the Authorization and Content-Type headers.
    let mut request = format!(
        "GET {COLLECTION} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
    )
    .into_bytes();
    request.extend_from_slice(b"\xff\xfe\r\n\r\n");
    let (status, body) = raw_request(&api, request).await;
    assert_eq!(status, 401);
    assert!(serde_json::from_slice::<Value>(&body).is_ok());

    let mut request = head(&api, "POST", &auth);
    request.truncate(request.len() - 2);
    request.extend_from_slice(b"Content-Type: application/\xffjson\r\nContent-Length: 2\r\n\r\n{}");
    let (status, body) = raw_request(&api, request).await;
    assert_eq!(status, 415);
    assert!(serde_json::from_slice::<Value>(&body).is_ok());

    // A body cut short by the client: the server answers or closes, never 5xx.
    let mut request = head(
        &api,
        "POST",
        &format!("{auth}Content-Length: 50\r\nContent-Type: application/json\r\n"),
    );
    request.extend_from_slice(b"{\"project\":");
    let mut stream = tokio::net::TcpStream::connect(api.server.addr())
        .await
        .unwrap();
    stream.write_all(&request).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    let text = String::from_utf8_lossy(&answer);
    assert!(!text.starts_with("HTTP/1.1 5"), "{text}");

    // Still serving.
    assert_eq!(api.create(&api.valid_body("raw")).await.status, 200);
}
