//! The scenario format: every built-in suite file is valid against `scenarios/scenario.schema.json`
//! (what editors use), the schema refuses what the parser refuses, and the CLI's `scenarios lint`
//! names file and line.

use std::path::Path;

use serde_json::Value;

fn schema() -> spec::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/scenario.schema.json"),
    )
    .expect("the schema file");
    let v: Value = serde_json::from_str(&text).expect("the schema is JSON");
    spec::Validator::compile(&v).expect("the schema compiles")
}

fn yaml(text: &str) -> Value {
    serde_norway::from_str(text).expect("YAML")
}

#[test]
fn every_built_in_suite_is_valid_against_the_schema() {
    let s = schema();
    for (file, text) in conformance::scenario::load::BUILT_IN {
        let v = yaml(text);
        let problems: Vec<String> = s.violations(&v).iter().map(|p| format!("{p:?}")).collect();
        assert!(problems.is_empty(), "{file}: {}", problems.join("\n"));
        conformance::scenario::load::parse(file, text).expect("and the parser reads it");
    }
}

#[test]
fn the_schema_and_the_parser_refuse_the_same_mistakes() {
    let s = schema();
    let base = "suite: s\ntitle: t\nscenarios:\n  - scenario: a\n    title: b\n    steps:\n      - step: c\n        request: {operation: listAgents}\n";
    assert!(s.is_valid(&yaml(base)));
    assert!(conformance::scenario::load::parse("ok.yaml", base).is_ok());
    for (what, bad) in [
        (
            "an unknown key",
            base.replace("    title: b\n", "    title: b\n    stpes: []\n"),
        ),
        ("an unknown key", base.replace("request:", "reqest:")),
        (
            "an unknown key in a condition",
            format!(
                "{base}        expect:\n          - check: pagination\n            that: {{pointr: /x}}\n"
            ),
        ),
        (
            "an unknown key value",
            base.replace("{operation: listAgents}", "{operation: listAgents, key: c}"),
        ),
    ] {
        assert!(
            !s.is_valid(&yaml(&bad)),
            "the schema accepts {what}:\n{bad}"
        );
        assert!(
            conformance::scenario::load::parse("bad.yaml", &bad).is_err(),
            "the parser accepts {what}:\n{bad}"
        );
    }
}

#[test]
fn the_readme_example_parses_lints_clean_and_is_valid_against_the_schema() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README.md");
    let start = readme
        .find("A complete file:\n\n```yaml\n")
        .expect("the README shows a complete scenario file");
    let body = &readme[start + "A complete file:\n\n```yaml\n".len()..];
    let text = &body[..body.find("```").expect("the block ends")];
    assert!(schema().is_valid(&yaml(text)), "{text}");
    let loaded = conformance::scenario::load::parse("README.md", text).expect("it parses");
    let problems: Vec<String> = conformance::scenario::lint::lint(&[loaded])
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
