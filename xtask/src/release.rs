//! `cargo xtask release --dry-run`: checks versions and the changelog, then packages every
//! publishable crate in dependency order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::{Result, run_step};

/// A publishable workspace crate.
#[derive(Debug)]
struct Crate {
    name: String,
    version: String,
    /// Workspace crates it depends on (normal and build dependencies).
    deps: BTreeSet<String>,
}

pub(crate) fn run(root: &Path, dry_run: bool) -> Result<()> {
    if !dry_run {
        return Err(
            "only `cargo xtask release --dry-run` is supported: publishing is done by a \
                    maintainer with `cargo publish`, in the order the dry run prints"
                .into(),
        );
    }
    let crates = publishable(root)?;
    let order = dependency_order(&crates)?;
    let versions: BTreeSet<&str> = crates.values().map(|c| c.version.as_str()).collect();
    if versions.len() != 1 {
        return Err(format!("crates disagree on the version: {versions:?}").into());
    }
    let version = versions.into_iter().next().unwrap_or_default();
    println!("version: {version}");
    println!("publish order: {}", order.join(" -> "));

    let changelog = std::fs::read_to_string(root.join("CHANGELOG.md"))
        .map_err(|e| format!("cannot read CHANGELOG.md: {e}"))?;
    let entry = changelog_entry(&changelog, version)
        .ok_or_else(|| format!("CHANGELOG.md has no `## [{version}]` entry"))?;
    println!("\nchangelog entry for {version}:\n{entry}");

    let mut args = vec!["package", "--allow-dirty"];
    for name in &order {
        args.push("-p");
        args.push(name);
    }
    run_step(root, "cargo", &args)?;
    println!("\nrelease dry run passed: {} crates packaged", order.len());
    Ok(())
}

fn publishable(root: &Path) -> Result<BTreeMap<String, Crate>> {
    let output = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()?;
    if !output.status.success() {
        return Err("cargo metadata failed".into());
    }
    let meta: Value = serde_json::from_slice(&output.stdout)?;
    let packages = meta["packages"]
        .as_array()
        .ok_or("no packages in metadata")?;
    let publishable_names: BTreeSet<String> = packages
        .iter()
        .filter(|p| !matches!(&p["publish"], Value::Array(a) if a.is_empty()))
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    let mut crates = BTreeMap::new();
    for p in packages {
        let Some(name) = p["name"].as_str() else {
            continue;
        };
        if !publishable_names.contains(name) {
            continue;
        }
        let deps = p["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["kind"].as_str() != Some("dev"))
            .filter_map(|d| d["name"].as_str())
            .filter(|d| publishable_names.contains(*d))
            .map(str::to_owned)
            .collect();
        crates.insert(
            name.to_owned(),
            Crate {
                name: name.to_owned(),
                version: p["version"].as_str().unwrap_or_default().to_owned(),
                deps,
            },
        );
    }
    Ok(crates)
}

/// Topological order: every crate after the crates it depends on.
fn dependency_order(crates: &BTreeMap<String, Crate>) -> Result<Vec<String>> {
    let mut done: Vec<String> = Vec::new();
    while done.len() < crates.len() {
        let next = crates
            .values()
            .find(|c| !done.contains(&c.name) && c.deps.iter().all(|d| done.contains(d)))
            .ok_or("dependency cycle between workspace crates")?;
        done.push(next.name.clone());
    }
    Ok(done)
}

/// The text under `## [version]` (or `## version`) up to the next `## ` heading.
fn changelog_entry<'a>(changelog: &'a str, version: &str) -> Option<&'a str> {
    let start = changelog.match_indices("## ").map(|(i, _)| i).find(|&i| {
        let line = changelog[i..].lines().next().unwrap_or_default();
        line.starts_with(&format!("## [{version}]")) || line.starts_with(&format!("## {version}"))
    })?;
    let body = &changelog[start..];
    let end = body[3..].find("\n## ").map_or(body.len(), |i| i + 4);
    Some(body[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_changelog_entry() {
        let log = "# Changelog\n\n## [0.2.0] - 2026-12-01\n- b\n\n## [0.1.0] - 2026-11-24\n- a\n";
        assert_eq!(
            changelog_entry(log, "0.2.0"),
            Some("## [0.2.0] - 2026-12-01\n- b")
        );
        assert_eq!(
            changelog_entry(log, "0.1.0"),
            Some("## [0.1.0] - 2026-11-24\n- a")
        );
        assert_eq!(changelog_entry(log, "0.3.0"), None);
    }

    #[test]
    fn orders_by_dependency() {
        let mk = |name: &str, deps: &[&str]| {
            (
                name.to_owned(),
                Crate {
                    name: name.to_owned(),
                    version: "0.1.0".into(),
                    deps: deps.iter().map(|d| (*d).to_owned()).collect(),
                },
            )
        };
        let crates: BTreeMap<_, _> = [
            mk("pg-notify", &["pg-innopay", "pg-core"]),
            mk("pg-innopay", &["pg-http", "pg-core"]),
            mk("pg-http", &["pg-core"]),
            mk("pg-core", &[]),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            dependency_order(&crates).unwrap(),
            ["pg-core", "pg-http", "pg-innopay", "pg-notify"]
        );
    }
}
