package io.soterverify.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.ChallengeMismatchException;
import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.TestRedis;
import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The ReplayGuard bean on a real redis-server (password in the URL, prefix, timeout), shared with a
 * second instance. Without redis-server: skipped loudly; with SOTER_REQUIRE_REDIS=1: failed. (The
 * guard's behaviour on a Cluster is the core's to test; PropertiesTest checks the nodes reach it.)
 */
@SpringBootTest(classes = RedisReplayTest.App.class, properties = {
        "soter.replay.prefix=starter-test:",
        "soter.replay.timeout=2s"})
class RedisReplayTest {
    private static final String PASSWORD = "starter-redis-pw-91c2";
    private static final Duration TTL = Duration.ofMinutes(1);
    private static TestRedis redis;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {}

    @BeforeAll
    static void startRedis() throws Exception {
        try {
            redis = TestRedis.launch("--requirepass", PASSWORD);
        } catch (TestAbortedException noRedis) {
            // Skipped in the test method instead, where Surefire counts and reports it.
        }
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static String url() {
        // Without redis-server the context still starts (a Redis guard connects on first use).
        return "redis://:" + PASSWORD + "@127.0.0.1:" + (redis == null ? 1 : redis.port) + "/0";
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("soter.replay.redis-url", RedisReplayTest::url);
    }

    @Autowired
    ReplayGuard guard;

    @Test
    void guardIsOnRedisWithThePrefix() throws Exception {
        if (redis == null) {
            TestRedis.requireRedis("Redis tests");
        }
        String shown = guard.toString();   // RedisStore { url: "redis://***@127.0.0.1:PORT/0", prefix: .., timeout: .. }
        assertTrue(shown.contains("RedisStore") && shown.contains(":" + redis.port), shown);
        assertTrue(shown.contains("prefix: \"starter-test:\"") && shown.contains("timeout: 2s"), shown);
        assertFalse(shown.contains(PASSWORD), shown);
        try (Device phone = Device.create(); PublicKey key = phone.publicKey()) {
            String challenge = guard.issueChallenge("user-r", TTL);
            String keys = redis.cli("-a", PASSWORD, "--no-auth-warning", "--scan", "--pattern", "starter-test:*");
            assertFalse(keys.isBlank(), "no key under soter.replay.prefix in Redis");

            SignedData r = phone.signResult(challenge);
            long counter = guard.authenticate(key, r.json(), r.signature(), "user-r", phone.cpuId(), phone.uid()).counter();
            assertThrows(ChallengeMismatchException.class,
                    () -> guard.authenticate(key, r.json(), r.signature(), "user-r", phone.cpuId(), phone.uid()));

            // A second instance of the application (same Redis, same prefix) shares the state.
            try (ReplayGuard other = ReplayGuard.redis(url(), ReplayGuard.RedisOptions.defaults().prefix("starter-test:"))) {
                assertEquals(OptionalLong.of(counter), other.lastCounter("user-r", phone.cpuId(), phone.uid()));
                SignedData next = phone.signResult(guard.issueChallenge("user-r", TTL));
                other.authenticate(key, next.json(), next.signature(), "user-r", phone.cpuId(), phone.uid());
                assertThrows(ChallengeMismatchException.class,
                        () -> guard.authenticate(key, next.json(), next.signature(), "user-r", phone.cpuId(), phone.uid()));
            }
        }
    }
}
