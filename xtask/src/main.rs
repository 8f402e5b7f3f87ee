//! Project automation for pgkit.
//!
//! ```text
//! cargo xtask codegen [--check]   data/*.tsv -> checked-in Rust (or fail when stale)
//! cargo xtask bench [--quick]     benches + baselines -> target/pgkit-bench, docs/performance.md
//! cargo xtask test                the project's one test command
//! cargo xtask release --dry-run   versions, changelog entry, `cargo package` in dependency order
//! cargo xtask screenshots         the README's pictures, from the browser suite
//! ```

mod bench;
mod codegen;
mod release;
mod screenshots;
mod services;
mod test;
mod tsv;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// The error type of every task: a message for the developer.
pub(crate) type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(&root, args.iter().any(|a| a == "--check")),
        Some("test") => test::run(&root),
        Some("bench") => bench::run(&root, args.iter().any(|a| a == "--quick")),
        Some("release") => release::run(&root, args.iter().any(|a| a == "--dry-run")),
        Some("screenshots") => screenshots::run(&root),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 codegen [--check]   regenerate code from data/*.tsv (or check it is current)\n  \
                 test                fmt, clippy, codegen check, tests, cargo-deny\n  \
                 bench [--quick]     benches and baselines, docs/performance.md\n  \
                 release --dry-run   check versions and changelog, package every crate\n  \
                 screenshots         regenerate docs/screenshots from the browser suite"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Runs a command in `dir`, echoing it, and fails when it fails.
pub(crate) fn run_step(dir: &std::path::Path, program: &str, args: &[&str]) -> Result<()> {
    run_step_with(dir, program, args, &[])
}

/// Like [`run_step`], with extra environment variables.
pub(crate) fn run_step_with(
    dir: &std::path::Path,
    program: &str,
    args: &[&str],
    env: &[(String, String)],
) -> Result<()> {
    println!("\n==> {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")).into())
    }
}

/// Whether a program is on the `PATH`.
pub(crate) fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
