//! Real Redis servers for the guard tests: a standalone `redis-server` and a three-master Cluster
//! on free loopback ports, persistence off, stopped when dropped (also when a test panics).
//! Without `redis-server` on PATH the tests print SKIPPED; with SOTER_REQUIRE_REDIS=1 (CI) a
//! missing server fails them instead.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether redis-server can be run; prints SKIPPED (or panics under SOTER_REQUIRE_REDIS=1).
pub fn available(test: &str) -> bool {
    let found = Command::new("redis-server").arg("--version").stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    if !found {
        if std::env::var("SOTER_REQUIRE_REDIS").is_ok_and(|v| v == "1") {
            panic!("{test}: redis-server is not installed and SOTER_REQUIRE_REDIS=1");
        }
        eprintln!("\n*** SKIPPED {test}: redis-server not found on PATH (apt-get install redis-server) ***\n");
    }
    found
}

/// A loopback port that is free now, with port + 10000 (the Cluster bus) free too.
pub fn free_port() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().unwrap().port();
        if port < 55000 && TcpListener::bind(("127.0.0.1", port + 10000)).is_ok() {
            return port;
        }
    }
}

/// `redis-cli -p PORT args...` on loopback, stdout as text (empty when it failed).
fn cli(port: u16, args: &[&str]) -> String {
    Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// One redis-server process.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
    extra: Vec<String>,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        RedisServer::start_with(free_port(), &[])
    }

    pub fn start_with(port: u16, extra: &[&str]) -> RedisServer {
        let dir = std::env::temp_dir().join(format!("soter-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = RedisServer { child: None, port, dir, extra: extra.iter().map(|s| s.to_string()).collect() };
        s.launch();
        s
    }

    fn launch(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--dir", self.dir.to_str().unwrap(), "--protected-mode", "no", "--loglevel", "warning"])
            .args(&self.extra)
            .stdout(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        // NOAUTH also means it is up (started with --requirepass).
        while !matches!(self.cli(&["PING"]).split_whitespace().next(), Some("PONG" | "NOAUTH")) {
            assert!(Instant::now() < deadline, "redis-server on port {} did not start", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Send a signal to the server process (SIGSTOP stalls it as an overloaded or partitioned
    /// server would; SIGCONT resumes it).
    #[allow(dead_code)]
    pub fn signal(&self, sig: i32) {
        let pid = self.child.as_ref().expect("running").id();
        assert_eq!(unsafe { libc::kill(pid as i32, sig) }, 0, "kill -{sig} {pid}");
    }

    /// Kill the server (as a crash would) and wait until its port refuses connections.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Start it again on the same port (empty: persistence is off).
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// `redis-cli -p PORT args...`, stdout as text (empty when it failed).
    pub fn cli(&self, args: &[&str]) -> String {
        cli(self.port, args)
    }

    /// `redis-cli MONITOR`, started and attached (its "OK" read) before this returns.
    pub fn monitor(&self) -> Monitor {
        let mut child = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "MONITOR"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-cli MONITOR");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        assert_eq!(first.trim(), "OK", "MONITOR did not attach");
        Monitor { child, out, port: self.port }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A MONITOR session on one server.
pub struct Monitor {
    child: Child,
    out: BufReader<ChildStdout>,
    port: u16,
}

impl Monitor {
    /// Commands clients sent since the monitor attached (those run inside scripts excluded),
    /// as their first word, up to a marker this sends.
    pub fn client_commands(mut self) -> Vec<String> {
        let marker = format!("soter-monitor-end-{}", std::process::id());
        Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "ECHO", &marker])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        let mut commands = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            assert!(self.out.read_line(&mut line).unwrap() > 0, "MONITOR ended before the marker");
            if line.contains(&marker) {
                break;
            }
            // `1700000000.123456 [0 127.0.0.1:5000] "EVALSHA" ...`; script calls say `[0 lua]`.
            if line.contains(" lua]") {
                continue;
            }
            if let Some(cmd) = line.split('"').nth(1) {
                commands.push(cmd.to_uppercase());
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        commands
    }
}

/// Three masters, no replicas, slots spread by `redis-cli --cluster create`.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    pub fn start() -> RedisCluster {
        let mut nodes: Vec<RedisServer> = Vec::new();
        while nodes.len() < 3 {
            let port = free_port();
            if nodes.iter().any(|n| n.port == port) {
                continue;
            }
            let conf = format!("nodes-{port}.conf");
            nodes.push(RedisServer::start_with(port, &["--cluster-enabled", "yes", "--cluster-config-file", &conf]));
        }
        let addrs: Vec<String> = nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)).collect();
        let out = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addrs)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli --cluster create");
        assert!(out.status.success(), "cluster create failed: {}", String::from_utf8_lossy(&out.stdout));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !nodes.iter().all(|n| n.cli(&["CLUSTER", "INFO"]).contains("cluster_state:ok")) {
            assert!(Instant::now() < deadline, "the cluster did not reach cluster_state:ok");
            std::thread::sleep(Duration::from_millis(50));
        }
        RedisCluster { nodes }
    }

    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.url()).collect()
    }
}

