package com.example.soter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.Ask;
import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.TestRedis;
import io.soterverify.TimeoutException;
import io.soterverify.WeChatApiException;
import io.soterverify.WeChatClient;
import io.soterverify.testing.Device;
import io.soterverify.testing.Fault;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.TestKeyPair;
import io.soterverify.testing.TestRoot;
import io.soterverify.testing.WeChatEmulator;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The README's sample application with the starter's beans from properties: the WeChat client
 * against the emulator (stable_token, retry and timeout settings), the guard on a real
 * redis-server, and both sample controllers end to end: per-device enrollment (a certificate-chain
 * ASK checked locally, a classic ASK checked through the emulator's verify_ask, then AuthKeys
 * checked with the stored ASK of their device), SOTER login, mini-program login, face verification.
 * Without redis-server the tests that log in are skipped loudly (failed under SOTER_REQUIRE_REDIS=1).
 */
@SpringBootTest(classes = SampleApplication.class, properties = {
        "soter.wechat.app-id=wx-starter-sample",
        "soter.wechat.token-source=stable",
        "soter.wechat.max-attempts=2",
        "soter.wechat.backoff-base=10ms",
        "soter.wechat.backoff-max=20ms",
        "soter.wechat.timeout=400ms",
        "soter.wechat.attempt-timeout=300ms",
        "soter.wechat.connect-timeout=1s",
        "soter.wechat.refresh-margin=60s",
        "soter.wechat.max-response-size=64KB",
        "soter.replay.prefix=sample:"})
class SampleApplicationTest {
    private static final String APP_SECRET = "sample-app-secret-7f3a";
    private static final String REDIS_PASSWORD = "sample-redis-pw-4e1d";
    private static final String VERIFY_ASK = "/cgi-bin/soter_3rdapp/verify_ask";
    private static TestRedis redis;
    private static WeChatEmulator emulator;
    /** The vendor root the sample trusts (app.ask-roots), and one it does not. */
    private static TestRoot trustedRoot;
    private static TestRoot untrustedRoot;
    /** The factory key the emulator's verify_ask knows, and one it does not. */
    private static TestKeyPair attk;
    private static TestKeyPair unknownAttk;
    /**
     * Three simulated phones, each with its own ASK: A sends a certificate chain (Huawei salt 32),
     * B a classic ASK, C only ASKs that must be refused. Made once (RSA key generation is the slow part).
     */
    private static Device phoneA;
    private static Device phoneB;
    private static Device phoneC;
    private static TestKeyPair askA;
    private static TestKeyPair askB;
    private static TestKeyPair askC;

    @BeforeAll
    static void startRedis() throws Exception {
        try {
            redis = TestRedis.launch("--requirepass", REDIS_PASSWORD);
        } catch (TestAbortedException noRedis) {
            // Skipped in the test methods that need it, where Surefire counts and reports it.
        }
    }

    private static void requireRedis() {
        if (redis == null) {
            TestRedis.requireRedis("Redis tests");
        }
    }

