//! A throwaway PostgreSQL server for the ledger's tests: a new cluster in a temporary
//! directory, on a free local port, run by an unprivileged user (`postgres` when the tests
//! run as root), with password authentication. One server per test binary; each test gets
//! its own database. A watcher stops the server when the test process is gone.
//!
//! Where no server can be started (no PostgreSQL installed), [`server`] says why and
//! returns `None`, and the tests that need it print the reason and return; with
//! `TOLLGATE_REQUIRE_POSTGRES=1` (which .ci/run sets) that is a failure instead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The password of the cluster's `tollgate` user: a secret the tests look for in outputs.
pub const PASSWORD: &str = "pg-Secret-7f3a9c";

pub struct Server {
    pub port: u16,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The binary directory of the newest installed PostgreSQL.
fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command run as the cluster's owner.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(55432)
}

fn start() -> Result<Server, String> {
    let bin = bin_dir().ok_or("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); .ci/postgres.sh installs it")?;
    let dir = std::env::temp_dir().join(format!("tollgate-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let data = dir.join("data");
    let pwfile = dir.join("pw");
    std::fs::write(&pwfile, PASSWORD).map_err(|e| e.to_string())?;
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("cannot hand the cluster's directory to the postgres user".into());
        }
    }
    let out = as_owner(&bin.join("initdb"))
        .args(["-D"])
        .arg(&data)
        .args(["-U", "tollgate", "--auth=scram-sha-256", "--pwfile"])
        .arg(&pwfile)
        .args(["-E", "UTF8", "--no-sync"])
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = free_port();
    // The server runs in the background under a watcher that stops it once this test
    // process has exited, so no cluster outlives the tests.
    let script = format!(
        "{postgres} -D {data} -p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60 >{dir}/log 2>&1 & pg=$!; \
         while [ -d /proc/{parent} ] && kill -0 $pg 2>/dev/null; do sleep 1; done; \
         kill -INT $pg 2>/dev/null; wait $pg; rm -rf {dir}",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        parent = std::process::id(),
    );
    as_owner(Path::new("/bin/sh"))
        .args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start postgres: {e}"))?;
    let began = Instant::now();
    loop {
        if connect(port, "postgres").is_ok() {
            return Ok(Server { port });
        }
        if began.elapsed() > Duration::from_secs(30) {
            let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
            return Err(format!("postgres did not start within 30 s: {log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn connect(port: u16, db: &str) -> Result<postgres::Client, postgres::Error> {
    postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user("tollgate")
        .password(PASSWORD)
        .dbname(db)
        .connect(postgres::NoTls)
}

/// The shared server, or `None` with the reason printed (a panic when PostgreSQL is
/// required).
pub fn server() -> Option<&'static Server> {
    match SERVER.get_or_init(start) {
        Ok(server) => Some(server),
        Err(why) => {
            if std::env::var_os("TOLLGATE_REQUIRE_POSTGRES").is_some_and(|v| v == "1") {
                panic!("PostgreSQL is required (TOLLGATE_REQUIRE_POSTGRES=1) but: {why}");
            }
            eprintln!("skipped: no PostgreSQL server could be started: {why}");
            None
        }
    }
}

impl Server {
    /// A new, empty database; its URL takes the password from `${TOLLGATE_TEST_PGPASS}`.
    pub fn database(&self, name: &str) -> String {
        let n = DATABASES.fetch_add(1, Ordering::SeqCst);
        let db = format!("{name}_{n}");
        let mut client = connect(self.port, "postgres").expect("the test server answers");
        client
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .expect("a new database");
        format!(
            "postgres://tollgate:${{TOLLGATE_TEST_PGPASS}}@127.0.0.1:{}/{db}",
            self.port
        )
    }

    /// A client on one database, to look inside the ledger.
    pub fn client(&self, url: &str) -> postgres::Client {
        let db = url.rsplit('/').next().unwrap_or("postgres");
        connect(self.port, db).expect("the test database answers")
    }
}
