//! `cargo xtask test`: the project's one test command.

use std::path::Path;

use crate::{Result, codegen, on_path, run_step, run_step_with, services};

/// fmt check, clippy (`-D warnings`), codegen check, the whole test suite (with a throwaway
/// PostgreSQL when its binaries are installed), and cargo-deny when installed.
pub(crate) fn run(root: &Path) -> Result<()> {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    run_step(root, "cargo", &["fmt", "--all", "--check"])?;
    run_step(
        root,
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    println!("\n==> codegen --check");
    codegen::run(root, true)?;

    let mut skipped = Vec::new();
    let mut env = Vec::new();
    let postgres = match services::Postgres::start() {
        Ok(Some(pg)) => {
            println!("\n==> PostgreSQL test cluster at {}", pg.url());
            env.push(("PGKIT_TEST_POSTGRES_URL".to_owned(), pg.url().to_owned()));
            Some(pg)
        }
        Ok(None) if in_ci => {
            return Err(
                "CI=true but no PostgreSQL server binaries (initdb, pg_ctl) were found: \
                        .ci/run must install them"
                    .into(),
            );
        }
        Ok(None) => {
            skipped
                .push("PostgreSQL suites (no initdb/pg_ctl found; install postgresql)".to_owned());
            None
        }
        Err(e) => return Err(format!("cannot start the PostgreSQL test cluster: {e}").into()),
    };
    let browser = match services::browser_env(root)? {
        Ok(browser) => {
            println!(
                "\n==> chromedriver at {} (headless Chromium for the browser suite)",
                browser.driver.url()
            );
            env.extend(browser.vars.iter().cloned());
            Some(browser)
        }
        Err(why) if in_ci => {
            return Err(format!(
                "CI=true but the browser suite cannot run: {why}; .ci/run must install chromium and chromium-driver"
            )
            .into());
        }
        Err(why) => {
            skipped.push(format!("browser suite ({why})"));
            None
        }
    };
    let tests = run_step_with(
        root,
        "cargo",
        &["test", "--workspace", "--all-features", "--no-fail-fast"],
        &env,
    );
    drop(postgres);
    drop(browser);
    tests?;

    if on_path("cargo-deny") {
        run_step(
            root,
            "cargo",
            &["deny", "check", "bans", "licenses", "sources"],
        )?;
    } else if in_ci {
        return Err(
            "CI=true but cargo-deny is not installed: .ci/run must install it (cargo install --locked cargo-deny)"
                .into(),
        );
    } else {
        skipped.push("cargo deny (cargo-deny is not installed)".to_owned());
    }
    println!();
    for s in &skipped {
        println!("SKIPPED: {s}");
    }
    println!("xtask test: all steps passed");
    Ok(())
}
