//! Services the test suites use when they are installed: a throwaway PostgreSQL cluster, and
//! Chromium for browser tests.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, on_path};

/// A PostgreSQL cluster in a temporary directory on a free loopback port, stopped and removed
/// on drop. As root (CI), it runs as the `postgres` user, since PostgreSQL refuses root.
#[derive(Debug)]
pub(crate) struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    as_user: Option<&'static str>,
    port: u16,
    url: String,
}

impl Postgres {
    /// Starts a cluster with PostgreSQL's default settings, or `Ok(None)` when the server
    /// binaries are not installed.
    pub(crate) fn start() -> Result<Option<Postgres>> {
        Postgres::start_with(&[])
    }

    /// [`Postgres::start`] with server settings (`name=value`, as `postgres -c` takes them).
    pub(crate) fn start_with(settings: &[&str]) -> Result<Option<Postgres>> {
        let Some(bin) = find_postgres_bin() else {
            return Ok(None);
        };
        let as_user = is_root().then_some("postgres");
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let dir = std::env::temp_dir().join(format!("pgkit-pg-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        if let Some(user) = as_user {
            let status = Command::new("chown")
                .args(["-R", &format!("{user}:{user}")])
                .arg(&dir)
                .status()?;
            if !status.success() {
                return Err(format!("chown {} to {user} failed", dir.display()).into());
            }
        }
        let data = dir.join("data");
        let pg = Postgres {
            dir: dir.clone(),
            bin,
            as_user,
            port,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        };
        pg.pg(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        let mut options = format!(
            "-p {port} -h 127.0.0.1 -k {} -c max_connections=200",
            dir.display()
        );
        for setting in settings {
            options.push_str(" -c ");
            options.push_str(setting);
        }
        pg.pg(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &pg.log().to_string_lossy(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        Ok(Some(pg))
    }

    /// The connection URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The server's log (removed with the cluster).
    pub(crate) fn log(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// Creates an empty database; its connection URL.
    pub(crate) fn create_database(&self, name: &str) -> Result<String> {
        self.sql(&format!("CREATE DATABASE {name}"))?;
        Ok(format!(
            "postgres://postgres@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    /// Drops a database made by [`Postgres::create_database`], ending its sessions.
    pub(crate) fn drop_database(&self, name: &str) -> Result<()> {
        self.sql(&format!("DROP DATABASE {name} WITH (FORCE)"))
    }

    /// Runs one statement (psql) in the `postgres` database.
    pub(crate) fn sql(&self, statement: &str) -> Result<()> {
        let port = self.port.to_string();
        self.pg(
            "psql",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-q",
                "-c",
                statement,
            ],
        )
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Result<()> {
        // Beside initdb, or (psql, when the server's directory holds only links) on PATH.
        let beside = self.bin.join(tool);
        let program = if beside.is_file() {
            beside
        } else {
            PathBuf::from(tool)
        };
        let output = match self.as_user {
            Some(user) => Command::new("runuser")
                .args(["-u", user, "--"])
                .arg(&program)
                .args(args)
                .output()?,
            None => Command::new(&program).args(args).output()?,
        };
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
            .into())
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.pg(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The directory holding `initdb` and `pg_ctl`: on the `PATH`, or Debian's
/// `/usr/lib/postgresql/<version>/bin` (newest first).
fn find_postgres_bin() -> Option<PathBuf> {
    if on_path("initdb") && on_path("pg_ctl") {
        let paths = std::env::var_os("PATH")?;
        return std::env::split_paths(&paths)
            .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file());
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .collect();
    versions.sort_by_key(|p| version_of(p));
    versions.pop()
}

fn version_of(bin: &Path) -> u32 {
    bin.parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Whether we run as root (who may install packages, and must start PostgreSQL as `postgres`).
pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The Chromium binary, if installed.
pub(crate) fn chromium() -> Option<String> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .find(|p| Path::new(p).is_file())
        .map(|p| (*p).to_owned())
}

/// A `chromedriver` (Debian's `chromium-driver`) on a free loopback port, for the browser suite;
/// stopped on drop. The suite's sessions start headless Chromium through it.
#[derive(Debug)]
pub(crate) struct Chromedriver {
    child: std::process::Child,
    url: String,
}

impl Chromedriver {
    /// Starts one, or `Ok(None)` when `chromedriver` is not installed.
    pub(crate) fn start() -> Result<Option<Chromedriver>> {
        let program = if on_path("chromedriver") {
            PathBuf::from("chromedriver")
        } else if Path::new("/usr/bin/chromedriver").is_file() {
            PathBuf::from("/usr/bin/chromedriver")
        } else {
            return Ok(None);
        };
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if std::time::Instant::now() > deadline {
                return Err("chromedriver did not start within 30 s".into());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(Some(driver))
    }

    /// Its WebDriver URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the browser suite needs: a running chromedriver, and the variables that point the
/// suite at it and at Chromium.
#[derive(Debug)]
pub(crate) struct BrowserEnv {
    /// Stopped when dropped.
    pub(crate) driver: Chromedriver,
    /// `PGKIT_TEST_CHROMIUM`, `PGKIT_TEST_WEBDRIVER`, `PGKIT_SCREENSHOTS`.
    pub(crate) vars: Vec<(String, String)>,
}

/// The browser suite's environment, or why it cannot run.
pub(crate) fn browser_env(root: &Path) -> Result<std::result::Result<BrowserEnv, String>> {
    let Some(chromium) = chromium() else {
        return Ok(Err("no chromium found (install chromium)".into()));
    };
    let Some(driver) = Chromedriver::start()? else {
        return Ok(Err("no chromedriver found (install chromium-driver)".into()));
    };
    let vars = vec![
        ("PGKIT_TEST_CHROMIUM".to_owned(), chromium),
        ("PGKIT_TEST_WEBDRIVER".to_owned(), driver.url().to_owned()),
        (
            "PGKIT_SCREENSHOTS".to_owned(),
            root.join("target/browser-screenshots")
                .display()
                .to_string(),
        ),
    ];
    Ok(Ok(BrowserEnv { driver, vars }))
}
