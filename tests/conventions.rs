//! Meta-tests that keep the project's conventions: names, docs, fixtures, README.

use async_lint::rules::ALL;

const HEADINGS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Configuration",
];

fn code_block_after(doc: &str, heading: &str) -> String {
    let start = doc.find(heading).unwrap_or_else(|| panic!("missing {heading}"));
    let rest = &doc[start..];
    let open = rest.find("```rust").expect("a ```rust block") + "```rust".len();
    let close = rest[open..].find("```").expect("closing fence");
    rest[open..open + close].to_string()
}

#[test]
fn rule_names_are_snake_case_and_match_files() {
    for r in ALL {
        let m = r.meta();
        assert!(m.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{}", m.name);
        assert!(
            std::path::Path::new(&format!("src/rules/{}.rs", m.name)).exists(),
            "src/rules/{}.rs",
            m.name
        );
        assert!(
            std::path::Path::new(&format!("fixtures/{}.rs", m.name)).exists(),
            "fixtures/{}.rs",
            m.name
        );
        let doc = std::fs::read_to_string(format!("rules/{}.md", m.name)).unwrap();
        assert_eq!(doc, m.docs, "rules/{}.md is the doc the binary embeds", m.name);
        assert!(
            !m.summary.ends_with('.') && m.summary.chars().next().unwrap().is_lowercase(),
            "{}",
            m.summary
        );
    }
}

#[test]
fn docs_have_every_heading_in_order() {
    for r in ALL {
        let doc = r.meta().docs;
        assert!(
            doc.starts_with(&format!("# {}\n", r.meta().name)),
            "{} doc title",
            r.meta().name
        );
        let mut at = 0;
        for h in HEADINGS {
            let pos = doc[at..]
                .find(h)
                .unwrap_or_else(|| panic!("{}: `{h}` missing or out of order", r.meta().name));
            at += pos + h.len();
        }
    }
}

#[test]
fn doc_example_fires_and_use_instead_is_quiet() {
    for r in ALL {
        let name = r.meta().name;
        let example = code_block_after(r.meta().docs, "## Example");
        let fixed = code_block_after(r.meta().docs, "## Use instead");
        let fired = async_lint::lint_source(&example).unwrap_or_else(|e| panic!("{name} example: {e}"));
        assert!(
            fired.iter().any(|d| d.diagnostic.rule == name),
            "{name}: the Example does not fire"
        );
        let quiet = async_lint::lint_source(&fixed).unwrap_or_else(|e| panic!("{name} use-instead: {e}"));
        assert!(
            quiet.is_empty(),
            "{name}: Use instead fires: {:?}",
            quiet.iter().map(|d| &d.diagnostic.message).collect::<Vec<_>>()
        );
    }
}

#[test]
fn readme_rule_table_lists_every_rule() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    for r in ALL {
        let m = r.meta();
        let row = readme
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&format!("`{}`", m.name)));
        let row = row.unwrap_or_else(|| panic!("README rule table has no row for `{}`", m.name));
        assert!(
            row.contains(m.default_severity.as_str()),
            "README row for {} lacks its level",
            m.name
        );
    }
}
