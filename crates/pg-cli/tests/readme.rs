//! Every shell example in the README runs as written: each ```sh block in order, line by line, in
//! a temporary directory with `pgkit` and `pgkit-shop` (the binaries this test was built with)
//! first on the `PATH` and no `PGKIT_*` settings from the developer's shell.
//!
//! - `cargo run [--release] -p pg-cli --` is `pgkit`; `cargo run [--release] -p
//!   pgkit-example-shop --` is `pgkit-shop`.
//! - `cargo xtask <task>` must name one of xtask's tasks (`cargo xtask test` is what runs this
//!   test); `cargo install --path <dir>` must name a package.
//! - A server (`pgkit sandbox`, `pgkit notify serve`, `pgkit demo --serve`, `pgkit-shop`) must
//!   start listening. With a trailing `&` it keeps running until the block ends; otherwise it is
//!   stopped at once, as Ctrl-C would, and must exit 0.
//! - Anything else runs in bash and must exit 0 — or the code its trailing `# exit N` comment
//!   names — without a panic.
//!
//! The examples use the simulator's fixed ports (8787, 8788, 8789) and 8080.

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(90);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The README's ```sh blocks, each a list of (line number, line with continuations joined).
fn blocks(readme: &str) -> Vec<Vec<(usize, String)>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<(usize, String)>> = None;
    let mut pending: Option<(usize, String)> = None;
    for (n, line) in readme.lines().enumerate() {
        match &mut current {
            None if line.trim() == "```sh" => current = Some(Vec::new()),
            None => {}
            Some(_) if line.trim() == "```" => out.extend(current.take()),
            Some(lines) => {
                let (start, mut text) = pending.take().unwrap_or((n + 1, String::new()));
                match line.strip_suffix('\\') {
                    Some(part) => {
                        text.push_str(part);
                        pending = Some((start, text));
                    }
                    None => {
                        text.push_str(line);
                        lines.push((start, text));
                    }
                }
            }
        }
    }
    out
}

/// The command and its trailing comment: `#` at the start of a word, outside quotes.
fn split_comment(line: &str) -> (&str, &str) {
    let (mut single, mut double) = (false, false);
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && previous.is_whitespace() => {
                return (line[..i].trim_end(), line[i + 1..].trim());
            }
            _ => {}
        }
        previous = c;
    }
    (line.trim_end(), "")
}

/// `# exit N` in the comment: the expected exit code (default 0).
fn expected_exit(comment: &str) -> i32 {
    comment
        .strip_prefix("exit ")
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// `cargo run [--release] -p <package> --` as the binary it runs.
fn translate(command: &str) -> String {
    for (package, binary) in [("pg-cli", "pgkit"), ("pgkit-example-shop", "pgkit-shop")] {
        for release in ["--release ", ""] {
            let prefix = format!("cargo run {release}-p {package} --");
            if let Some(rest) = command.strip_prefix(&prefix) {
                return format!("{binary}{rest}");
            }
        }
    }
    command.to_owned()
}

/// The port a server command listens on, when it is one.
fn server_port(command: &str) -> Option<u16> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let flag = |name: &str| {
        words
            .windows(2)
            .find(|w| w[0] == name)
            .and_then(|w| w[1].rsplit(':').next())
            .and_then(|p| p.parse().ok())
    };
    match words.as_slice() {
        ["pgkit", "demo", rest @ ..] if rest.contains(&"--serve") => {
            Some(flag("--shop-listen").unwrap_or(8789))
        }
        ["pgkit", "sandbox", ..] => Some(flag("--listen").unwrap_or(8787)),
        ["pgkit", "notify", "serve", ..] => flag("--listen"),
        ["pgkit-shop", ..] => Some(flag("--listen").unwrap_or(8789)),
        _ => None,
    }
}

struct Session {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
    path: String,
    servers: Vec<(String, Child)>,
}

impl Session {
    fn command(&self, line: &str) -> Command {
        let mut c = Command::new("bash");
        c.args(["-o", "pipefail", "-c", line])
            .current_dir(self.dir.path())
            .env("PATH", &self.path)
            .envs(&self.env);
        for (key, _) in std::env::vars() {
            if key.starts_with("PGKIT_") && !self.env.contains_key(&key) {
                c.env_remove(key);
            }
        }
        c
    }

    /// Runs `line` to completion: (exit code, stdout, stderr).
    fn run(&self, line: &str) -> (i32, String, String) {
        let child = self
            .command(line)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        match rx.recv_timeout(TIMEOUT) {
            Ok(Ok(out)) => (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ),
            _ => {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                panic!("`{line}` did not finish within {TIMEOUT:?}");
            }
        }
    }

