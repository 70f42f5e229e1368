package io.soterverify.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.ChallengeMismatchException;
import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.StoreUnavailableException;
import io.soterverify.TestRedis;
import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment properties of the guard: soter.replay.sentinel.* against a real master and
 * Sentinel, wait-replicas and max-challenges-per-subject reaching the library, their refusals,
 * and their defaults in the generated metadata.
 */
class DeployPropertiesTest {
    private static final Duration TTL = Duration.ofMinutes(1);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SoterAutoConfiguration.class));

    @Test
    void sentinelPropertiesBuildASentinelGuard() throws Exception {
        String masterPw = "starter-m4ster/pw?#@1";
        String sentinelPw = "starter-s3ntinel-pw";
        try (TestRedis master = TestRedis.launch("--requirepass", masterPw);
                TestRedis sentinel = TestRedis.sentinel("starter-master", master.port, masterPw, sentinelPw);
                Device phone = Device.create();
                PublicKey key = phone.publicKey()) {
            runner.withPropertyValues(
                    // host:port alone means redis://host:port
                    "soter.replay.sentinel.nodes=127.0.0.1:" + sentinel.port,
                    "soter.replay.sentinel.master=starter-master",
                    "soter.replay.sentinel.password=" + masterPw,
                    "soter.replay.sentinel.sentinel-password=" + sentinelPw,
                    "soter.replay.sentinel.db=2",
                    "soter.replay.prefix=st:",
                    "soter.replay.timeout=2s").run(context -> {
                        assertFalse(context.getStartupFailure() != null, String.valueOf(context.getStartupFailure()));
                        ReplayGuard guard = context.getBean(ReplayGuard.class);
                        String shown = guard.toString();
                        assertTrue(shown.contains("sentinel redis://127.0.0.1:" + sentinel.port)
                                && shown.contains("starter-master"), shown);
                        assertFalse(shown.contains(masterPw) || shown.contains(sentinelPw), shown);
                        guard.ping();
                        String challenge = guard.issueChallenge("user-s", TTL);
                        SignedData r = phone.signResult(challenge);
                        guard.authenticate(key, r.json(), r.signature(), "user-s", phone.cpuId(), phone.uid());
                        assertThrows(ChallengeMismatchException.class, () -> guard.authenticate(key, r.json(),
                                r.signature(), "user-s", phone.cpuId(), phone.uid()));
                        String keys = master.cli("-a", masterPw, "--no-auth-warning", "-n", "2", "--scan", "--pattern",
                                "st:*");
                        assertFalse(keys.isBlank(), "no key under st: in database 2 of the master");
                    });
            // An unusable service name names its property, and no password.
            runner.withPropertyValues("soter.replay.sentinel.nodes=redis://127.0.0.1:" + sentinel.port,
                    "soter.replay.sentinel.master=no such master", "soter.replay.sentinel.password=" + masterPw)
                    .run(context -> {
                        SoterConfigurationException e = find(context.getStartupFailure());
                        assertEquals("soter.replay.sentinel.master", e.property(), e.getMessage());
                        assertFalse(e.getMessage().contains(masterPw), e.getMessage());
                    });
        }
    }

    @Test
    void waitReplicasAndPerSubjectBoundReachTheGuard() throws Exception {
        try (TestRedis redis = TestRedis.launch(); Device phone = Device.create(); PublicKey key = phone.publicKey()) {
            runner.withPropertyValues("soter.replay.redis-url=" + redis.url(), "soter.replay.wait-replicas=1",
                    "soter.replay.max-challenges-per-subject=3", "soter.replay.timeout=500ms").run(context -> {
                        ReplayGuard guard = context.getBean(ReplayGuard.class);
                        String shown = guard.toString();
                        assertTrue(shown.contains("wait_replicas: 1") && shown.contains("max_challenges_per_subject: 3"),
                                shown);
                        // No replica acknowledges: the login fails closed.
                        SignedData r = phone.signResult(guard.issueChallenge("user-w", TTL));
                        assertThrows(StoreUnavailableException.class, () -> guard.authenticate(key, r.json(),
                                r.signature(), "user-w", phone.cpuId(), phone.uid()));
                    });
        }
        runner.withPropertyValues("soter.replay.max-challenges-per-subject=2").run(context -> {
            ReplayGuard guard = context.getBean(ReplayGuard.class);
            assertTrue(guard.toString().contains("MemoryStore")
                    && guard.toString().contains("max_challenges_per_subject: 2"), guard.toString());
        });
        runner.run(context -> {
            String shown = context.getBean(ReplayGuard.class).toString();
            assertTrue(shown.contains("max_challenges_per_subject: 16"), shown);
        });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "soter.replay.wait-replicas | soter.replay.wait-replicas=1",
        "soter.replay.wait-replicas | soter.replay.redis-url=redis://127.0.0.1:6379, soter.replay.wait-replicas=-1",
        "soter.replay.max-challenges-per-subject | soter.replay.max-challenges-per-subject=0",
        "soter.replay.max-challenges-per-subject | soter.replay.redis-url=redis://127.0.0.1:6379, soter.replay.max-challenges-per-subject=1025",
        "soter.replay.timeout | soter.replay.redis-url=redis://127.0.0.1:6379, soter.replay.timeout=2h",
        "soter.replay.sentinel.master | soter.replay.sentinel.nodes=redis://127.0.0.1:26379",
        "soter.replay.sentinel.password | soter.replay.sentinel.password=starter-secret-pw",
        "soter.replay.sentinel.sentinel-password | soter.replay.sentinel.sentinel-password=starter-secret-pw",
        "soter.replay.sentinel.db | soter.replay.sentinel.db=3",
        "soter.replay.sentinel.db | soter.replay.sentinel.nodes=redis://127.0.0.1:26379, soter.replay.sentinel.master=m, soter.replay.sentinel.db=-1",
        "soter.replay.redis-url | soter.replay.redis-url=redis://127.0.0.1:6379, soter.replay.sentinel.nodes=redis://127.0.0.1:26379",
        "soter.replay.redis-cluster-nodes | soter.replay.redis-cluster-nodes=redis://127.0.0.1:7000, soter.replay.sentinel.nodes=redis://127.0.0.1:26379",
        "soter.replay.max-devices | soter.replay.sentinel.nodes=redis://127.0.0.1:26379, soter.replay.sentinel.master=m, soter.replay.max-devices=5",
    })
    void refusalsNameTheProperty(String property, String settings) {
        runner.withPropertyValues(settings.split(", ")).run(context -> {
            SoterConfigurationException e = find(context.getStartupFailure());
            assertEquals(property, e.property(), settings + ": " + e.getMessage());
            assertFalse(e.getMessage().contains("starter-secret-pw"), e.getMessage());
        });
    }

    @SuppressWarnings("unchecked")
    @Test
    void metadataShowsTheDefaults() throws Exception {
        Map<String, Object> metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertTrue(in != null, "spring-configuration-metadata.json was not generated");
            metadata = new Yaml().load(new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\\/", "/"));
        }
        Map<String, Object> defaults = new java.util.HashMap<>();
        for (Object p : (List<Object>) metadata.get("properties")) {
            Map<String, Object> property = (Map<String, Object>) p;
            defaults.put((String) property.get("name"), property.get("defaultValue"));
        }
        assertEquals(0, defaults.get("soter.replay.wait-replicas"));
        assertEquals(ReplayGuard.DEFAULT_MAX_CHALLENGES_PER_SUBJECT, defaults.get("soter.replay.max-challenges-per-subject"));
        assertEquals(0, defaults.get("soter.replay.sentinel.db"));
        for (String name : List.of("soter.replay.sentinel.nodes", "soter.replay.sentinel.master",
                "soter.replay.sentinel.password", "soter.replay.sentinel.sentinel-password")) {
            assertTrue(defaults.containsKey(name), name + " is not in the metadata");
        }
    }

    private static SoterConfigurationException find(Throwable t) {
        assertTrue(t != null, "the context started");
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SoterConfigurationException e) {
                return e;
            }
        }
        throw new AssertionError("no SoterConfigurationException in " + t, t);
    }
}
