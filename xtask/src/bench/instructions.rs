//! The notification set's decoding counted in instructions (callgrind), beside its time ratios.
//!
//! pgkit's and the baseline's criterion runs are taken seconds apart, and this VM's speed drifts
//! within minutes, so the set's time ratio moves by about 15% from run to run. An instruction
//! count does not move with the machine (the same binary and input give the same count), so the
//! report gives both: the times for the target, the counts to show what the code does.

use std::path::Path;
use std::process::Command;

use super::{Row, SET_BODIES, SET_CHARSETS, install};
use crate::Result;

/// Iterations of the counted run. A one-iteration run's count is taken off it, so that what
/// runs once (start-up, building the body) cancels and what is left is the decoding.
const ITERATIONS: u64 = 1001;

/// The set's rows: pgkit's instructions per decode of the five bodies against the baseline's,
/// in UTF-8 and EUC-KR. `profile_decode` is the release `profile-decode` binary.
pub(super) fn set_rows(profile_decode: &Path) -> Result<Vec<Row>> {
    install::ensure("valgrind", "valgrind", "counting the set's instructions")?;
    let mut rows = Vec::new();
    for (label, charset, baseline) in SET_CHARSETS {
        println!("\n==> callgrind: the notification set, {label}");
        let set = |mode: &str| -> Result<f64> {
            SET_BODIES
                .iter()
                .map(|body| per_iteration(profile_decode, mode, charset, body))
                .sum()
        };
        let (pgkit, base) = (set("notification")?, set("baseline")?);
        rows.push(Row {
            operation: format!(
                "Notification set decode (5 bodies), {label}, instructions (callgrind), vs {baseline}"
            ),
            measured: "pgkit".into(),
            baseline: baseline.into(),
            value: pgkit,
            unit: "instr",
            baseline_value: Some(base),
            ratio: Some(base / pgkit),
            target: None,
        });
    }
    Ok(rows)
}

/// Instructions per iteration of `profile-decode MODE N CHARSET BODY`, start-up taken off.
fn per_iteration(program: &Path, mode: &str, charset: &str, body: &str) -> Result<f64> {
    let count =
        |iterations: u64| collected(program, &[mode, &iterations.to_string(), charset, body]);
    let (once, many) = (count(1)?, count(ITERATIONS)?);
    if many <= once {
        return Err(
            format!("callgrind: {mode} {charset} {body}: {many} <= {once} instructions").into(),
        );
    }
    Ok((many - once) as f64 / (ITERATIONS - 1) as f64)
}

/// The instruction count callgrind reports for one run of `program`.
fn collected(program: &Path, args: &[&str]) -> Result<u64> {
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(program)
        .args(args)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "valgrind {} {}: {stderr}",
            program.display(),
            args.join(" ")
        )
        .into());
    }
    parse_collected(&stderr).ok_or_else(|| {
        format!(
            "valgrind {}: no \"Collected :\" line in its output",
            args.join(" ")
        )
        .into()
    })
}

/// The figure of callgrind's `==PID== Collected : N` line.
fn parse_collected(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|line| {
        let (_, n) = line.split_once("Collected :")?;
        n.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_callgrinds_count() {
        let stderr = "==15537== Callgrind, a call-graph generating cache profiler\n\
                      ==15537== \n==15537== Events    : Ir\n==15537== Collected : 595368\n\
                      ==15537== \n==15537== I   refs:      595,368\n";
        assert_eq!(parse_collected(stderr), Some(595_368));
        assert_eq!(parse_collected("==1== Collected : lots\n"), None);
        assert_eq!(parse_collected(""), None);
    }
}
