package io.soterverify.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.SignatureInvalidException;
import io.soterverify.StoreUnavailableException;
import io.soterverify.TestRedis;
import io.soterverify.TokenException;
import io.soterverify.WeChatApiException;
import io.soterverify.WeChatClient;
import io.soterverify.testing.Device;
import io.soterverify.testing.Fault;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The health contributor and the Micrometer meters, against the emulator and an unreachable Redis. */
class ActuatorTest {
    private static final String APPID = "wx-actuator";
    private static final String SECRET = "actuator-secret-8f21";
    private static WeChatEmulator emu;
    private static Device phone;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SoterAutoConfiguration.class, SoterHealthAutoConfiguration.class,
                    SoterMetricsAutoConfiguration.class, HealthContributorAutoConfiguration.class,
                    MetricsAutoConfiguration.class))
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues("soter.wechat.app-id=" + APPID, "soter.wechat.app-secret=" + SECRET,
                    "soter.wechat.max-attempts=1");

    @BeforeAll
    static void start() {
        emu = WeChatEmulator.start(APPID, SECRET);
        phone = Device.pooled();
        emu.registerDevice("o_act", phone);
    }

    @AfterAll
    static void stop() {
        emu.close();
    }

    private static Health part(HealthContributor soter, String name) {
        return ((HealthIndicator) ((CompositeHealthContributor) soter).getContributor(name)).health();
    }

    @Test
    void healthOfTheStoreAndOfTheToken() {
        emu.clearFaults();
        runner.withPropertyValues("soter.wechat.base-url=" + emu.baseUrl(), "soter.wechat.token-retry-max=1ms")
                .run(context -> {
                    HealthContributor soter = context.getBean("soterHealthContributor", HealthContributor.class);
                    WeChatClient client = context.getBean(WeChatClient.class);
                    assertEquals(Status.UP, part(soter, "store").getStatus());
                    assertEquals(Status.UP, part(soter, "wechat").getStatus());
                    assertEquals("not fetched yet", part(soter, "wechat").getDetails().get("token"));

                    // The token source fails: DOWN, from the call the application made.
                    emu.injectFault(Fault.SYSTEM_BUSY, -1, "/cgi-bin/stable_token");
                    SignedData s = phone.signResult("act-1");
                    assertThrows(TokenException.class, () -> client.soterVerifySignature("o_act", s.json(), s.signature()));
                    emu.resetCounters();
                    Health down = part(soter, "wechat");
                    assertEquals(Status.DOWN, down.getStatus());
                    assertEquals("failing", down.getDetails().get("token"));
                    assertFalse(down.toString().contains(SECRET));
                    for (int i = 0; i < 5; i++) {
                        part(soter, "wechat");
                    }
                    assertEquals(0, emu.counters().totalRequests(), "a probe called WeChat");

                    // WeChat is back: the next call gets a token, the indicator follows.
                    emu.clearFaults();
                    Thread.sleep(20);   // the 1 ms failure hold has passed
                    assertTrue(client.soterVerifySignature("o_act", s.json(), s.signature()));
                    Health up = part(soter, "wechat");
                    assertEquals(Status.UP, up.getStatus());
                    assertEquals("obtained", up.getDetails().get("token"));
                    assertTrue((Long) up.getDetails().get("tokenFetches") >= 1);
                });
    }

    @Test
    void aStoreThatDoesNotAnswerIsDownAndCounted() throws Exception {
        int port = TestRedis.freePort();   // nothing listens there
        runner.withPropertyValues("soter.replay.redis-url=redis://:Actuator-Redis-Pw@127.0.0.1:" + port,
                "soter.replay.timeout=200ms", "soter.wechat.base-url=" + emu.baseUrl()).run(context -> {
                    Health store = part(context.getBean("soterHealthContributor", HealthContributor.class), "store");
                    assertEquals(Status.DOWN, store.getStatus());
                    assertTrue(store.toString().contains("StoreUnavailableException"), store.toString());
                    assertFalse(store.toString().contains("Actuator-Redis-Pw"), store.toString());
                    ReplayGuard guard = context.getBean(ReplayGuard.class);
                    assertThrows(StoreUnavailableException.class, () -> guard.issueChallenge("u"));
                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    // The probe's ping and the call: both observed.
                    assertEquals(2.0, meters.get("soter.store.unavailable").counter().count());
                    assertEquals(1, meters.get("soter.store.calls").tag("operation", "issueChallenge")
                            .tag("outcome", "store_unavailable").timer().count());
                });
    }

    @Test
    void metersForVerificationsStoreCallsAndWeChat() {
        emu.clearFaults();
        runner.withPropertyValues("soter.wechat.base-url=" + emu.baseUrl()).run(context -> {
            ReplayGuard guard = context.getBean(ReplayGuard.class);
            WeChatClient client = context.getBean(WeChatClient.class);
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            try (PublicKey key = phone.publicKey()) {
                SignedData ok = phone.signResult(guard.issueChallenge("m"));
                guard.authenticate(key, ok.json(), ok.signature(), "m");
                SignedData bad = phone.signResult(guard.issueChallenge("m"));
                assertThrows(SignatureInvalidException.class, () -> guard.authenticate(key,
                        bad.json().replace("\"fid\":\"", "\"fid\":\"9"), bad.signature(), "m"));
                assertThrows(Exception.class, () -> guard.authenticate(key, ok.json(), ok.signature(), "m"));
            }
            assertEquals(1.0, meters.get("soter.verifications").tag("outcome", "accepted").counter().count());
            assertEquals(1.0, meters.get("soter.verifications").tag("outcome", "signature_invalid").counter().count());
            assertEquals(1.0, meters.get("soter.verifications").tag("outcome", "challenge_mismatch").counter().count());
            assertEquals(2, meters.get("soter.store.calls").tag("operation", "issueChallenge").tag("outcome", "ok")
                    .timer().count());
            assertTrue(meters.get("soter.store.calls").tag("operation", "authenticate").timer().totalTime(
                    java.util.concurrent.TimeUnit.NANOSECONDS) > 0);

            SignedData s = phone.signResult("m-wechat");
            assertTrue(client.soterVerifySignature("o_act", s.json(), s.signature()));
            emu.injectFault(Fault.SYSTEM_BUSY, 1, "/cgi-bin/soter/verify_signature");
            assertThrows(WeChatApiException.class, () -> client.soterVerifySignature("o_act", s.json(), s.signature()));
            assertEquals(1, meters.get("soter.wechat.calls").tag("endpoint", "soter/verify_signature")
                    .tag("errcode", "0").timer().count());
            assertEquals(1, meters.get("soter.wechat.calls").tag("endpoint", "soter/verify_signature")
                    .tag("errcode", "-1").timer().count());
            assertEquals(1.0, meters.get("soter.wechat.token.fetches").functionCounter().count());
            assertEquals(0.0, meters.get("soter.wechat.retries").functionCounter().count());   // max-attempts 1
            assertEquals(3.0, meters.get("soter.wechat.http.requests").functionCounter().count());
        });
    }

    @Test
    void switchedOffOrWithoutActuatorAndMicrometerThereIsNothing() {
        runner.withPropertyValues("management.health.soter.enabled=false", "soter.wechat.base-url=" + emu.baseUrl())
                .run(context -> {
                    assertFalse(context.containsBean("soterHealthContributor"));
                    assertTrue(context.containsBean("soterMetrics"));
                });
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SoterAutoConfiguration.class, SoterHealthAutoConfiguration.class,
                        SoterMetricsAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate", "io.micrometer.core"))
                .run(context -> {
                    assertTrue(context.getStartupFailure() == null, String.valueOf(context.getStartupFailure()));
                    assertTrue(context.containsBean("soterReplayGuard"));
                    assertFalse(context.containsBean("soterHealthContributor"));
                    assertFalse(context.containsBean("soterMetrics"));
                });
    }
}
