//! Debian packages the bench needs (`wrk`, `valgrind`), installed with apt-get when missing and
//! when we may (as root, as `.ci/run` and a fresh machine run).

use std::process::Command;

use crate::services::is_root;
use crate::{Result, on_path};

/// Makes `program` available, installing `package` with apt-get when it is missing; an error
/// saying what needs it and how to install it otherwise.
pub(super) fn ensure(program: &str, package: &str, needed_by: &str) -> Result<()> {
    if on_path(program) {
        return Ok(());
    }
    if is_root() && on_path("apt-get") {
        println!("\n==> apt-get install {package} ({needed_by})");
        let _ = Command::new("apt-get").args(["update", "-q"]).status();
        let status = Command::new("apt-get")
            .args(["install", "-y", "-q", package])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()?;
        if status.success() && on_path(program) {
            return Ok(());
        }
    }
    Err(format!("{needed_by} needs {program} (apt-get install {package})").into())
}
