//! A bounded property test over the whole API: for every route and method in
//! `/openapi.json`, random bodies, query values and path ids from a fixed
//! seed, sent with a valid admin key. No answer is a 5xx, and a 4xx changes
//! nothing: the data tables hold the same rows, and the audit chain grows by
//! refusals only (refusals by policy are audited by design).

use crate::helpers::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Map, Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

/// Cases per route and method.
const CASES: usize = 30;

/// The tables whose rows a refused request must leave as they were.
const TABLES: [&str; 8] = [
    "tenants",
    "policies",
    "subjects",
    "records",
    "identifiers",
    "consents",
    "objections",
    "api_keys",
];

/// A small, seeded generator (xorshift64*): the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Strings that exercise the parsers: valid names, near misses, hostile text.
const WORDS: [&str; 22] = [
    "email",
    "name",
    "ticket_text",
    "account",
    "support",
    "newsletter",
    "billing",
    "helpdesk",
    "tax_office",
    "customer",
    "admin",
    "service",
    "api",
    "",
    " ",
    "Email",
    "a b",
    "ada@example.com",
    "1; DROP TABLE records",
    "\u{0}",
    "é",
    "-",
];

fn random_string(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => "x".repeat(rng.below(70_000)),
        1 => vec!["email"; rng.below(300)].join(","),
        _ => (*rng.pick(&WORDS)).to_owned(),
    }
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 1 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.next() as i64),
        3 => json!(rng.below(2000)),
        4 | 5 => json!(random_string(rng)),
        6 if rng.below(10) == 0 => json!(vec!["email"; 40_000]),
        6 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let len = if rng.below(10) == 0 {
                200
            } else {
                rng.below(4)
            };
            Value::Array((0..len).map(|_| random_object(rng, depth + 1)).collect())
        }
    }
}

fn random_object(rng: &mut Rng, depth: usize) -> Value {
    let keys = [
        "category",
        "value",
        "source",
        "kind",
        "purpose",
        "records",
        "recipient",
        "categories",
        "role",
        "label",
        "purposes",
        "tenant",
        "id",
        "name",
        "policy",
        "restricted",
        "zip",
    ];
    let mut map = Map::new();
    for _ in 0..rng.below(6) {
        map.insert((*rng.pick(&keys)).to_owned(), random_value(rng, depth + 1));
    }
    Value::Object(map)
}

/// A plausible value for a field of this name, so that mutations of one
/// field reach the checks behind the others.
fn plausible(name: &str) -> Value {
    match name {
        "purpose" => json!("support"),
        "recipient" => json!("helpdesk"),
        "kind" => json!("customer"),
        "category" => json!("email"),
        "categories" => json!(["email", "name"]),
        "value" => json!("someone@example.com"),
        "source" => json!("api"),
        "role" => json!("service"),
        "label" => json!("fuzz"),
        "purposes" => json!(["support"]),
        "restricted" => json!(true),
        "records" => json!([{"category": "name", "value": "Someone"}]),
        "id" => json!("fuzzed"),
        "name" => json!("Fuzzed Ltd"),
        _ => json!("x"),
    }
}

/// A body: a plausible object with some fields mutated (a random value, a
/// huge list, or left out), an unknown field now and then, and sometimes
/// not an object at all.
fn random_body(rng: &mut Rng, properties: &[String]) -> Value {
    if rng.below(10) == 0 {
        return random_value(rng, 0);
    }
    let mut map = Map::new();
    for p in properties {
        let value = match rng.below(12) {
            // A huge list: it must be refused before it sizes any work.
            0 | 1 => json!(vec!["email"; 40_000]),
            2 => continue,
            3..=5 => random_value(rng, 1),
            _ => plausible(p),
        };
        map.insert(p.clone(), value);
    }
    if rng.below(8) == 0 {
        map.insert("unexpected".into(), random_value(rng, 1));
    }
    Value::Object(map)
}

