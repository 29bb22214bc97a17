//! Shared by the extraction tests: strict fact-level scoring as `scripts/score_extraction.py`
//! does it (a null in the gold must be null in the prediction),
//! a validator for the subset of JSON Schema that `schema/casualty-record.schema.json`
//! uses, and the corpus loader.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::Path;

/// One scenario of a corpus file: utterances and the gold casualties.
pub struct Scenario {
    /// The corpus file's stem (e.g. `heldout9-radio`).
    pub file: String,
    pub id: String,
    pub utterances: Vec<String>,
    pub gold: Value,
}

/// Loads every `*.json` under `dir` (sorted by name).
pub fn load_corpus(dir: &Path) -> Vec<Scenario> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for s in value.as_array().unwrap() {
            out.push(Scenario {
                file: file
                    .file_stem()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                id: s["id"].as_str().unwrap().to_owned(),
                utterances: s["utterances"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u.as_str().unwrap().to_owned())
                    .collect(),
                gold: s["gold"].clone(),
            });
        }
    }
    out
}

/// One atomic fact: casualty id, then fields; `Value::Null` is "left open".
pub type FlatFact = Vec<Value>;

fn text(v: &Value) -> Value {
    Value::String(
        v.as_str()
            .map(|s| s.split_whitespace().collect::<String>().to_lowercase())
            .unwrap_or_else(|| v.to_string()),
    )
}

/// Flattens casualties into facts (score.py `facts`).
pub fn facts(casualties: &Value, gold: bool) -> Vec<FlatFact> {
    let mut out = Vec::new();
    let empty = Vec::new();
    for c in casualties.as_array().unwrap_or(&empty) {
        let id = c["id"].clone();
        let s = |x: &str| Value::String(x.to_owned());
        for k in ["sex", "evac_category"] {
            if !c[k].is_null() {
                out.push(vec![id.clone(), s(k), c[k].clone()]);
            }
        }
        for k in ["name", "last4", "battle_roster"] {
            if c[k].as_str().is_some_and(|v| !v.is_empty()) {
                out.push(vec![id.clone(), s(k), text(&c[k])]);
            }
        }
        for a in c["allergies"].as_array().unwrap_or(&empty) {
            out.push(vec![
                id.clone(),
                s("allergy"),
                Value::String(a.as_str().unwrap_or("").to_lowercase()),
            ]);
        }
        for m in c["mechanisms"].as_array().unwrap_or(&empty) {
            out.push(vec![id.clone(), s("mechanism"), m.clone()]);
        }
        for i in c["injuries"].as_array().unwrap_or(&empty) {
            let kind = if gold && i["kind"] == "other" {
                Value::Null
            } else {
                i["kind"].clone()
            };
            out.push(vec![id.clone(), s("injury"), i["region"].clone(), kind]);
        }
        for t in c["tourniquets"].as_array().unwrap_or(&empty) {
            out.push(vec![
                id.clone(),
                s("tourniquet"),
                t["limb"].clone(),
                t["kind"].clone(),
                t["time"].clone(),
            ]);
        }
        for v in c["vitals"].as_array().unwrap_or(&empty) {
            for f in [
                "pulse",
                "bp_systolic",
                "bp_diastolic",
                "resp_rate",
                "spo2",
                "avpu",
                "pain",
            ] {
                if !v[f].is_null() {
                    out.push(vec![
                        id.clone(),
                        s("vital"),
                        s(f),
                        v[f].clone(),
                        v["time"].clone(),
                    ]);
                }
            }
        }
        for t in c["treatments"].as_array().unwrap_or(&empty) {
            out.push(vec![
                id.clone(),
                s("treatment"),
                t["kind"].clone(),
                t["site"].clone(),
                t["time"].clone(),
            ]);
        }
        for f in c["fluids"].as_array().unwrap_or(&empty) {
            let n = f["name"].clone();
            out.push(vec![id.clone(), s("fluid"), n.clone()]);
            for (key, label) in [
                ("volume_ml", "fluid_volume"),
                ("route", "fluid_route"),
                ("time", "fluid_time"),
            ] {
                if !f[key].is_null() {
                    out.push(vec![id.clone(), s(label), n.clone(), f[key].clone()]);
                }
            }
        }
        for m in c["medications"].as_array().unwrap_or(&empty) {
            let n = Value::String(m["name"].as_str().unwrap_or("").to_lowercase());
            out.push(vec![id.clone(), s("med"), n.clone()]);
            if !m["dose"].is_null() {
                let dose = serde_json::Number::from_f64(m["dose"].as_f64().unwrap()).unwrap();
                out.push(vec![
                    id.clone(),
                    s("med_dose"),
                    n.clone(),
                    Value::Number(dose),
                    m["unit"].clone(),
                ]);
            }
            for (key, label) in [("route", "med_route"), ("time", "med_time")] {
                if !m[key].is_null() {
                    out.push(vec![id.clone(), s(label), n.clone(), m[key].clone()]);
                }
            }
        }
    }
    out
}

