package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The guard where users deploy (issue 19): ping, the per-subject bound, wait-replicas, Sentinel,
 * bounds and timeouts refused, and text with unpaired surrogates refused; against real
 * redis-server processes (a master, a replica, a Sentinel) that {@link TestRedis} starts and stops.
 */
class GuardDeployTest {
    private static final Duration TTL = Duration.ofMinutes(1);

    /** Logs in once with {@code challenge} for {@code subject}; the counter rises per signature. */
    private static ResultJson login(ReplayGuard g, Device phone, String challenge, String subject) throws Exception {
        SignedData r = phone.signResult(challenge);
        try (PublicKey k = phone.publicKey()) {
            return g.authenticate(k, r.json(), r.signature(), subject, phone.cpuId(), phone.uid());
        }
    }

    // ---- ping ----

    @Test
    void pingAnswersOrThrowsStoreUnavailable() throws Exception {
        try (ReplayGuard memory = ReplayGuard.memory()) {
            memory.ping();
        }
        try (TestRedis server = TestRedis.launch();
                ReplayGuard g = ReplayGuard.redis(server.url(),
                        ReplayGuard.RedisOptions.defaults().timeout(Duration.ofMillis(300)))) {
            g.ping();
            server.stop();
            long t = System.nanoTime();
            assertThrows(StoreUnavailableException.class, g::ping);
            assertTrue(System.nanoTime() - t < TimeUnit.SECONDS.toNanos(1), "ping took longer than its bound");
            assertThrows(StoreUnavailableException.class, g::ping);
            server.start();
            // The first call after Redis answers again works (one call at a time probes).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                try {
                    g.ping();
                    break;
                } catch (StoreUnavailableException e) {
                    assertTrue(System.nanoTime() < deadline, "ping still fails 5 s after Redis came back: " + e);
                    Thread.sleep(50);
                }
            }
            g.issueChallenge("after-ping", TTL);
        }
        ReplayGuard closed = ReplayGuard.memory();
        closed.close();
        assertThrows(IllegalStateException.class, closed::ping);
    }

    // ---- the per-subject bound ----

    /** The Redis key of a subject's pending challenges: {prefix}{hex SHA-256 of the subject}:c. */
    private static String challengesKey(String prefix, String subject) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(subject.getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        return prefix + "{" + java.util.HexFormat.of().formatHex(d) + "}:c";
    }

    /**
     * 20 challenges for one subject: the 4 oldest are gone, the 16 newest work; others unaffected.
     * On Redis ({@code server} not null) the subject's hash holds 16 entries.
     */
    private static void perSubjectBound(ReplayGuard g, TestRedis server) throws Exception {
        try (Device phone = Device.create(); Device other = Device.create()) {
            String kept = g.issueChallenge("bystander", TTL);
            List<String> issued = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                issued.add(g.issueChallenge("flooder", TTL));
            }
            if (server != null) {
                assertEquals("16", server.cli("HLEN", challengesKey("soter:", "flooder")).trim());
            }
            for (int i = 0; i < 4; i++) {
                String c = issued.get(i);
                assertThrows(ChallengeMismatchException.class, () -> login(g, phone, c, "flooder"), "challenge " + i);
            }
            assertEquals(issued.get(19), login(g, phone, issued.get(19), "flooder").raw());
            assertEquals(issued.get(4), login(g, phone, issued.get(4), "flooder").raw());
            assertEquals(kept, login(g, other, kept, "bystander").raw());
        }
    }

    @Test
    void perSubjectBoundInMemory() throws Exception {
        try (ReplayGuard g = ReplayGuard.memory()) {
            perSubjectBound(g, null);
        }
        // The option reaches the store.
        try (ReplayGuard g = ReplayGuard.memory(ReplayGuard.MemoryOptions.defaults().maxChallengesPerSubject(2));
                Device phone = Device.create()) {
            assertTrue(g.toString().contains("max_challenges_per_subject: 2"), g.toString());
            String first = g.issueChallenge("u", TTL);
            String second = g.issueChallenge("u", TTL);
            String third = g.issueChallenge("u", TTL);
            assertThrows(ChallengeMismatchException.class, () -> login(g, phone, first, "u"));
            login(g, phone, second, "u");
            login(g, phone, third, "u");
        }
    }

    @Test
    void perSubjectBoundOnRedis() throws Exception {
        try (TestRedis server = TestRedis.launch()) {
            try (ReplayGuard g = ReplayGuard.redis(server.url())) {
                assertTrue(g.toString().contains("max_challenges_per_subject: 16"), g.toString());
                perSubjectBound(g, server);
            }
            try (ReplayGuard g = ReplayGuard.redis(server.url(),
                    ReplayGuard.RedisOptions.defaults().prefix("bound3:").maxChallengesPerSubject(3));
                    Device phone = Device.create()) {
                assertTrue(g.toString().contains("max_challenges_per_subject: 3"), g.toString());
                List<String> issued = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    issued.add(g.issueChallenge("u", TTL));
                }
                // The subject's pending challenges are bounded in Redis itself.
                assertEquals("3", server.cli("HLEN", challengesKey("bound3:", "u")).trim());
                assertThrows(ChallengeMismatchException.class, () -> login(g, phone, issued.get(1), "u"));
                login(g, phone, issued.get(2), "u");
            }
        }
    }

    // ---- wait-replicas ----

    @Test
    void waitReplicasWithoutAReplicaFailsClosedAndTheChallengeStaysUsed() throws Exception {
        try (TestRedis master = TestRedis.launch();
                ReplayGuard waiting = ReplayGuard.redis(master.url(),
                        ReplayGuard.RedisOptions.defaults().waitReplicas(1).timeout(Duration.ofMillis(500)));
                ReplayGuard plain = ReplayGuard.redis(master.url());
                Device phone = Device.create()) {
            assertTrue(waiting.toString().contains("wait_replicas: 1"), waiting.toString());
            String c = waiting.issueChallenge("w", TTL);
            SignedData r = phone.signResult(c);
            try (PublicKey k = phone.publicKey()) {
                long t = System.nanoTime();
                assertThrows(StoreUnavailableException.class,
                        () -> waiting.authenticate(k, r.json(), r.signature(), "w", phone.cpuId(), phone.uid()));
                assertTrue(System.nanoTime() - t < TimeUnit.SECONDS.toNanos(2), "WAIT was not bounded by the timeout");
                // Fail closed: the challenge was consumed on the master, so the result never counts.
                assertThrows(ChallengeMismatchException.class,
                        () -> plain.authenticate(k, r.json(), r.signature(), "w", phone.cpuId(), phone.uid()));
            }

            // With a replica attached the same option accepts.
            try (TestRedis replica = TestRedis.launch("--replicaof", "127.0.0.1", String.valueOf(master.port))) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!replica.cli("INFO", "replication").contains("master_link_status:up")) {
                    assertTrue(System.nanoTime() < deadline, "the replica did not connect");
                    Thread.sleep(50);
                }
                // Generous: the step must be acknowledged, and a busy machine can delay the replica.
                try (ReplayGuard g = ReplayGuard.redis(master.url(),
                        ReplayGuard.RedisOptions.defaults().waitReplicas(1).timeout(Duration.ofSeconds(5)))) {
                    String ok = g.issueChallenge("w", TTL);
                    assertEquals(ok, login(g, phone, ok, "w").raw());
                }
            }
        }
    }

    // ---- Sentinel ----

    @Test
    void sentinelGuardWorksAndHidesPasswords() throws Exception {
        String masterPw = "m4ster/pw?#@" + Long.toHexString(System.nanoTime());
        String sentinelPw = "s3ntinel-pw-" + Long.toHexString(System.nanoTime());
        try (TestRedis master = TestRedis.launch("--requirepass", masterPw);
                TestRedis sentinel = TestRedis.sentinel("mymaster", master.port, masterPw, sentinelPw)) {
            List<String> sentinels = List.of("redis://127.0.0.1:" + sentinel.port);
            ReplayGuard.RedisOptions options = ReplayGuard.RedisOptions.defaults().prefix("sent:")
                    .password(masterPw).sentinelPassword(sentinelPw).db(3).timeout(Duration.ofSeconds(2));
            assertFalse(options.toString().contains(masterPw) || options.toString().contains(sentinelPw),
                    options.toString());
            try (ReplayGuard g = ReplayGuard.redisSentinel(sentinels, "mymaster", options); Device phone = Device.create()) {
                String shown = g.toString();
                assertTrue(shown.contains("sentinel") && shown.contains("mymaster"), shown);
                assertFalse(shown.contains(masterPw) || shown.contains(sentinelPw), shown);
                g.ping();
                String c = g.issueChallenge("s", TTL);
                assertEquals(c, login(g, phone, c, "s").raw());
                assertThrows(ChallengeMismatchException.class, () -> login(g, phone, c, "s"));
                // The keys are on the master, in database 3.
                String keys = master.cli("-a", masterPw, "--no-auth-warning", "-n", "3", "--scan", "--pattern", "sent:*");
                assertFalse(keys.isBlank(), "no key in database 3 of the master");
            }
            // A wrong master password: the error shows neither password.
            try (ReplayGuard g = ReplayGuard.redisSentinel(sentinels, "mymaster", ReplayGuard.RedisOptions.defaults()
                    .password("wrong-" + masterPw).sentinelPassword(sentinelPw).timeout(Duration.ofMillis(500)))) {
                StoreUnavailableException e = assertThrows(StoreUnavailableException.class, g::ping);
                assertFalse(e.getMessage().contains(masterPw) || e.getMessage().contains(sentinelPw), e.getMessage());
            }
            // An unknown service name.
            try (ReplayGuard g = ReplayGuard.redisSentinel(sentinels, "nosuchmaster", ReplayGuard.RedisOptions.defaults()
                    .password(masterPw).sentinelPassword(sentinelPw).timeout(Duration.ofMillis(500)))) {
                StoreUnavailableException e = assertThrows(StoreUnavailableException.class, g::ping);
                assertTrue(e.getMessage().contains("nosuchmaster"), e.getMessage());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ReplayGuard.redisSentinel(List.of(), "mymaster"));
        assertThrows(ConfigException.class, () -> ReplayGuard.redisSentinel(List.of("redis://127.0.0.1:1"), ""));
        // Sentinel's options with a standalone server or a Cluster: their password goes in the URL.
        String pw = "not-shown-pw";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReplayGuard.redis(
                "redis://127.0.0.1:1", ReplayGuard.RedisOptions.defaults().password(pw)));
        assertFalse(e.getMessage().contains(pw), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReplayGuard.redisCluster(List.of("redis://127.0.0.1:1"),
                ReplayGuard.RedisOptions.defaults().db(1)));
    }

    /**
     * A master, its replica and one Sentinel (quorum 1): a login accepted with waitReplicas(1)
     * before the master dies is not accepted again after the Sentinel promoted the replica, and
     * the same guard objects serve the new master without a restart.
     */
    @Test
    void sentinelGuardFollowsAFailover() throws Exception {
        try (TestRedis master = TestRedis.launch();
                TestRedis replica = TestRedis.launch("--replicaof", "127.0.0.1", String.valueOf(master.port))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!replica.cli("INFO", "replication").contains("master_link_status:up")) {
                assertTrue(System.nanoTime() < deadline, "the replica did not connect");
                Thread.sleep(50);
            }
            try (TestRedis sentinel = TestRedis.sentinel("failover", master.port, null, null, 1);
                    ReplayGuard waiting = ReplayGuard.redisSentinel(List.of("redis://127.0.0.1:" + sentinel.port),
                            "failover", ReplayGuard.RedisOptions.defaults().waitReplicas(1).timeout(Duration.ofSeconds(1)));
                    ReplayGuard plain = ReplayGuard.redisSentinel(List.of("redis://127.0.0.1:" + sentinel.port),
                            "failover", ReplayGuard.RedisOptions.defaults().timeout(Duration.ofSeconds(1)));
                    Device phone = Device.create();
                    PublicKey k = phone.publicKey()) {
                // The Sentinel knows the replica before the master goes.
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (!sentinel.cli("SENTINEL", "replicas", "failover").contains(String.valueOf(replica.port))) {
                    assertTrue(System.nanoTime() < deadline, "the Sentinel did not discover the replica");
                    Thread.sleep(100);
                }
                SignedData before = phone.signResult(waiting.issueChallenge("fo", TTL));
                waiting.authenticate(k, before.json(), before.signature(), "fo", phone.cpuId(), phone.uid());
                plain.ping();

                master.stop();
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!sentinel.cli("SENTINEL", "get-master-addr-by-name", "failover")
                        .contains(String.valueOf(replica.port))) {
                    assertTrue(System.nanoTime() < deadline, "the Sentinel did not promote the replica");
                    Thread.sleep(100);
                }
                // The same guards serve the promoted replica (one call at a time probes, so retry).
                long failedOver = System.nanoTime();
                for (ReplayGuard g : List.of(plain, waiting)) {
                    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (true) {
                        try {
                            g.ping();
                            break;
                        } catch (StoreUnavailableException e) {
                            assertTrue(System.nanoTime() < deadline, "the guard does not reach the new master: " + e);
                            Thread.sleep(100);
                        }
                    }
                }
                System.err.println("GuardDeployTest: the guards answered "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedOver) + " ms after the promotion");
                // The login accepted before the failover was replicated: not accepted again.
                assertThrows(ChallengeMismatchException.class,
                        () -> plain.authenticate(k, before.json(), before.signature(), "fo", phone.cpuId(), phone.uid()));
                String after = plain.issueChallenge("fo", TTL);
                assertEquals(after, login(plain, phone, after, "fo").raw());
                // No replica is left to acknowledge: the waiting guard fails closed.
                String unacked = waiting.issueChallenge("fo", TTL);
                assertThrows(StoreUnavailableException.class, () -> login(waiting, phone, unacked, "fo"));
            }
        }
    }

    // ---- bounds and timeouts ----

    @Test
    void zeroBoundsAndLongTimeoutsAreRefused() throws Exception {
        ReplayGuard.MemoryOptions m = ReplayGuard.MemoryOptions.defaults();
        assertThrows(IllegalArgumentException.class, () -> m.maxDevices(0));
        assertThrows(IllegalArgumentException.class, () -> m.maxChallenges(0));
        assertThrows(IllegalArgumentException.class, () -> m.maxChallengesPerSubject(0));
        assertThrows(IllegalArgumentException.class, () -> m.maxChallengesPerSubject(1025));
        assertThrows(IllegalArgumentException.class, () -> ReplayGuard.memory(0, 10));
        assertThrows(IllegalArgumentException.class, () -> ReplayGuard.memory(10, 0));
        try (ReplayGuard g = ReplayGuard.memory(m.maxDevices(1).maxChallenges(1).maxChallengesPerSubject(1024))) {
            assertTrue(g.toString().contains("max_devices: 1,") && g.toString().contains("max_challenges: 1,"),
                    g.toString());
        }

        ReplayGuard.RedisOptions r = ReplayGuard.RedisOptions.defaults();
        assertThrows(IllegalArgumentException.class, () -> r.maxChallengesPerSubject(0));
        assertThrows(IllegalArgumentException.class, () -> r.waitReplicas(-1));
        assertThrows(IllegalArgumentException.class, () -> r.db(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.timeout(Duration.ofSeconds(3601)));
        assertTrue(e.getMessage().contains("1 hour"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.timeout(Duration.ofSeconds(1000 * 1000)));
        assertThrows(IllegalArgumentException.class, () -> r.timeout(Duration.ZERO));
        // One hour itself is accepted, by this package and by the library.
        try (ReplayGuard g = ReplayGuard.redis("redis://127.0.0.1:1", r.timeout(Duration.ofHours(1)))) {
            assertTrue(g.toString().contains("timeout: 3600s"), g.toString());
        }
    }

    // ---- unpaired surrogates ----

    @Test
    void unpairedSurrogatesAreRefusedEverywhereTextGoesNative() throws Exception {
        assertEquals(-1, Utf8.unpairedSurrogate("plain ascii"));
        assertEquals(-1, Utf8.unpairedSurrogate("emoji \uD83D\uDE00 pair"));
        assertEquals(1, Utf8.unpairedSurrogate("a\uD800"));
        assertEquals(1, Utf8.unpairedSurrogate("a\uDC00b"));
        assertEquals(0, Utf8.unpairedSurrogate("\uDE00\uD83D"));
        assertEquals(2, Utf8.unpairedSurrogate("\uD83D\uDE00\uD83D"));

        try (ReplayGuard g = ReplayGuard.memory(); Device phone = Device.create()) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> g.issueChallenge("a\uD800", TTL));
            assertEquals(Status.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("subject") && e.getMessage().contains("surrogate"), e.getMessage());

            // "a?" is its own subject: a challenge issued to it is not "a\uD800"'s.
            String c = g.issueChallenge("a?", TTL);
            SignedData r = phone.signResult(c);
            try (PublicKey k = phone.publicKey()) {
                assertThrows(InvalidArgumentException.class,
                        () -> g.authenticate(k, r.json(), r.signature(), "a\uD800", phone.cpuId(), phone.uid()));
                assertThrows(InvalidArgumentException.class,
                        () -> g.authenticate(k, r.json(), r.signature(), "a?", "c\uDC00", phone.uid()));
                assertThrows(InvalidArgumentException.class,
                        () -> g.authenticate(k, r.json(), r.signature(), "a?", phone.cpuId(), "\uD800"));
                assertThrows(InvalidArgumentException.class, () -> g.accept(r.json(), "a\uD800"));
                assertThrows(InvalidArgumentException.class, () -> g.lastCounter("a\uD800", phone.cpuId(), phone.uid()));
                assertThrows(InvalidArgumentException.class,
                        () -> g.authenticate(k, r.json() + "\uD800", r.signature(), "a?"));
                // Nothing above consumed it.
                assertEquals(c, g.authenticate(k, r.json(), r.signature(), "a?", phone.cpuId(), phone.uid()).raw());
            }
            // A paired surrogate (an emoji) is valid text.
            String emoji = g.issueChallenge("user-\uD83D\uDE00", TTL);
            assertEquals(emoji, login(g, phone, emoji, "user-\uD83D\uDE00").raw());
        }
        assertThrows(InvalidArgumentException.class, () -> ReplayGuard.redis("redis://127.0.0.1:1/\uD800"));
        assertThrows(InvalidArgumentException.class, () -> ReplayGuard.redisCluster(List.of("redis://127.0.0.1:1\uDFFF")));
        assertThrows(InvalidArgumentException.class, () -> ReplayGuard.redis("redis://127.0.0.1:1",
                ReplayGuard.RedisOptions.defaults().prefix("p\uD800:")));
        assertThrows(InvalidArgumentException.class, () -> ReplayGuard.redisSentinel(
                List.of("redis://127.0.0.1:1"), "mymaster\uD800"));
        String secret = "pw\uD800secret";
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> ReplayGuard.redisSentinel(
                List.of("redis://127.0.0.1:1"), "mymaster", ReplayGuard.RedisOptions.defaults().password(secret)));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        assertThrows(InvalidArgumentException.class, () -> PublicKey.load("-----BEGIN PUBLIC KEY-----\uD800"));
        assertThrows(InvalidArgumentException.class, () -> Soter.authenticate(null, "{}\uDC00", "sig",
                Expectations.of("c")));
        try (Device phone = Device.create(); PublicKey k = phone.publicKey()) {
            assertThrows(InvalidArgumentException.class,
                    () -> Ask.fromStored(k, "cpu\uD800", "uid", 0, java.util.OptionalInt.empty(), Ask.Format.CLASSIC));
        }
    }
}
