package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** ReplayGuard: the same verdicts on memory, a real Redis and a real Cluster; faults; passwords. */
class ReplayGuardTest {
    private static final String CPU = "cpu-0001";
    private static final String UID = "10115";
    private static final Duration TTL = Duration.ofMinutes(1);

    private final KeyPair pair = TestSupport.rsa2048();

    private PublicKey key() {
        return PublicKey.load(TestSupport.pem(pair.getPublic()));
    }

    private String[] signed(String raw, long counter, String cpuId) {
        String json = TestSupport.resultJson(raw, counter, cpuId, UID, "");
        return new String[] {json, TestSupport.b64(TestSupport.sign(pair.getPrivate(), TestSupport.utf8(json), 20))};
    }

    private String[] signed(String raw, long counter) {
        return signed(raw, counter, CPU);
    }

    private static ResultJson auth(ReplayGuard g, PublicKey k, String[] r, String subject) {
        return g.authenticate(k, r[0], r[1], subject, CPU, UID);
    }

    /** What every store must do. */
    private void suite(ReplayGuard g) throws Exception {
        try (PublicKey k = key(); PublicKey other = PublicKey.load(TestSupport.pem(TestSupport.rsa(2048).getPublic()))) {
            String c = g.issueChallenge("user-42", TTL);
            assertEquals(43, c.length());
            String[] r = signed(c, 10);
            assertThrows(SignatureInvalidException.class, () -> g.authenticate(other, r[0], r[1], "user-42"));
            assertEquals(OptionalLong.empty(), g.lastCounter("user-42", CPU, UID));
            assertEquals(10, auth(g, k, r, "user-42").counter());
            assertEquals(OptionalLong.of(10), g.lastCounter("user-42", CPU, UID));
            assertThrows(ChallengeMismatchException.class, () -> auth(g, k, r, "user-42"));

            // Another subject's challenge; never issued; expired.
            String[] alice = signed(g.issueChallenge("alice", TTL), 1);
            assertThrows(ChallengeMismatchException.class, () -> auth(g, k, alice, "mallory"));
            assertEquals(1, auth(g, k, alice, "alice").counter());
            assertThrows(ChallengeMismatchException.class, () -> auth(g, k, signed(Soter.newChallenge(), 2), "alice"));
            String[] late = signed(g.issueChallenge("alice", Duration.ofMillis(100)), 3);
            Thread.sleep(250);
            assertThrows(ChallengeMismatchException.class, () -> auth(g, k, late, "alice"));

            // Counters: equal and lower refused, the challenge consumed all the same; a second device.
            assertEquals(20, auth(g, k, signed(g.issueChallenge("n", TTL), 20), "n").counter());
            String c2 = g.issueChallenge("n", TTL);
            assertThrows(CounterReplayException.class, () -> auth(g, k, signed(c2, 20), "n"));
            assertThrows(ChallengeMismatchException.class, () -> auth(g, k, signed(c2, 21), "n"));
            assertThrows(CounterReplayException.class, () -> auth(g, k, signed(g.issueChallenge("n", TTL), 19), "n"));
            String[] second = signed(g.issueChallenge("n", TTL), 5, "cpu-0002");
            assertEquals(5, g.authenticate(k, second[0], second[1], "n").counter());
            assertEquals(OptionalLong.of(20), g.lastCounter("n", CPU, UID));
            assertEquals(OptionalLong.of(5), g.lastCounter("n", "cpu-0002", UID));

            // Device mismatch consumes the challenge and leaves the counter alone.
            String[] d = signed(g.issueChallenge("dev", TTL), 30);
            assertThrows(DeviceMismatchException.class, () -> g.authenticate(k, d[0], d[1], "dev", "other", null));
            assertThrows(ChallengeMismatchException.class, () -> auth(g, k, d, "dev"));
            assertEquals(OptionalLong.empty(), g.lastCounter("dev", CPU, UID));

            // accept, with a counter above Long.MAX_VALUE (unsigned 64-bit).
            String big = "18446744073709551615";
            ResultJson top = g.accept(TestSupport.resultJson(g.issueChallenge("acc", TTL), 0, CPU, UID, "")
                    .replace("\"counter\":0", "\"counter\":" + big), "acc");
            assertEquals(big, Long.toUnsignedString(top.counter()));
            assertEquals(big, Long.toUnsignedString(g.lastCounter("acc", CPU, UID).getAsLong()));
            assertThrows(InvalidJsonException.class, () -> g.accept("{\"raw\":", "acc"));

            // Eight threads present one result: exactly one wins.
            String[] race = signed(g.issueChallenge("race", TTL), 40);
            CyclicBarrier barrier = new CyclicBarrier(8);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> futures = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    futures.add(pool.submit(() -> {
                        barrier.await();
                        try {
                            return String.valueOf(auth(g, k, race, "race").counter());
                        } catch (ChallengeMismatchException e) {
                            return "ChallengeMismatch";
                        }
                    }));
                }
                List<String> verdicts = new ArrayList<>();
                for (Future<String> f : futures) {
                    verdicts.add(f.get());
                }
                assertEquals(1, verdicts.stream().filter("40"::equals).count(), verdicts.toString());
                assertEquals(7, verdicts.stream().filter("ChallengeMismatch"::equals).count(), verdicts.toString());
            } finally {
                pool.shutdown();
            }

