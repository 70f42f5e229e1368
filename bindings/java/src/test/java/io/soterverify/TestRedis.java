package io.soterverify;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real Redis for the guard tests, the one place that starts and stops servers: a redis-server on a
 * free loopback port with persistence off, a replica of one, a Sentinel, and a three-master Cluster. Without redis-server the
 * tests are skipped with a loud message; under SOTER_REQUIRE_REDIS=1 (CI) they fail instead.
 * Public for the Spring Boot starter's tests, which compile this file too.
 */
public final class TestRedis implements AutoCloseable {
    public final int port;
    private final Path dir;
    private final List<String> extra;
    /** For a Sentinel: its configuration file (written once: Sentinel rewrites it), else null. */
    private final Path sentinelConf;
    private Process process;

    private TestRedis(int port, String... extra) throws IOException {
        this.port = port;
        this.extra = Arrays.asList(extra);
        this.dir = Files.createTempDirectory("soter-redis-" + port + "-");
        this.sentinelConf = null;
        start();
    }

    private TestRedis(int port, List<String> sentinelConfig) throws IOException {
        this.port = port;
        this.extra = List.of();
        this.dir = Files.createTempDirectory("soter-sentinel-" + port + "-");
        this.sentinelConf = dir.resolve("sentinel.conf");
        List<String> lines = new ArrayList<>(List.of("port " + port, "bind 127.0.0.1", "protected-mode no",
                "dir " + dir));
        lines.addAll(sentinelConfig);
        Files.write(sentinelConf, lines);
        try {
            start();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * A Sentinel on a free loopback port monitoring the master on {@code masterPort} as
     * {@code service} (quorum 2, so one Sentinel alone never fails over).
     *
     * @param masterPassword the master's requirepass, or null
     * @param sentinelPassword this Sentinel's own requirepass, or null
     */
    public static TestRedis sentinel(String service, int masterPort, String masterPassword, String sentinelPassword)
            throws IOException {
        return sentinel(service, masterPort, masterPassword, sentinelPassword, 2);
    }

    /** As {@link #sentinel(String, int, String, String)} with a quorum (1: this Sentinel alone fails over). */
    public static TestRedis sentinel(String service, int masterPort, String masterPassword, String sentinelPassword,
            int quorum) throws IOException {
        requireRedis("Redis Sentinel tests");
        List<String> conf = new ArrayList<>(List.of(
                "sentinel monitor " + service + " 127.0.0.1 " + masterPort + " " + quorum,
                "sentinel down-after-milliseconds " + service + " 1000",
                "sentinel failover-timeout " + service + " 5000"));
        if (masterPassword != null) {
            conf.add("sentinel auth-pass " + service + " " + masterPassword);
        }
        if (sentinelPassword != null) {
            conf.add("requirepass " + sentinelPassword);
        }
        TestRedis s = new TestRedis(freePort(), conf);
        String[] auth = sentinelPassword == null ? new String[0]
                : new String[] {"-a", sentinelPassword, "--no-auth-warning"};
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> ask = new ArrayList<>(Arrays.asList(auth));
        ask.addAll(List.of("SENTINEL", "get-master-addr-by-name", service));
        while (!s.cli(ask.toArray(String[]::new)).contains(String.valueOf(masterPort))) {
            if (System.nanoTime() > deadline) {
                s.close();
                throw new IOException("the Sentinel on port " + s.port + " does not name the master " + masterPort);
            }
            sleep(20);
        }
        return s;
    }

    public static void requireRedis(String what) {
        boolean found;
        try {
            found = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            found = false;
        }
        if (!found) {
            if ("1".equals(System.getenv("SOTER_REQUIRE_REDIS"))) {
                throw new AssertionError(what + ": redis-server is not installed and SOTER_REQUIRE_REDIS=1");
            }
            System.err.println("*** SKIPPED " + what + ": redis-server not found on PATH ***");
            Assumptions.abort("SKIPPED " + what + ": redis-server not found on PATH");
        }
    }

    public static TestRedis launch(String... extra) throws IOException {
        requireRedis("Redis tests");
        return new TestRedis(freePort(), extra);
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public void start() throws IOException {
        List<String> cmd = sentinelConf != null
                ? new ArrayList<>(List.of("redis-server", sentinelConf.toString(), "--sentinel", "--loglevel", "warning"))
                : new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save",
                        "", "--appendonly", "no", "--dir", dir.toString(), "--loglevel", "warning"));
        cmd.addAll(extra);
        process = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cli("PING").startsWith("PONG") && !cli("PING").startsWith("NOAUTH")) {
            if (System.nanoTime() > deadline) {
                throw new IOException("redis-server on port " + port + " did not start");
            }
            sleep(20);
        }
    }

    /** Kills the server (as a crash would) and waits until its port refuses connections. */
    public void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        while (portOpen(port)) {
            sleep(10);
        }
    }

    public String cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port)));
        cmd.addAll(Arrays.asList(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    @Override
    public void close() {
        stop();
        try (var files = Files.walk(dir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }

    /** Three masters, no replicas. */
    public static final class Cluster implements AutoCloseable {
        public final List<TestRedis> nodes = new ArrayList<>();

        public Cluster() throws IOException, InterruptedException {
            requireRedis("Redis Cluster tests");
            try {
                while (nodes.size() < 3) {
                    int port = freePort();
                    if (nodes.stream().noneMatch(n -> n.port == port)) {
                        nodes.add(new TestRedis(port, "--cluster-enabled", "yes", "--cluster-config-file",
                                "nodes-" + port + ".conf"));
                    }
                }
                List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
                nodes.forEach(n -> cmd.add("127.0.0.1:" + n.port));
                cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor() != 0) {
                    throw new IOException("redis-cli --cluster create failed");
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!nodes.stream().allMatch(n -> n.cli("CLUSTER", "INFO").contains("cluster_state:ok"))) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("the cluster did not reach cluster_state:ok");
                    }
                    sleep(50);
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                close();
                throw e;
            }
        }

        public List<String> urls() {
            return nodes.stream().map(TestRedis::url).toList();
        }

        @Override
        public void close() {
            nodes.forEach(TestRedis::close);
        }
    }

    /** A free loopback port whose Cluster bus port (+10000) is free too. */
    public static int freePort() throws IOException {
        while (true) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            if (port < 55000) {
                try (ServerSocket bus = new ServerSocket(port + 10000, 1, java.net.InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException busy) {
                    // try another
                }
            }
        }
    }

    private static boolean portOpen(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