/// A Redis Sentinel process monitoring `mymaster` at a master's port (quorum given), with short
/// failure detection so failover tests take seconds. Stopped (by PID) when dropped.
#[allow(dead_code)]
pub struct Sentinel {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
}

#[allow(dead_code)]
impl Sentinel {
    pub fn start(master_port: u16, quorum: u32) -> Sentinel {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("soter-sentinel-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\nprotected-mode no\ndir {}\nsentinel monitor mymaster 127.0.0.1 {master_port} {quorum}\n\
                 sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 5000\n\
                 sentinel parallel-syncs mymaster 1\n",
                dir.display()
            ),
        )
        .unwrap();
        let child = Command::new("redis-server")
            .arg(&conf)
            .args(["--sentinel", "--loglevel", "warning"])
            .stdout(Stdio::null())
            .spawn()
            .expect("start redis-server --sentinel");
        let s = Sentinel { child: Some(child), port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !s.cli(&["SENTINEL", "get-master-addr-by-name", "mymaster"]).contains("127.0.0.1") {
            assert!(Instant::now() < deadline, "sentinel on port {port} did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The master's port this Sentinel names now.
    pub fn master_port(&self) -> Option<u16> {
        self.cli(&["SENTINEL", "get-master-addr-by-name", "mymaster"]).lines().nth(1)?.trim().parse().ok()
    }

    pub fn cli(&self, args: &[&str]) -> String {
        cli(self.port, args)
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback TCP proxy in front of a server. Armed, it forwards the next request and, when the
/// server's reply comes, closes the client's connection instead of relaying it: a connection
/// lost after the server ran the command (a network cut, a restart, a failover at the wrong
/// moment). Stopped (listener and every connection) when dropped.
#[allow(dead_code)]
pub struct ReplyCutter {
    pub port: u16,
    armed: Arc<AtomicBool>,
    cuts: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    listener: Option<std::thread::JoinHandle<()>>,
}

#[allow(dead_code)]
impl ReplyCutter {
    pub fn start(upstream: u16) -> ReplyCutter {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        l.set_nonblocking(true).unwrap();
        let (armed, cuts, stop) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
        let (a, c, s, o) = (armed.clone(), cuts.clone(), stop.clone(), open.clone());
        let listener = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let Ok((client, _)) = l.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                client.set_nonblocking(false).unwrap();
                let server = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                o.lock().unwrap().extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_in, &mut s_out);
                    let _ = s_out.shutdown(Shutdown::Both);
                });
                let (a, c) = (a.clone(), c.clone());
                std::thread::spawn(move || pump_replies(server, client, &a, &c));
            }
        });
        ReplyCutter { port, armed, cuts, stop, open, listener: Some(listener) }
    }

    /// Cut the connection that carries the next reply.
    pub fn arm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Replies cut so far.
    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

fn pump_replies(mut server: TcpStream, mut client: TcpStream, armed: &AtomicBool, cuts: &AtomicUsize) {
    let mut buf = [0u8; 16384];
    loop {
        let n = match server.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if armed.swap(false, Ordering::SeqCst) {
            cuts.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if client.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
}

impl Drop for ReplyCutter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        if let Some(t) = self.listener.take() {
            let _ = t.join();
        }
    }
}
