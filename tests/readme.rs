//! The README and docs/ are followable to the letter: the pika snippet in the README is exactly
//! `examples/snippet_pika.py` (meant to run against a worker), every relative link points at a file and
//! heading that exist, and nothing cites a design document outside the repository.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Markdown files a user reads.
fn docs() -> Vec<PathBuf> {
    let mut out = vec![root().join("README.md")];
    for entry in std::fs::read_dir(root().join("docs")).expect("docs/ exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out
}

#[test]
fn the_readme_pika_snippet_is_the_example_file() {
    let readme = read(&root().join("README.md"));
    let file = read(&root().join("examples/snippet_pika.py"));
    let start = readme
        .find("```python\n")
        .expect("README has a python block")
        + "```python\n".len();
    let len = readme[start..].find("```").expect("closed block");
    assert_eq!(
        &readme[start..start + len],
        file,
        "README's pika block differs from examples/snippet_pika.py; copy the file into the README"
    );
    assert!(file.contains("mandatory=True"), "publishes with mandatory");
    assert!(
        file.contains("confirm_delivery()"),
        "publishes with confirms"
    );
    assert!(file.contains("correlation_id == cid"), "reads its reply");
}

/// GitHub's anchor for a heading: lower case, spaces to '-', punctuation other than '-' and '_' dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn every_relative_link_points_at_a_file_and_heading_that_exist() {
    let mut checked = 0;
    for doc in docs() {
        let text = read(&doc);
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let Some(end) = rest.find(')') else { continue };
            let target = &rest[..end];
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            let path = if file.is_empty() {
                doc.clone()
            } else {
                doc.parent().unwrap().join(file)
            };
            assert!(
                path.exists(),
                "{}: link to {target} but {} does not exist",
                doc.display(),
                path.display()
            );
            if !anchor.is_empty() {
                let headings: Vec<String> = read(&path)
                    .lines()
                    .filter_map(|l| l.strip_prefix('#'))
                    .map(|h| slug(h.trim_start_matches('#')))
                    .collect();
                assert!(
                    headings.iter().any(|h| h == anchor),
                    "{}: link to {target} but {} has no such heading (has {headings:?})",
                    doc.display(),
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} links found");
}

#[test]
fn nothing_cites_a_design_file_outside_the_repository() {
    let mut stack = vec![
        root().join("src"),
        root().join("python"),
        root().join("examples"),
        root().join("docs"),
        root().join("tests"),
        root().join("config"),
        root().join("README.md"),
    ];
    let mut offenders = Vec::new();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
            continue;
        }
        let rel = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel == "tests/readme.rs" {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if text.contains("DESIGN.md") {
            offenders.push(rel);
        }
    }
    assert!(
        offenders.is_empty(),
        "these cite DESIGN.md, which is not in the repository; point them at docs/: {offenders:?}"
    );
}

/// The README's supported-estimator table is the registry's: one row per family, in registry order,
/// whose class cell lists exactly that family's classes. A class added to the registry without a
/// README row (or a row naming a class the loader refuses) fails here.
#[test]
fn the_readme_estimator_table_is_the_registry() {
    let readme = read(&root().join("README.md"));
    let rows: Vec<(String, String)> = readme
        .lines()
        .filter(|l| l.starts_with("| ") && l.matches(" | ").count() >= 2)
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            Some((cells.first()?.to_string(), cells.get(1)?.to_string()))
        })
        .collect();
    for (family, entries) in predict_worker::model::sklearn::FAMILIES {
        let row = rows
            .iter()
            .find(|(name, _)| name == family)
            .unwrap_or_else(|| {
                panic!("README has no supported-estimator row for family {family:?}")
            });
        let listed: Vec<&str> = row.1.split(", ").collect();
        let registered: Vec<&str> = entries.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            listed, registered,
            "README row {family:?} differs from the registry"
        );
    }
}

/// The README's metric table is the code's catalog: one row per metric, in catalog order, with its
/// kind, labels and meaning. A metric added to the code without a README row fails here.
#[test]
fn the_readme_metric_table_is_the_catalog() {
    use predict_worker::telemetry::catalog::METRICS;
    let readme = read(&root().join("README.md"));
    let rows: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("| `predict_worker_"))
        .collect();
    let expected: Vec<String> = METRICS
        .iter()
        .map(|d| {
            let labels = if d.labels.is_empty() {
                "none".to_string()
            } else {
                d.labels
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let help = d.help.split_whitespace().collect::<Vec<_>>().join(" ");
            format!(
                "| `{}` | {} | {} | {} |",
                d.name,
                d.kind.as_str(),
                labels,
                help
            )
        })
        .collect();
    assert_eq!(
        rows,
        expected,
        "README's metric table differs from telemetry::catalog::METRICS; the rows should be:\n{}",
        expected.join("\n")
    );
}

/// The README's "Exit codes" table lists exactly `cli::exit::EXIT_CODES`, in order.
#[test]
fn the_readme_exit_codes_are_the_binarys() {
    let readme = read(&root().join("README.md"));
    let section = readme
        .split("\n## Exit codes")
        .nth(1)
        .expect("README has an \"Exit codes\" section");
    let listed: Vec<u8> = section
        .lines()
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| {
            l.strip_prefix("| ")?
                .split(" |")
                .next()?
                .trim()
                .parse()
                .ok()
        })
        .collect();
    let codes: Vec<u8> = predict_worker::cli::exit::EXIT_CODES
        .iter()
        .map(|(c, _)| *c)
        .collect();
    assert_eq!(listed, codes, "README exit codes differ from EXIT_CODES");
}
