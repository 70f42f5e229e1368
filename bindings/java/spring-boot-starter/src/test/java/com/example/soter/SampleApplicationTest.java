package com.example.soter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.TimeoutException;
import io.soterverify.WeChatApiException;
import io.soterverify.WeChatClient;
import io.soterverify.testing.Fault;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.TestKeyPair;
import io.soterverify.testing.WeChatEmulator;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The README's sample application with the starter's beans from properties: the WeChat client
 * against the emulator (stable_token, retry and timeout settings), the ASK, the in-memory guard,
 * and both sample controllers end to end.
 */
@SpringBootTest(classes = SampleApplication.class, properties = {
        "soter.wechat.app-id=wx-starter-sample",
        "soter.wechat.token-source=stable",
        "soter.wechat.max-attempts=2",
        "soter.wechat.backoff-base=10ms",
        "soter.wechat.backoff-max=20ms",
        "soter.wechat.timeout=400ms",
        "soter.wechat.connect-timeout=1s",
        "soter.wechat.refresh-margin=60s",
        "soter.wechat.max-response-size=64KB"})
class SampleApplicationTest {
    private static final String APP_SECRET = "sample-app-secret-7f3a";
    private static WeChatEmulator emulator;
    private static TestKeyPair askPair;
    /** One simulated phone for every test (RSA key generation is the slow part). */
    private static io.soterverify.testing.Device phone;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        emulator = WeChatEmulator.start("wx-starter-sample", APP_SECRET);
        askPair = TestKeyPair.generate(2048);
        phone = io.soterverify.testing.Device.create();
        String askPem = askPair.publicKeyPem();
        registry.add("soter.wechat.base-url", emulator::baseUrl);
        registry.add("soter.wechat.app-secret", () -> APP_SECRET);
        registry.add("soter.ask-pem", () -> askPem);
    }

    @AfterAll
    static void stop() {
        emulator.close();
        askPair.close();
        phone.close();
    }

    @AfterEach
    void clearFaults() {
        emulator.clearFaults();
    }

    @Autowired
    ApplicationContext context;
    @Autowired
    WeChatClient wechat;
    @Autowired
    ReplayGuard guard;
    @Autowired
    PublicKey ask;
    @Autowired
    SoterController soter;
    @Autowired
    MiniProgramLogin miniProgram;

    @Test
    void beansComeFromProperties() throws Exception {
        assertEquals(1, context.getBeansOfType(WeChatClient.class).size());
        assertEquals("wx-starter-sample", wechat.appId());
        assertTrue(wechat.toString().contains("stable_token"), wechat.toString());
        assertTrue(guard.toString().contains("MemoryStore"), guard.toString());
        try (PublicKey expected = PublicKey.load(askPair.publicKeyPem())) {
            assertTrue(ask.sameKeyAs(expected));
        }
        assertSame(wechat, context.getBean("soterWeChatClient"));
        assertSame(guard, context.getBean("soterReplayGuard"));
        assertSame(ask, context.getBean("soterAsk"));
    }

    @Test
    void nativeAppRegistersAndLogsIn() throws Exception {
        SignedData authKey = phone.signedAuthKey(askPair);
        soter.register(new RegisterRequest(authKey.json(), authKey.signature()), "user-1");

        SignedData result = phone.signResult(soter.challenge("user-1"));
        LoginRequest login = new LoginRequest(result.json(), result.signature());
        assertEquals("welcome", soter.login(login, "user-1").getBody());
        assertEquals(401, soter.login(login, "user-1").getStatusCode().value(), "a replay must be refused");
    }

    @Test
    void miniProgramLogsInThroughWeChat() throws Exception {
        emulator.registerDevice("o_sample", phone);
        SignedData result = phone.signResult(miniProgram.challenge("o_sample"));
        LoginRequest login = new LoginRequest(result.json(), result.signature());
        assertEquals(200, miniProgram.login(login, "o_sample").getStatusCode().value());
        assertEquals(401, miniProgram.login(login, "o_sample").getStatusCode().value());
        assertTrue(emulator.requestsTo("/cgi-bin/stable_token") >= 1, "token-source stable uses stable_token");
        assertEquals(0, emulator.requestsTo("/cgi-bin/token"));
    }

    @Test
    void faceVerification() throws Exception {
        emulator.registerPerson("o_face", "张三", "310101199801011234");
        String verifyId = miniProgram.startFace(new FaceRequest("张三", "310101199801011234", "seq-1", "o_face"));
        assertTrue(miniProgram.faceResult(new FaceResult(verifyId, "seq-1", "张三", "310101199801011234", "o_face")));
    }

    @Test
    void maxAttemptsAndBackoffApply() throws Exception {
        emulator.registerDevice("o_retry", phone);
        SignedData r = phone.signResult("retry-challenge");
        assertTrue(wechat.soterVerifySignature("o_retry", r.json(), r.signature()));
        long retries = wechat.stats().retries();
        emulator.injectFault(Fault.SYSTEM_BUSY, 1);
        assertTrue(wechat.soterVerifySignature("o_retry", r.json(), r.signature()));
        assertEquals(retries + 1, wechat.stats().retries());
        // Two busy answers exhaust max-attempts=2 (the library's default of 3 would succeed).
        emulator.injectFault(Fault.SYSTEM_BUSY, 2);
        WeChatApiException e = assertThrows(WeChatApiException.class,
                () -> wechat.soterVerifySignature("o_retry", r.json(), r.signature()));
        assertEquals(-1, e.errcode());
    }

    @Test
    void timeoutApplies() throws Exception {
        emulator.registerDevice("o_slow", phone);
        SignedData r = phone.signResult("slow-challenge");
        assertTrue(wechat.soterVerifySignature("o_slow", r.json(), r.signature()));
        emulator.injectDelay(Duration.ofMillis(1500), 2);
        long t0 = System.nanoTime();
        assertThrows(TimeoutException.class, () -> wechat.soterVerifySignature("o_slow", r.json(), r.signature()));
        assertTrue(System.nanoTime() - t0 < 1_400_000_000L, "timeout=400ms was not honoured");
        assertFalse(wechat.isClosed());
    }
}
