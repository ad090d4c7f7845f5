//! The real Task Master files of `tests/data`: parsed, counted and round-tripped.

use crate::work::taskmaster::*;

fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("test data file")).expect("valid JSON")
}

fn counts(plans: &[TagPlan]) -> (usize, usize, usize) {
    let tasks = plans.iter().flat_map(|p| &p.tasks);
    let (top, sub): (Vec<_>, Vec<_>) = tasks.partition(|t| t.parent.is_none());
    let deps = plans.iter().flat_map(|p| &p.tasks).map(|t| t.depends_on.len()).sum();
    (top.len(), sub.len(), deps)
}

#[test]
fn both_real_files_parse_completely() {
    let parsed =
        parse_document(&load("claude-task-master.tagged.tasks.json"), None, false).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(parsed.warnings.len(), 3, "{:#?}", parsed.warnings);
    let tagged = parsed.tags;
    assert_eq!(tagged.len(), 9);
    let (top, sub, deps) = counts(&tagged);
    assert_eq!((top, sub), (182, 914));
    assert!(deps > 900, "dependencies kept: {deps}");
    let legacy = parse(&load("scrumpoker.legacy.tasks.json"), None).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(counts(&legacy).0, 10);
    assert_eq!(counts(&legacy).1, 36);
}