    /// Starts a server and waits until it listens on `port`.
    fn start(&mut self, line: &str, port: u16) -> Child {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} is in use before `{line}`: stop what listens there"
        );
        let mut child = self
            .command(&format!("exec {line}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                panic!("`{line}` exited ({status}) before listening on {port}: {err}");
            }
            assert!(
                Instant::now() < deadline,
                "`{line}` did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        child
    }

    /// Stops a server as Ctrl-C would; it must exit 0.
    fn stop(line: &str, mut child: Child) {
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                assert_eq!(status.code(), Some(0), "`{line}` after Ctrl-C: {status}");
                return;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("`{line}` did not stop after Ctrl-C");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn line(&mut self, at: usize, raw: &str) {
        let (command, comment) = split_comment(raw.trim());
        if command.is_empty() {
            return;
        }
        let (command, background) = match command.strip_suffix('&') {
            Some(c) => (c.trim_end(), true),
            None => (command, false),
        };
        let command = translate(command);
        eprintln!("README line {at}: {command}");
        let words: Vec<&str> = command.split_whitespace().collect();
        match words.as_slice() {
            ["cargo", "xtask", task, ..] => {
                let xtask = std::fs::read_to_string(workspace().join("xtask/src/main.rs")).unwrap();
                assert!(
                    xtask.contains(&format!("Some(\"{task}\")")),
                    "README line {at}: xtask has no task {task}"
                );
            }
            ["cargo", "install", "--path", dir, ..] => assert!(
                workspace().join(dir).join("Cargo.toml").is_file(),
                "README line {at}: no package at {dir}"
            ),
            ["cargo", ..] => panic!("README line {at}: no rule for `{command}`"),
            ["export", assignment] => {
                let (key, value) = assignment.split_once('=').unwrap();
                self.env
                    .insert(key.to_owned(), value.trim_matches(['\'', '"']).to_owned());
            }
            _ => match server_port(&command) {
                Some(port) => {
                    let child = self.start(&command, port);
                    if background {
                        self.servers.push((command, child));
                    } else {
                        Session::stop(&command, child);
                    }
                }
                None => {
                    let (code, out, err) = self.run(&command);
                    let expected = expected_exit(comment);
                    assert_eq!(
                        code, expected,
                        "README line {at}: `{command}` exited {code}, not {expected}\n{out}\n{err}"
                    );
                    assert!(!err.contains("panicked"), "README line {at}: {err}");
                }
            },
        }
    }

    fn end_block(&mut self) {
        for (line, child) in self.servers.drain(..) {
            Session::stop(&line, child);
        }
    }
}

#[test]
fn every_shell_example_in_the_readme_runs_as_written() {
    let bin = assert_cmd::cargo::cargo_bin("pgkit");
    let bin_dir = bin.parent().unwrap().to_owned();
    if !bin_dir.join("pgkit-shop").is_file() {
        // `cargo test --workspace` (and so `cargo xtask test`) builds it beside pgkit.
        assert!(
            std::env::var("CI").is_err(),
            "CI: pgkit-shop was not built beside pgkit"
        );
        eprintln!("SKIPPED: README examples (build pgkit-shop: cargo build -p pgkit-example-shop)");
        return;
    }
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let blocks = blocks(&readme);
    assert!(blocks.len() >= 5, "the README has its shell examples");
    let mut session = Session {
        dir: tempfile::tempdir().unwrap(),
        env: BTreeMap::new(),
        path: format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
        servers: Vec::new(),
    };
    for block in blocks {
        for (at, line) in &block {
            session.line(*at, line);
        }
        session.end_block();
    }
}

#[test]
fn the_rules_read_the_readme_as_bash_would() {
    assert_eq!(
        split_comment("pgkit a '#not' \"#no\" # exit 1: refused"),
        ("pgkit a '#not' \"#no\"", "exit 1: refused")
    );
    assert_eq!(split_comment("a#b"), ("a#b", ""));
    assert_eq!(expected_exit("exit 1: refused"), 1);
    assert_eq!(expected_exit("the simulator"), 0);
    assert_eq!(
        translate("cargo run --release -p pg-cli -- demo"),
        "pgkit demo"
    );
    assert_eq!(
        translate("cargo run -p pgkit-example-shop -- --db x"),
        "pgkit-shop --db x"
    );
    assert_eq!(server_port("pgkit sandbox"), Some(8787));
    assert_eq!(
        server_port("pgkit notify serve --listen 127.0.0.1:8080 --db x"),
        Some(8080)
    );
    assert_eq!(server_port("pgkit demo --serve"), Some(8789));
    assert_eq!(server_port("pgkit demo"), None);
    let blocks = blocks("x\n```sh\na \\\n  b\n# c\n```\n```rust\nd\n```\n");
    assert_eq!(
        blocks,
        [vec![(3, "a   b".to_owned()), (5, "# c".to_owned())]]
    );
}