    private static String redisUrl() {
        // Without redis-server the context still starts (a Redis guard connects on first use).
        return "redis://:" + REDIS_PASSWORD + "@127.0.0.1:" + (redis == null ? 1 : redis.port) + "/0";
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        emulator = WeChatEmulator.start("wx-starter-sample", APP_SECRET);
        trustedRoot = TestRoot.generate();
        untrustedRoot = TestRoot.generate();
        attk = TestKeyPair.generate(2048);
        unknownAttk = TestKeyPair.generate(2048);
        emulator.registerAttk(attk.publicKeyPem());
        phoneA = Device.create();
        phoneB = Device.create();
        phoneC = Device.create();
        askA = TestKeyPair.generate(2048);
        askB = TestKeyPair.generate(2048);
        askC = TestKeyPair.generate(2048);
        String rootPem = trustedRoot.rootPem();
        registry.add("soter.wechat.base-url", emulator::baseUrl);
        registry.add("soter.wechat.app-secret", () -> APP_SECRET);
        registry.add("soter.replay.redis-url", SampleApplicationTest::redisUrl);
        registry.add("app.ask-roots", () -> rootPem);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {emulator, trustedRoot, untrustedRoot, attk, unknownAttk,
                phoneA, phoneB, phoneC, askA, askB, askC, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
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
    DeviceStore devices;
    @Autowired
    SoterController soter;
    @Autowired
    MiniProgramLogin miniProgram;

    private static ResponseEntity<String> expect(int status, String body, ResponseEntity<String> response) {
        assertEquals(status, response.getStatusCode().value(), response.getBody());
        assertEquals(body, response.getBody());
        return response;
    }

    /** Phone A's chain and phone B's classic ASK, enrolled (again: a device may re-enroll). */
    private void enrollBothAsks() throws Exception {
        String chain = phoneA.askChain(askA, trustedRoot, true, Device.SALT_LEN_HUAWEI);
        expect(200, "ASK enrolled", soter.enrollAsk(new AskRequest(chain, null, null)));
        SignedData classic = phoneB.classicAsk(askB, attk);
        expect(200, "ASK enrolled", soter.enrollAsk(new AskRequest(null, classic.json(), classic.signature())));
    }

    private ResponseEntity<String> enrollAuthKey(Device phone, SignedData authKey, String userId) throws Exception {
        return soter.enrollAuthKey(new AuthKeyRequest(phone.cpuId(), phone.uid(), authKey.json(), authKey.signature()),
                userId);
    }

    /** Logs in once (welcome), then replays the same result (refused). */
    private void logsInOnce(Device phone, String userId) throws Exception {
        SignedData result = phone.signResult(soter.challenge(userId));
        LoginRequest login = new LoginRequest(result.json(), result.signature());
        expect(200, "welcome", soter.login(login, userId));
        expect(401, "verification failed", soter.login(login, userId));   // a replay
        // The challenges and counters are in Redis, shared by every instance of the application.
        assertTrue(guard.lastCounter(userId, phone.cpuId(), phone.uid()).isPresent());
        assertFalse(redis.cli("-a", REDIS_PASSWORD, "--no-auth-warning", "--scan", "--pattern", "sample:*").isBlank());
    }

    @Test
    void beansComeFromProperties() throws Exception {
        assertEquals(1, context.getBeansOfType(WeChatClient.class).size());
        assertEquals("wx-starter-sample", wechat.appId());
        assertTrue(wechat.toString().contains("stable_token"), wechat.toString());
        String shown = guard.toString();
        assertTrue(shown.contains("RedisStore") && shown.contains("prefix: \"sample:\""), shown);
        assertFalse(shown.contains(REDIS_PASSWORD), shown);
        assertSame(wechat, context.getBean("soterWeChatClient"));
        assertSame(guard, context.getBean("soterReplayGuard"));
        // ASKs are trusted per device: the sample sets no soter.ask-pem, so there is no app-wide ASK bean.
        assertTrue(context.getBeansOfType(PublicKey.class).isEmpty());
        assertFalse(context.containsBean("soterAsk"));
    }

    @Test
    void chainAskThenAuthKeyThenLogin() throws Exception {
        requireRedis();
        enrollBothAsks();
        StoredAsk stored = devices.findAsk(phoneA.cpuId(), phoneA.uid());
        assertEquals(Ask.Format.CERTIFICATE_CHAIN, stored.format());
        assertEquals(OptionalInt.of(Device.SALT_LEN_HUAWEI), stored.rsaPssSaltlen());
        try (PublicKey expected = askA.publicKey(); PublicKey got = PublicKey.load(stored.publicKeyPem())) {
            assertTrue(got.sameKeyAs(expected), "the stored ASK is not phone A's");
        }

        // Signed with the attested salt (32): checked with the ASK rebuilt from storage, salt included.
        expect(200, "AuthKey enrolled", enrollAuthKey(phoneA, phoneA.signedAuthKey(askA, Device.SALT_LEN_HUAWEI),
                "user-chain"));
        assertEquals(phoneA.cpuId(), devices.findAuthKey("user-chain").cpuId());
        logsInOnce(phoneA, "user-chain");
    }

    @Test
    void classicAskThroughWeChatThenAuthKeyThenLogin() throws Exception {
        requireRedis();
        long before = emulator.requestsTo(VERIFY_ASK);
        enrollBothAsks();
        assertEquals(before + 1, emulator.requestsTo(VERIFY_ASK), "the classic ASK goes to verify_ask, the chain not");
        assertEquals(Ask.Format.CLASSIC, devices.findAsk(phoneB.cpuId(), phoneB.uid()).format());

        expect(200, "AuthKey enrolled", enrollAuthKey(phoneB, phoneB.signedAuthKey(askB), "user-classic"));
        logsInOnce(phoneB, "user-classic");
    }

    @Test
    void authKeySignedByAnotherDevicesAskIsRefused() throws Exception {
        enrollBothAsks();
        SignedData forged = phoneA.signedAuthKey(askB);   // phone A's AuthKey, signed by phone B's ASK
        // Checked with phone A's ASK: not its signature.
        expect(403, "AuthKey refused: SIGNATURE_INVALID", enrollAuthKey(phoneA, forged, "user-forged"));
        // Checked with phone B's ASK, which did sign it: the AuthKey is for another device.
        expect(403, "AuthKey refused: DEVICE_MISMATCH", enrollAuthKey(phoneB, forged, "user-forged"));
        // A's own AuthKey signed with A's ASK but the default salt instead of the attested 32.
        expect(403, "AuthKey refused: SIGNATURE_INVALID", enrollAuthKey(phoneA, phoneA.signedAuthKey(askA),
                "user-forged"));
        assertNull(devices.findAuthKey("user-forged"));
        expect(401, "no enrolled device", soter.login(new LoginRequest("{}", "AAAA"), "user-forged"));
    }

    @Test
    void askNotTrustedIsNotStored() throws Exception {
        // A sound chain under a root the application does not trust.
        expect(403, "ASK refused: UNTRUSTED_ROOT",
                soter.enrollAsk(new AskRequest(phoneC.askChain(askC, untrustedRoot), null, null)));
        // Under the trusted root, but the leaf does not attest a device.
        expect(403, "ASK refused: CERTIFICATE_INVALID",
                soter.enrollAsk(new AskRequest(phoneC.askChain(askC, trustedRoot, false, -1), null, null)));
        // A classic ASK signed by a factory key WeChat does not know (verify_ask: is_verified false).
        SignedData classic = phoneC.classicAsk(askC, unknownAttk);
        expect(403, "ASK refused: SIGNATURE_INVALID",
                soter.enrollAsk(new AskRequest(null, classic.json(), classic.signature())));

        assertNull(devices.findAsk(phoneC.cpuId(), phoneC.uid()));
        expect(403, "AuthKey refused: no trusted ASK for this device",
                enrollAuthKey(phoneC, phoneC.signedAuthKey(askC), "user-c"));
        assertNull(devices.findAuthKey("user-c"));
    }

    @Test
    void miniProgramLogsInThroughWeChat() throws Exception {
        requireRedis();
        emulator.registerDevice("o_sample", phoneA);
        SignedData result = phoneA.signResult(miniProgram.challenge("o_sample"));
        LoginRequest login = new LoginRequest(result.json(), result.signature());
        assertEquals(200, miniProgram.login(login, "o_sample").getStatusCode().value());
        assertEquals(401, miniProgram.login(login, "o_sample").getStatusCode().value());
        assertTrue(emulator.requestsTo("/cgi-bin/stable_token") >= 1, "token-source stable uses stable_token");
        assertEquals(0, emulator.requestsTo("/cgi-bin/token"));
    }

    @Test
    void faceVerification() throws Exception {
        requireRedis();
        emulator.registerPerson("o_face", "张三", "310101199801011234");
        String verifyId = miniProgram.startFace(new FaceRequest("张三", "310101199801011234", "seq-1", "o_face"), "o_face");
        FaceResult done = new FaceResult(verifyId, "seq-1", "张三", "310101199801011234", "o_face");
        assertFalse(miniProgram.faceResult(done, "o_other"), "another user's session");
        assertTrue(miniProgram.faceResult(done, "o_face"));
        assertFalse(miniProgram.faceResult(done, "o_face"), "used once");
        String ticket = emulator.issueVerifyResult("o_face");
        assertTrue(miniProgram.faceLegacy(new LegacyFace(ticket, "张三", "310101199801011234"), "o_face"));
        assertFalse(miniProgram.faceLegacy(new LegacyFace(ticket, "张三", "310101199801011234"), "o_face"), "used once");
    }

    @Test
    void maxAttemptsAndBackoffApply() throws Exception {
        emulator.registerDevice("o_retry", phoneA);
        SignedData r = phoneA.signResult("retry-challenge");
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
        emulator.registerDevice("o_slow", phoneA);
        SignedData r = phoneA.signResult("slow-challenge");
        assertTrue(wechat.soterVerifySignature("o_slow", r.json(), r.signature()));
        emulator.injectDelay(Duration.ofMillis(1500), 2);
        long t0 = System.nanoTime();
        assertThrows(TimeoutException.class, () -> wechat.soterVerifySignature("o_slow", r.json(), r.signature()));
        assertTrue(System.nanoTime() - t0 < 1_400_000_000L, "timeout=400ms was not honoured");
        assertFalse(wechat.isClosed());
    }
}
