//! How the demo tells its steps: readable lines (amounts as `10,005원`, timings) or, with
//! `--json`, one JSON object per step; a spinner on a terminal while a step waits.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A step that did not give the expected outcome.
#[derive(Debug)]
pub(crate) struct StepFailed {
    /// `Innopay 3 (notification)`.
    pub(crate) step: String,
    pub(crate) message: String,
}

/// Turns any error into the failure of the step under way.
pub(crate) trait OrFail<T> {
    fn or_fail(self, step: &Step) -> Result<T, StepFailed>;
}

impl<T, E: std::fmt::Display> OrFail<T> for Result<T, E> {
    fn or_fail(self, step: &Step) -> Result<T, StepFailed> {
        self.map_err(|e| step.failed(e.to_string()))
    }
}

impl<T> OrFail<T> for Option<T> {
    fn or_fail(self, step: &Step) -> Result<T, StepFailed> {
        self.ok_or_else(|| step.failed("the expected result is missing"))
    }
}

/// A step under way.
#[derive(Debug)]
pub(crate) struct Step {
    gateway: &'static str,
    number: u32,
    name: &'static str,
    started: Instant,
}

impl Step {
    /// The failure of this step.
    pub(crate) fn failed(&self, message: impl Into<String>) -> StepFailed {
        StepFailed {
            step: format!("{} {} ({})", self.gateway, self.number, self.name),
            message: message.into(),
        }
    }

    /// Fails unless `ok`.
    pub(crate) fn expect(
        &self,
        ok: bool,
        message: impl FnOnce() -> String,
    ) -> Result<(), StepFailed> {
        if ok {
            Ok(())
        } else {
            Err(self.failed(message()))
        }
    }
}

/// Prints the steps.
#[derive(Debug)]
pub(crate) struct Steps {
    json: bool,
    gateway: &'static str,
    next: u32,
    pub(crate) done: u32,
}

impl Steps {
    pub(crate) fn new(json: bool) -> Self {
        Steps {
            json,
            gateway: "",
            next: 1,
            done: 0,
        }
    }

    /// Prints a line for people (nothing with `--json`).
    pub(crate) fn say(&self, line: impl AsRef<str>) {
        if !self.json {
            println!("{}", line.as_ref());
        }
    }

    /// Starts a gateway's section.
    pub(crate) fn section(&mut self, gateway: &'static str, title: &str) {
        self.gateway = gateway;
        self.next = 1;
        self.say(format!("\n{title}"));
    }

    /// Starts a step.
    pub(crate) fn start(&mut self, name: &'static str) -> Step {
        let step = Step {
            gateway: self.gateway,
            number: self.next,
            name,
            started: Instant::now(),
        };
        self.next += 1;
        step
    }

    /// A step gave the expected outcome: its summary, more lines, and data for `--json`.
    pub(crate) fn done(&mut self, step: Step, summary: &str, details: &[String], data: Value) {
        let ms = step.started.elapsed().as_secs_f64() * 1000.0;
        self.done += 1;
        if self.json {
            println!(
                "{}",
                json!({
                    "gateway": step.gateway.to_lowercase(),
                    "step": step.number,
                    "name": step.name,
                    "ok": true,
                    "ms": (ms * 10.0).round() / 10.0,
                    "summary": summary,
                    "details": data,
                })
            );
            return;
        }
        println!(
            "  {}. {:<30} {summary} ({})",
            step.number,
            step.name,
            if ms < 1000.0 {
                format!("{ms:.0} ms")
            } else {
                format!("{:.1} s", ms / 1000.0)
            }
        );
        for line in details {
            println!("     {:<30} {line}", "");
        }
    }

    /// Shows a spinner with `what` on a terminal until the returned guard is dropped.
    pub(crate) fn waiting(&self, what: &str) -> Spinner {
        if self.json || !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let running = Arc::new(AtomicBool::new(true));
        {
            let flag = running.clone();
            let what = what.to_owned();
            std::thread::spawn(move || {
                let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
                let mut i = 0;
                while flag.load(Ordering::Relaxed) {
                    eprint!("\r     {} {what}", frames[i % frames.len()]);
                    let _ = std::io::stderr().flush();
                    i += 1;
                    std::thread::sleep(Duration::from_millis(80));
                }
                eprint!("\r{:width$}\r", "", width = what.len() + 8);
            });
        }
        Spinner(Some(running))
    }
}

/// Stops its spinner (if one runs) when dropped.
#[derive(Debug)]
pub(crate) struct Spinner(Option<Arc<AtomicBool>>);

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(running) = &self.0 {
            running.store(false, Ordering::Relaxed);
            // Let the spinner clear its line before the next one is printed.
            std::thread::sleep(Duration::from_millis(90));
        }
    }
}

/// `10,005원`.
/// Deliveries, one summary each, for a failed step's message.
pub(crate) fn summaries(deliveries: &[pg_sandbox::store::Delivery]) -> String {
    if deliveries.is_empty() {
        return "none".to_owned();
    }
    deliveries
        .iter()
        .map(pg_sandbox::store::Delivery::summary)
        .collect::<Vec<_>>()
        .join("; ")
}

/// An amount the gateway may not have sent.
pub(crate) fn won_or_none(amount: Option<pg_core::Won>) -> String {
    amount.map_or_else(|| "no amount".to_owned(), |a| format!("{}원", a.grouped()))
}

pub(crate) fn won(amount: u64) -> String {
    format!("{}원", pg_core::Won::new(amount).grouped())
}