fn matches(gold: &FlatFact, predicted: &FlatFact) -> bool {
    if gold.len() != predicted.len() || gold[..2] != predicted[..2] {
        return false;
    }
    // A gold "other" wound (kind null here) is any kind the narrator described in words of
    // their own: the only wildcard, as in scripts/score_extraction.py.
    if gold[1] == "injury" && gold[3].is_null() {
        return gold[2] == predicted[2];
    }
    // Strict: a null in the gold (no time, site, dose said) must be null in the prediction;
    // an invented value is an error, never a match.
    for (a, b) in gold.iter().zip(predicted) {
        if a.is_f64() || b.is_f64() {
            match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) if (x - y).abs() <= 1e-6 => continue,
                _ => return false,
            }
        }
        if a != b {
            return false;
        }
    }
    true
}

/// Result of scoring one scenario.
pub struct Score {
    pub true_positives: usize,
    pub gold: usize,
    pub predicted: usize,
    pub missed: Vec<FlatFact>,
    pub extra: Vec<FlatFact>,
}

/// Scores predicted casualties against gold (score.py `score`).
pub fn score(gold: &Value, predicted: &Value) -> Score {
    let g = facts(gold, true);
    let p = facts(predicted, false);
    let mut used = vec![false; p.len()];
    let mut tp = 0;
    let mut missed = Vec::new();
    for gf in &g {
        match (0..p.len()).find(|&j| !used[j] && matches(gf, &p[j])) {
            Some(j) => {
                used[j] = true;
                tp += 1;
            }
            None => missed.push(gf.clone()),
        }
    }
    let extra = p
        .iter()
        .enumerate()
        .filter(|(j, _)| !used[*j])
        .map(|(_, f)| f.clone())
        .collect();
    Score {
        true_positives: tp,
        gold: g.len(),
        predicted: p.len(),
        missed,
        extra,
    }
}