/// The property names of an operation's JSON body, following a `$ref`.
fn body_properties(doc: &Value, op: &Value) -> Option<Vec<String>> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_null() {
        return None;
    }
    let schema = match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    };
    let props = schema["properties"].as_object();
    Some(
        props
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default(),
    )
}

fn query_names(op: &Value) -> Vec<String> {
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

fn random_path(rng: &mut Rng, template: &str, subject: &str) -> String {
    let id = match rng.below(8) {
        0 => uuid::Uuid::now_v7().to_string(),
        1 => random_string(rng).chars().take(40).collect(),
        _ => subject.to_owned(),
    };
    let encoded: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    template.replace("{id}", &encoded)
}

fn random_query(rng: &mut Rng, names: &[String]) -> String {
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    for name in names {
        if rng.below(3) != 0 {
            let value = match rng.below(3) {
                0 => rng.below(1500).to_string(),
                _ => random_string(rng).chars().take(8000).collect(),
            };
            pairs.append_pair(name, &value);
        }
    }
    if rng.below(8) == 0 {
        pairs.append_pair("unexpected", "1");
    }
    pairs.finish()
}

/// Every row of every data table, as text, in a stable order.
async fn snapshot(pool: &SqlitePool) -> Vec<String> {
    let mut rows = Vec::new();
    for table in TABLES {
        let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        let quoted: Vec<String> = columns.iter().map(|c| format!("quote({c})")).collect();
        let select = format!(
            "SELECT '{table}:' || {} FROM {table} ORDER BY 1",
            quoted.join(" || '|' || ")
        );
        let found: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(select))
            .fetch_all(pool)
            .await
            .unwrap();
        rows.extend(found);
    }
    rows
}

async fn send(app: &TestApp, method: &Method, path: &str, body: Option<&Value>) -> (u16, String) {
    let mut req = app
        .client
        .request(method.clone(), format!("{}{path}", app.base))
        .bearer_auth(&app.admin);
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn random_requests_to_every_route_give_no_5xx_and_refusals_change_nothing() {
    let app = spawn_app().await;
    let subject = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    let options = SqliteConnectOptions::new()
        .filename(&app.db_path)
        .read_only(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    let doc = app
        .send(Method::GET, "/openapi.json", None, None)
        .await
        .ok(200);
    let mut rng = Rng(0x7475_7465_6C61_0006);
    let mut sent = 0;
    let mut accepted = 0;
    let mut refused = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let properties = body_properties(&doc, op);
            let queries = query_names(op);
            for _ in 0..CASES {
                let mut path = random_path(&mut rng, template, &subject);
                let query = random_query(&mut rng, &queries);
                if !query.is_empty() {
                    path = format!("{path}?{query}");
                }
                let body = properties.as_ref().map(|p| random_body(&mut rng, p));
                let before = snapshot(&pool).await;
                let chain = app.audit_len().await;
                let (status, text) = send(&app, &method, &path, body.as_ref()).await;
                sent += 1;
                let case = format!("{method} {template} -> {status}: {text:.300}");
                assert!(status < 500, "{case}");
                if status < 300 {
                    accepted += 1;
                }
                if (400..500).contains(&status) {
                    refused += 1;
                    assert_eq!(
                        snapshot(&pool).await,
                        before,
                        "a refusal changed data: {case}"
                    );
                    let audit = app.audit().await;
                    for entry in &audit[chain..] {
                        let outcome = entry["outcome"].as_str().unwrap();
                        assert!(outcome.starts_with("denied:"), "{case}: {entry}");
                    }
                }
            }
        }
    }
    assert!(sent >= 25 * CASES, "every route was tried: {sent}");
    eprintln!("fuzz: {sent} requests, {accepted} accepted, {refused} refused");
    assert!(
        accepted > sent / 10 && refused > sent / 4,
        "{accepted}/{refused} of {sent}"
    );
    app.assert_chain_intact().await;
}
