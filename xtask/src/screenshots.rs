//! `cargo xtask screenshots`: regenerates the README's pictures (`docs/screenshots/*.png`) by
//! running the browser suite, which saves them on the way: the SMS payment request page, the
//! Smartro PAY window, and the simulator's notification deliveries with their attempts.

use std::path::Path;

use crate::{Result, run_step_with, services};

/// The pictures the README shows.
const PICTURES: [&str; 3] = ["sms-request", "smartro-window", "sandbox-deliveries"];

pub(crate) fn run(root: &Path) -> Result<()> {
    let browser = services::browser_env(root)?
        .map_err(|why| format!("the browser suite cannot run: {why}"))?;
    let mut env = browser.vars.clone();
    let docs = root.join("docs/screenshots");
    std::fs::create_dir_all(&docs)?;
    for name in PICTURES {
        let _ = std::fs::remove_file(docs.join(format!("{name}.png")));
    }
    env.push((
        "PGKIT_DOCS_SCREENSHOTS".to_owned(),
        docs.display().to_string(),
    ));
    run_step_with(
        root,
        "cargo",
        &["test", "-p", "pgkit-example-shop", "--test", "browser"],
        &env,
    )?;
    drop(browser);
    for name in PICTURES {
        let path = docs.join(format!("{name}.png"));
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("{} was not written: {e}", path.display()))?
            .len();
        println!("{} ({} KiB)", path.display(), size / 1024);
    }
    Ok(())
}