            // Bad arguments.
            assertThrows(InvalidInputException.class, () -> g.issueChallenge("", TTL));
            assertThrows(IllegalArgumentException.class, () -> g.issueChallenge("u", Duration.ZERO));
            assertThrows(InvalidArgumentException.class, () -> g.issueChallenge("u", Duration.ofDays(2)));
            assertThrows(NullPointerException.class, () -> g.issueChallenge(null, TTL));
        }
    }

    @Test
    void memoryPassesTheSuite() throws Exception {
        try (ReplayGuard g = ReplayGuard.memory()) {
            suite(g);
            assertTrue(g.toString().contains("MemoryStore"), g.toString());
        }
    }

    @Test
    void redisPassesTheSuite() throws Exception {
        try (TestRedis server = TestRedis.launch(); ReplayGuard g = ReplayGuard.redis(server.url())) {
            suite(g);
        }
    }

    @Test
    void clusterPassesTheSuite() throws Exception {
        TestRedis.requireRedis("Redis Cluster tests");
        try (TestRedis.Cluster cluster = new TestRedis.Cluster();
                ReplayGuard g = ReplayGuard.redisCluster(cluster.urls(),
                        ReplayGuard.RedisOptions.defaults().prefix("java:"))) {
            suite(g);
        }
    }

    @Test
    void redisGoingAwayFailsClosedThenRecovers() throws Exception {
        try (TestRedis server = TestRedis.launch();
                ReplayGuard g = ReplayGuard.redis(server.url(),
                        ReplayGuard.RedisOptions.defaults().timeout(Duration.ofMillis(300)));
                PublicKey k = key()) {
            String[] a = signed(g.issueChallenge("fault", TTL), 600);
            String[] b = signed(g.issueChallenge("fault", TTL), 601);
            assertEquals(600, auth(g, k, a, "fault").counter());
            server.stop();
            long t = System.nanoTime();
            assertThrows(StoreUnavailableException.class, () -> auth(g, k, b, "fault"));
            assertTrue(System.nanoTime() - t < 1_000_000_000L);
            assertThrows(StoreUnavailableException.class, () -> g.issueChallenge("fault", TTL));
            server.start();
            assertEquals(700, auth(g, k, signed(g.issueChallenge("fault", TTL), 700), "fault").counter());
        }
    }

    @Test
    void passwordsStayOutOfToStringAndMessages() throws Exception {
        String pw = "java-hunter2-secret";
        try (ReplayGuard g = ReplayGuard.redis("redis://:" + pw + "@127.0.0.1:1/0",
                ReplayGuard.RedisOptions.defaults().timeout(Duration.ofMillis(300)))) {
            assertFalse(g.toString().contains(pw), g.toString());
            assertTrue(g.toString().contains("***@127.0.0.1:1"), g.toString());
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> g.issueChallenge("pw", TTL));
            assertFalse(e.getMessage().contains(pw) || e.toString().contains(pw), e.toString());
        }
        ConfigException e = assertThrows(ConfigException.class,
                () -> ReplayGuard.redis("redis://:" + pw + "@127.0.0.1:notaport"));
        assertFalse(e.getMessage().contains(pw), e.getMessage());
        try (ReplayGuard c = ReplayGuard.redisCluster(List.of("redis://:" + pw + "@127.0.0.1:1"))) {
            assertFalse(c.toString().contains(pw), c.toString());
        }
        assertThrows(ConfigException.class,
                () -> ReplayGuard.redis("redis://127.0.0.1", ReplayGuard.RedisOptions.defaults().prefix("a{b}")));
        assertThrows(IllegalArgumentException.class, () -> ReplayGuard.redisCluster(List.of()));
    }

    @Test
    void memoryBoundRefusesToGrow() throws Exception {
        try (ReplayGuard g = ReplayGuard.memory(100, 10)) {
            for (int i = 0; i < 99; i++) {
                g.issueChallenge("u" + i, TTL);
            }
            g.issueChallenge("short", Duration.ofMillis(500));
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
                    () -> g.issueChallenge("one-more", TTL));
            assertTrue(e.getMessage().contains("maximum of 100 pending challenges"), e.getMessage());
            Thread.sleep(600);
            g.issueChallenge("one-more", TTL); // the expired ones made room
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsThrow() throws Exception {
        ReplayGuard g = ReplayGuard.memory();
        g.close();
        g.close();
        assertTrue(g.isClosed() && g.toString().endsWith(", closed]"));
        assertThrows(IllegalStateException.class, () -> g.issueChallenge("u", TTL));
    }

    @Test
    void authenticateViaWeChat() throws Exception {
        try (WeChatEmulator emu = WeChatEmulator.start("wxguard", "guard-secret");
                Device dev = Device.create();
                WeChatClient client = WeChatClient.builder("wxguard", "guard-secret").baseUrl(emu.baseUrl()).build();
                ReplayGuard g = ReplayGuard.memory()) {
            emu.registerDevice("o_guard", dev);
            String c = g.issueChallenge("mini", TTL);
            SignedData s = dev.signResult(c);
            String forged = s.json().replace("\"fid\":\"", "\"fid\":\"9");
            assertThrows(SignatureInvalidException.class,
                    () -> g.authenticateViaWeChat(client, "o_guard", forged, s.signature(), "mini"));
            ResultJson r = g.authenticateViaWeChat(client, "o_guard", s.json(), s.signature(), "mini", dev.cpuId(), null);
            assertEquals(c, r.raw());
            assertThrows(ChallengeMismatchException.class,
                    () -> g.authenticateViaWeChat(client, "o_guard", s.json(), s.signature(), "mini"));
        }
    }
}
