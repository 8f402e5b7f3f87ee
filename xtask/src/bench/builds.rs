//! What a build costs: the dependency footprint, clean release build times, the binary's size.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::Result;

/// Distinct crates in `pg-innopay`'s normal dependency tree without default features.
pub(super) fn innopay_crate_count(root: &Path) -> Result<usize> {
    let out = Command::new("cargo")
        .args([
            "tree",
            "-p",
            "pg-innopay",
            "--no-default-features",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(root)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut names: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches(" (*)").trim_end_matches(" (proc-macro)"))
        .filter(|l| !l.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    Ok(names.len())
}

/// Clean release builds in fresh target directories, timed; and the size of the `pgkit`
/// binary the README's main command builds.
pub(super) fn build_times(root: &Path) -> Result<(BTreeMap<String, f64>, Option<u64>)> {
    let mut times = BTreeMap::new();
    let mut pgkit_size = None;
    for (label, args) in [
        (
            "pg-innopay, no default features",
            vec![
                "build",
                "--release",
                "-p",
                "pg-innopay",
                "--no-default-features",
            ],
        ),
        (
            "pgkit, the README's main command (cargo build --release -p pg-cli)",
            vec!["build", "--release", "-p", "pg-cli"],
        ),
        (
            "whole workspace, all features",
            vec!["build", "--release", "--workspace", "--all-features"],
        ),
    ] {
        let dir = std::env::temp_dir().join(format!(
            "pgkit-build-{}-{}",
            std::process::id(),
            times.len()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        println!(
            "\n==> cargo {} (clean, CARGO_TARGET_DIR={})",
            args.join(" "),
            dir.display()
        );
        let started = Instant::now();
        let status = Command::new("cargo")
            .args(&args)
            .env("CARGO_TARGET_DIR", &dir)
            .current_dir(root)
            .status()?;
        let seconds = started.elapsed().as_secs_f64();
        if args.contains(&"pg-cli") {
            pgkit_size = std::fs::metadata(dir.join("release/pgkit"))
                .ok()
                .map(|m| m.len());
        }
        let _ = std::fs::remove_dir_all(&dir);
        if !status.success() {
            return Err(format!("cargo {} failed", args.join(" ")).into());
        }
        times.insert(label.to_owned(), seconds);
    }
    Ok((times, pgkit_size))
}