/// Checks `value` against the subset of JSON Schema the record schema uses: `type`,
/// `const`, `enum`, `required`, `properties`, `items`, `$ref`, `oneOf`, `minimum`,
/// `maximum`, and its two `pattern`s.
pub fn validate(
    schema_root: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference
            .strip_prefix("#/$defs/")
            .ok_or(format!("unsupported $ref {reference}"))?;
        return validate(schema_root, &schema_root["$defs"][name], value, at);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let passing = options
            .iter()
            .filter(|o| validate(schema_root, o, value, at).is_ok())
            .count();
        if passing != 1 {
            return Err(format!("{at}: {passing} of oneOf match {value}"));
        }
    }
    if let Some(c) = schema.get("const") {
        if c != value {
            return Err(format!("{at}: want const {c}, got {value}"));
        }
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(value) {
            return Err(format!("{at}: {value} not in enum"));
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            _ => false,
        });
        if !ok {
            return Err(format!("{at}: {value} is not of type {t}"));
        }
    }
    if let (Some(min), Some(v)) = (schema["minimum"].as_f64(), value.as_f64()) {
        if v < min {
            return Err(format!("{at}: {v} below minimum {min}"));
        }
    }
    if let (Some(max), Some(v)) = (schema["maximum"].as_f64(), value.as_f64()) {
        if v > max {
            return Err(format!("{at}: {v} above maximum {max}"));
        }
    }
    if let (Some(pattern), Some(s)) = (schema["pattern"].as_str(), value.as_str()) {
        let ok = match pattern {
            "^([01][0-9]|2[0-3]):[0-5][0-9]$" => {
                let b = s.as_bytes();
                b.len() == 5
                    && b[2] == b':'
                    && s[..2].parse::<u32>().is_ok_and(|h| h < 24)
                    && s[..2].chars().all(|c| c.is_ascii_digit())
                    && s[3..].chars().all(|c| c.is_ascii_digit())
                    && s[3..].parse::<u32>().is_ok_and(|m| m < 60)
            }
            "^[0-9]{4}$" => s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()),
            other => {
                return Err(format!(
                    "{at}: pattern {other} not supported by the test validator"
                ))
            }
        };
        if !ok {
            return Err(format!("{at}: {s:?} does not match {pattern}"));
        }
    }
    if let Some(object) = value.as_object() {
        for key in schema["required"].as_array().into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            if !object.contains_key(key) {
                return Err(format!("{at}: missing required {key}"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (key, sub) in properties {
                if let Some(v) = object.get(key) {
                    validate(schema_root, sub, v, &format!("{at}.{key}"))?;
                }
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            validate(schema_root, items, v, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// The record schema shipped with the repository.
pub fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/casualty-record.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs the extractor over utterances and returns the JSON document.
pub fn run(utterances: &[String]) -> (Value, String) {
    let text = utterances.join("\n");
    let (extractor, docs) = tccc::cli::process::extract_transcript(&text).unwrap();
    let record = extractor.record();
    let document = tccc::record::RecordDocument::new(&record, docs);
    let json: Value = serde_json::from_str(&document.to_json().unwrap()).unwrap();
    (json, tccc::render::card::render(&record))
}

/// The casualties of the record the extractor makes of `lines`, one utterance each.
pub fn record_of(lines: &[&str]) -> Value {
    let lines: Vec<String> = lines.iter().map(|s| (*s).to_owned()).collect();
    run(&lines).0["casualties"].clone()
}

/// The casualty with `id` in a record's casualties (panics, showing the record, when
/// there is none).
pub fn casualty(record: &Value, id: u64) -> Value {
    let found = casualty_or_null(record, id);
    assert!(!found.is_null(), "no casualty {id} in {record:#}");
    found
}

/// The casualty with `id` in a record's casualties, or `Null` when there is none.
pub fn casualty_or_null(record: &Value, id: u64) -> Value {
    record
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

/// The items of one list field of a casualty (empty when absent).
pub fn list(c: &Value, field: &str) -> Vec<Value> {
    c[field].as_array().cloned().unwrap_or_default()
}

/// The live facts after `lines` (one utterance each), as "casualty N: fact" lines: the
/// facts the advisor reads, including those beyond the card (injury times, removals).
pub fn live_facts(lines: &[&str]) -> Vec<String> {
    let mut extractor = tccc::extract::Extractor::new(tccc::extract::ExtractorConfig::default());
    for (i, line) in lines.iter().enumerate() {
        extractor
            .push_utterance(i as u32, line, i as f64, i as f64 + 1.0)
            .unwrap();
    }
    extractor
        .live_facts()
        .iter()
        .map(|f| format!("casualty {}: {}", f.casualty, f.fact))
        .collect()
}

/// The items of `field` (an array of objects on casualty `c`) whose `key` equals `value`.
pub fn items_where(c: &Value, field: &str, key: &str, value: &str) -> Vec<Value> {
    list(c, field)
        .into_iter()
        .filter(|item| item[key] == value)
        .collect()
}

/// The treatments of one kind on casualty `c`.
pub fn treatment(c: &Value, kind: &str) -> Vec<Value> {
    items_where(c, "treatments", "kind", kind)
}

/// The medications of one name on casualty `c`.
pub fn medication(c: &Value, name: &str) -> Vec<Value> {
    items_where(c, "medications", "name", name)
}

/// Whether casualty `c` has a vital set with `sign` equal to `value`.
pub fn has_vital(c: &Value, sign: &str, value: impl Into<Value>) -> bool {
    let value = value.into();
    list(c, "vitals").iter().any(|v| v[sign] == value)
}

/// Asserts that one utterance alone files no fact on any casualty.
pub fn no_facts(line: &str) {
    let record = record_of(&[line]);
    let filed: Vec<Value> = record
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c.as_object()
                .unwrap()
                .iter()
                .filter(|(k, v)| *k != "id" && !v.is_null() && **v != serde_json::json!([]))
                .map(|(k, v)| serde_json::json!({ k: v }))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(filed.is_empty(), "{line:?} filed {filed:?}");
}

/// One named case of a table-driven class test: the utterances and a check on the record's
/// casualties.
pub struct Case {
    pub name: &'static str,
    pub lines: &'static [&'static str],
    pub check: fn(&Value) -> bool,
}

/// Runs every case and fails once, listing each case whose check failed with its record.
pub fn run_cases(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let record = record_of(case.lines);
        if !(case.check)(&record) {
            failures.push(format!("{}: {:?}\n{record:#}", case.name, case.lines));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
