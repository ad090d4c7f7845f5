//! `docket import` and `docket export`: Task Master files in and out of a project.

use std::io::IsTerminal;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};

use super::with_services;
use crate::{
    config::Config,
    work::import::{self, ImportOptions, ImportReport},
};

/// `docket import`: imports a Task Master file into the project `project` of organization `org`.
pub async fn import(
    config: &Config,
    org: &str,
    path: &std::path::Path,
    project: &str,
    options: ImportOptions,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let document: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} importing [{bar:40}] {pos}/{len} tasks")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar
    });
    let progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let report = with_services(config, org, async |cx| {
        import::import_by_name(cx, project, &document, &options, &progress)
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))
    })
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = report?;
    print!("{}", describe_report(&report));
    Ok(())
}

/// The report as a terminal shows it: per tag what was (or would be) created and updated, the
/// warnings, and a one-line summary.
pub fn describe_report(report: &ImportReport) -> String {
    let mut out = String::new();
    let verb = if report.dry_run { "would be " } else { "" };
    for tag in &report.tags {
        let ids = |list: &[String]| if list.is_empty() { "none".to_owned() } else { list.join(", ") };
        out += &format!(
            "tag {}:
",
            tag.tag
        );
        out += &format!(
            "  {verb}created ({}): {}
",
            tag.created.len(),
            ids(&tag.created)
        );
        out += &format!(
            "  {verb}updated ({}): {}
",
            tag.updated.len(),
            ids(&tag.updated)
        );
        out += &format!(
            "  unchanged: {}
",
            tag.unchanged
        );
        out += &format!(
            "  dependencies {verb}added: {}, removed: {}
",
            tag.dependencies_added, tag.dependencies_removed
        );
    }
    for warning in &report.warnings {
        out += &format!(
            "warning: {warning}
"
        );
    }
    let sum = |f: fn(&import::TagReport) -> u64| report.tags.iter().map(f).sum::<u64>();
    out += &format!(
        "{}project {}: {} created, {} updated, {} unchanged, {} dependencies added, {} removed, {} warnings\n",
        if report.dry_run { "dry run, nothing written: " } else { "" },
        report.project.name,
        sum(|t| t.created.len() as u64),
        sum(|t| t.updated.len() as u64),
        sum(|t| t.unchanged),
        sum(|t| t.dependencies_added),
        sum(|t| t.dependencies_removed),
        report.warnings.len()
    );
    out
}

/// `docket export`: writes the project `project` of organization `org` as a tagged Task Master file.
pub async fn export(
    config: &Config,
    org: &str,
    project: &str,
    tags: &[String],
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let document = with_services(config, org, async |cx| {
        let found = crate::work::project::find_by_name(cx.reads, cx.scope(), project)
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))?
            .ok_or_else(|| anyhow::anyhow!("no project named `{project}`"))?;
        let only = (!tags.is_empty()).then_some(tags);
        import::export(cx.reads, cx.scope(), found.id, only).await.map_err(|err| anyhow::anyhow!("{err}"))
    })
    .await?;
    let text = serde_json::to_string_pretty(&document)? + "\n";
    match output {
        Some(path) => std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}
