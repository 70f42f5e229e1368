package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.testing.Device;
import io.soterverify.testing.EmulatorCounters;
import io.soterverify.testing.Fault;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.TestKeyPair;
import io.soterverify.testing.WeChatEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The WeChat client against the in-process emulator, over loopback (127.0.0.1) only. */
@Timeout(60)
class WeChatClientTest {
    static final String APPID = "wx0123456789abcdef";
    static final String SECRET = "java-test-app-secret-DO-NOT-LEAK";
    static final String OPENID = "o_java_user";
    static final String VERIFY_PATH = "/cgi-bin/soter/verify_signature";
    static final String NAME = "张三";
    static final String ID = "310101199801011234";

    static Device device;
    static SignedData signed;

    WeChatEmulator emu;

    @BeforeAll
    static void device() {
        device = Device.create();
        signed = device.signResult(Soter.newChallenge());
    }

    @AfterAll
    static void closeDevice() {
        device.close();
    }

    @BeforeEach
    void start() {
        emu = WeChatEmulator.start(APPID, SECRET);
        assertTrue(emu.baseUrl().startsWith("http://127.0.0.1:"), emu.baseUrl());
        emu.registerDevice(OPENID, device);
    }

    @AfterEach
    void stop() {
        emu.close();
    }

    /** A client on the emulator with small backoffs so retry tests stay fast. */
    WeChatClient.Builder client() {
        return WeChatClient.builder(APPID, SECRET).baseUrl(emu.baseUrl())
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20));
    }

    boolean verify(WeChatClient c) {
        return c.soterVerifySignature(OPENID, signed.json(), signed.signature());
    }

    // ---- soter verify_signature, tokens ----

    @Test
    void verifySignatureFetchesOneTokenOverOneConnection() throws Exception {
        try (WeChatClient c = client().build()) {
            for (int i = 0; i < 100; i++) {
                assertTrue(verify(c));
            }
            assertTrue(c.soterVerifySignature(OPENID, signed.jsonBytes(), signed.signature()));
            EmulatorCounters n = emu.counters();
            assertEquals(1, n.tokenRequests(), n.toString());
            assertEquals(1, n.tokenIssues());
            assertEquals(101, n.verifySignatureRequests());
            assertEquals(1, n.connections());
            assertEquals(1, emu.requestsTo("/cgi-bin/stable_token"));
            assertEquals(101, emu.requestsTo(VERIFY_PATH));
            ClientStats s = c.stats();
            assertEquals(1, s.tokenFetches());
            assertEquals(102, s.httpRequests());
            assertEquals(0, s.retries());
        }
    }

    @Test
    void maxIdleConnectionsReachesTheLibrary() throws Exception {
        // Two rounds of 8 overlapping calls (each answered after 150 ms): the default keeps the
        // first round's 8 connections for the second; a limit of 1 must open most of them again.
        emu.injectFault(Fault.DELAY, -1, Duration.ofMillis(150), VERIFY_PATH);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            long[] opened = new long[2];
            int i = 0;
            for (WeChatClient.Builder b : new WeChatClient.Builder[] {client(), client().maxIdleConnections(1)}) {
                try (WeChatClient c = b.build()) {
                    verify(c); // the token first, so the rounds are verify calls only
                    for (int round = 0; round < 2; round++) {
                        long before = emu.counters().connections();
                        java.util.List<java.util.concurrent.CompletableFuture<Boolean>> calls = new java.util.ArrayList<>();
                        for (int k = 0; k < 8; k++) {
                            calls.add(c.soterVerifySignatureAsync(OPENID, signed.json(), signed.signature(), pool));
                        }
                        for (java.util.concurrent.CompletableFuture<Boolean> f : calls) {
                            assertTrue(f.get());
                        }
                        if (round == 1) {
                            opened[i] = emu.counters().connections() - before;
                        }
                    }
                }
                i++;
            }
            assertTrue(opened[0] <= 1, "the default kept the connections: " + opened[0] + " opened again");
            assertTrue(opened[1] >= 5, "a limit of 1 kept them anyway: " + opened[1] + " opened again");
        } finally {
            pool.shutdownNow();
            emu.clearFaults();
        }
    }

    @Test
    void unpairedSurrogatesAreRefusedBeforeAnyCall() throws Exception {
        // getBytes(UTF_8) would send "?" for them: another user's openid, another person's name.
        try (WeChatClient c = client().build()) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> c.soterVerifySignature("o\uD800", signed.json(), signed.signature()));
            assertTrue(e.getMessage().contains("surrogate"), e.getMessage());
            assertThrows(InvalidArgumentException.class,
                    () -> c.soterVerifySignature(OPENID, signed.json() + "\uDC00", signed.signature()));
            assertThrows(InvalidArgumentException.class,
                    () -> c.faceGetVerifyId("seq-1", CertInfo.of("IDENTITY_CARD", "\uD800", "310101199801011234"), OPENID));
            assertEquals(0, emu.requestsTo(VERIFY_PATH), "nothing reached WeChat");
            assertTrue(verify(c), "the same client still works");
        }
        assertThrows(InvalidArgumentException.class, () -> WeChatClient.builder(APPID + "\uD800", SECRET).build());
    }

    @Test
    void errcodeZeroWithIsOkFalseIsFalseNotAnException() throws Exception {
        String json = signed.json();
        String tampered = json.replace("\"raw\"", "\"raW\"");
        assertFalse(tampered.equals(json));
        try (WeChatClient c = client().build()) {
            assertFalse(c.soterVerifySignature(OPENID, tampered, signed.signature()));
            SignedData other = device.signResult("another challenge");
            assertFalse(c.soterVerifySignature(OPENID, json, other.signature()));
            assertTrue(c.soterVerifySignature(OPENID, other.json(), other.signature()));
        }
    }

    @Test
    void huaweiSaltThirtyTwo() throws Exception {
        SignedData h = device.signResult(Soter.newChallenge(), Device.SALT_LEN_HUAWEI);
        assertTrue(h.json().contains("\"rsa_pss_saltlen\":32"));
        try (WeChatClient c = client().build()) {
            assertTrue(c.soterVerifySignature(OPENID, h.json(), h.signature()));
        }
    }

    @Test
    void weChatApiExceptionCarriesErrcodeAndErrmsg() throws Exception {
        try (WeChatClient c = client().build()) {
            WeChatApiException e = assertThrows(WeChatApiException.class,
                    () -> c.soterVerifySignature("o_unknown", signed.json(), signed.signature()));
            assertEquals(40003, e.errcode());
            assertFalse(e.errmsg().isEmpty());
            assertEquals(Status.WECHAT_API, e.status());
            assertFalse(e.getMessage().isEmpty());
        }
    }

    @Test
    void refreshAndSuccessAfterInjected40001() throws Exception {
        try (WeChatClient c = client().build()) {
            assertTrue(verify(c));
            emu.injectFault(Fault.INVALID_TOKEN, 1);
            assertTrue(verify(c));
            ClientStats s = c.stats();
            assertEquals(1, s.tokenRetries());
            assertEquals(2, s.tokenFetches());
            assertEquals(2, emu.counters().tokenRequests());
        }
    }

    @Test
    void aWeChatRejectingFreshTokensGetsOneForcedRefreshPer30s() throws Exception {
        try (WeChatClient c = client().build()) {
            assertTrue(verify(c));
            emu.injectFault(Fault.INVALID_TOKEN, -1, VERIFY_PATH);
            for (int i = 0; i < 50; i++) {
                TokenException e = assertThrows(TokenException.class, () -> verify(c));
                assertEquals(40001, e.errcode().orElseThrow());
                if (i > 0) {
                    assertTrue(e.getMessage().contains("refreshed at most once per 30 s"), e.getMessage());
                }
            }
            // The first token and one forced refresh: no fetch per rejected call.
            assertEquals(2, emu.requestsTo("/cgi-bin/stable_token"));
            assertEquals(2, c.stats().tokenFetches());
            emu.clearFaults();
            assertTrue(verify(c));
            assertEquals(2, emu.requestsTo("/cgi-bin/stable_token"));
        }
    }

    @Test
    void tokenRetryMaxSetsTheCeilingOfTheFailureHold() throws Exception {
        emu.injectFault(Fault.SYSTEM_BUSY, -1, "/cgi-bin/stable_token");
        try (WeChatClient dflt = client().maxAttempts(1).build();
                WeChatClient fast = client().maxAttempts(1).tokenRetryMax(Duration.ofMillis(300)).build()) {
            TokenException first = assertThrows(TokenException.class, () -> verify(dflt));
            TokenException held = assertThrows(TokenException.class, () -> verify(dflt));
            assertTrue(held.getMessage().matches(
                    "no access token: holding for 1 s after the fetch at \\d\\d:\\d\\d:\\d\\d UTC failed: .*"),
                    held.getMessage());
            assertTrue(held.getMessage().endsWith(first.getMessage()), held.getMessage());
            assertEquals(first.errcode(), held.errcode());
            assertEquals(1, emu.requestsTo("/cgi-bin/stable_token"), "no fetch during the hold");
            // A 300 ms ceiling: held for at most 300 ms, then fetched again.
            assertThrows(TokenException.class, () -> verify(fast));
            TokenException short1 = assertThrows(TokenException.class, () -> verify(fast));
            assertTrue(short1.getMessage().matches("no access token: holding for [0-9]{1,3} ms after .*"), short1.getMessage());
            assertEquals(2, emu.requestsTo("/cgi-bin/stable_token"));
            Thread.sleep(350);
            emu.clearFaults();
            assertTrue(verify(fast));
            assertEquals(3, emu.requestsTo("/cgi-bin/stable_token"));
        }
        WeChatClient.Builder b = client();
        assertThrows(IllegalArgumentException.class, () -> b.tokenRetryMax(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.tokenRetryMax(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> b.tokenRetryMax(Duration.ofMinutes(61)));
        b.tokenRetryMax(Duration.ofHours(1)).build().close();
    }

    @Test
    void expiredTokenIsRefreshedOnce() throws Exception {
        try (WeChatClient c = client().build()) {
            assertTrue(verify(c));
            emu.expireTokens();
            assertTrue(verify(c));
            assertEquals(1, c.stats().tokenRetries());
        }
    }

    @Test
    void successAfterTwoSystemBusy() throws Exception {
        try (WeChatClient c = client().build()) {
            assertTrue(verify(c));
            emu.injectFault(Fault.SYSTEM_BUSY, 2);
            assertTrue(verify(c));
            assertEquals(2, c.stats().retries());
        }
    }

    @Test
    void boundedFailureAfterEndlessSystemBusy() throws Exception {
        try (WeChatClient c = client().maxAttempts(4).build()) {
            assertTrue(verify(c));
            emu.resetCounters();
            emu.injectFault(Fault.SYSTEM_BUSY, -1, VERIFY_PATH);
            long t0 = System.nanoTime();
            WeChatApiException e = assertThrows(WeChatApiException.class, () -> verify(c));
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            assertEquals(-1, e.errcode());
            assertEquals(4, emu.requestsTo(VERIFY_PATH));
            assertEquals(3, c.stats().retries());
            emu.clearFaults();
            assertTrue(verify(c));
        }
    }

    @Test
    void endlessBusyOnEveryEndpointIsBoundedToo() throws Exception {
        try (WeChatClient c = client().build()) {
            emu.injectFaultForever(Fault.SYSTEM_BUSY);
            // The token request is the one that keeps failing: a TokenException carrying errcode -1.
            TokenException e = assertThrows(TokenException.class, () -> verify(c));
            assertEquals(-1, e.errcode().orElseThrow());
            assertTrue(emu.counters().totalRequests() <= 3, emu.counters().toString());
        }
    }

    @Test
    void http500AndDroppedConnectionAreRetried() throws Exception {
        try (WeChatClient c = client().build()) {
            assertTrue(verify(c));
            emu.injectFault(Fault.HTTP_500, 1);
            assertTrue(verify(c));
            emu.injectFault(Fault.DROP_CONNECTION, 1);
            assertTrue(verify(c));
            assertEquals(2, c.stats().retries());
        }
    }

    @Test
    void malformedBodyIsMalformedResponse() throws Exception {
        try (WeChatClient c = client().build()) {
            emu.injectFault(Fault.MALFORMED_BODY, 1, VERIFY_PATH);
            assertThrows(MalformedResponseException.class, () -> verify(c));
            assertTrue(verify(c));
        }
    }

    @Test
    void timeoutIsTimeoutException() throws Exception {
        try (WeChatClient c = client().timeout(Duration.ofMillis(200)).maxAttempts(1).build()) {
            assertTrue(verify(c));
            emu.injectDelay(Duration.ofMillis(1000), 1);
            long t0 = System.nanoTime();
            TimeoutException e = assertThrows(TimeoutException.class, () -> verify(c));
            assertTrue(System.nanoTime() - t0 < 900_000_000L, "the timeout was not honoured");
            assertEquals(Status.TIMEOUT, e.status());
        }
    }

    @Test
    void timedOutAttemptsAreRetriedWithinTheDeadlineAndTheLimitIsNamed() throws Exception {
        try (WeChatClient c = client().timeout(Duration.ofSeconds(3)).attemptTimeout(Duration.ofMillis(200))
                .backoff(Duration.ofMillis(10), Duration.ofMillis(20)).build()) {
            assertTrue(verify(c));
            long before = emu.requestsTo(VERIFY_PATH);
            emu.injectFault(Fault.DELAY, 1, Duration.ofSeconds(2), VERIFY_PATH);
            assertTrue(verify(c), "the second attempt answers");
            assertEquals(before + 2, emu.requestsTo(VERIFY_PATH));
        }
        try (WeChatClient c = client().timeout(Duration.ofMillis(700)).attemptTimeout(Duration.ofMillis(200))
                .maxAttempts(10).backoff(Duration.ofMillis(10), Duration.ofMillis(20)).build()) {
            assertTrue(verify(c));
            emu.injectFault(Fault.DELAY, -1, Duration.ofSeconds(2), VERIFY_PATH);
            long t0 = System.nanoTime();
            TimeoutException e = assertThrows(TimeoutException.class, () -> verify(c));
            long took = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().contains("the overall deadline (700 ms) expired"), e.getMessage());
            assertTrue(took >= 690 && took < 1500, "took " + took + " ms");
        } finally {
            emu.clearFaults();
        }
    }

    @Test
    void timeoutsAboveAnHourAreRefused() {
        WeChatClient.Builder b = WeChatClient.builder(APPID, SECRET);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.timeout(Duration.ofMinutes(61)));
        assertTrue(e.getMessage().contains("1 ms to 1 hour"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.attemptTimeout(Duration.ofMillis(0)));
        assertThrows(IllegalArgumentException.class, () -> b.connectTimeout(Duration.ofHours(2)));
        b.timeout(Duration.ofHours(1)).attemptTimeout(Duration.ofHours(1)).connectTimeout(Duration.ofHours(1));
    }

    @Test
    void stoppedServerIsNetworkException() throws Exception {
        String url;
        try (WeChatEmulator gone = WeChatEmulator.start(APPID, SECRET)) {
            url = gone.baseUrl();
        }
        try (WeChatClient c = WeChatClient.builder(APPID, SECRET).baseUrl(url).maxAttempts(2)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build()) {
            NetworkException e = assertThrows(NetworkException.class, () -> verify(c));
            assertEquals(Status.NETWORK, e.status());
        }
    }

    @Test
    void plainHttpToARemoteHostIsRefusedBeforeAnyConnection() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> WeChatClient.builder(APPID, SECRET).baseUrl("http://wechat.invalid").build());
        assertFalse(e.getMessage().contains(SECRET));
        assertThrows(ConfigException.class,
                () -> WeChatClient.builder(APPID, SECRET).baseUrl("not a url").build());
        // Allowed explicitly: built, and never called (no traffic leaves loopback).
        try (WeChatClient c = WeChatClient.builder(APPID, SECRET).baseUrl("http://wechat.invalid")
                .allowInsecureHttp(true).build()) {
            assertFalse(c.isClosed());
        }
        try (WeChatClient c = WeChatClient.builder(APPID, SECRET).baseUrl("https://wechat.invalid")
                .proxy("http://proxy.invalid:3128").connectTimeout(Duration.ofSeconds(1))
                .maxResponseSize(4096).refreshMargin(Duration.ofMinutes(1)).build()) {
            assertEquals(APPID, c.appId());
        }
    }

    @Test
    void builderChecksItsArguments() {
        WeChatClient.Builder b = WeChatClient.builder(APPID, SECRET);
        assertThrows(IllegalArgumentException.class, () -> b.maxAttempts(0));
        assertThrows(IllegalArgumentException.class, () -> b.maxAttempts(11));
        assertThrows(IllegalArgumentException.class, () -> b.timeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.timeout(Duration.ofMillis(-5)));
        assertThrows(IllegalArgumentException.class, () -> b.backoff(Duration.ofMillis(1), Duration.ofDays(100)));
        assertThrows(IllegalArgumentException.class, () -> b.maxResponseSize(0));
        assertThrows(IllegalArgumentException.class, () -> b.refreshMargin(Duration.ZERO));
        assertThrows(NullPointerException.class, () -> b.baseUrl(null));
        assertThrows(NullPointerException.class, () -> WeChatClient.builder(null, SECRET));
        assertThrows(IllegalArgumentException.class, () -> TokenSource.fixed(""));
        assertThrows(IllegalArgumentException.class, () -> AccessToken.of("t", Duration.ZERO));
    }

    @Test
    void classicTokenSource() throws Exception {
        try (WeChatClient c = client().tokenSource(TokenSource.classic()).build()) {
            assertTrue(verify(c));
            assertTrue(verify(c));
            assertEquals(1, emu.requestsTo("/cgi-bin/token"));
            assertEquals(0, emu.requestsTo("/cgi-bin/stable_token"));
        }
    }

    @Test
    void wrongSecretIsTokenExceptionWithErrcode() throws Exception {
        try (WeChatClient c = WeChatClient.builder(APPID, "not-the-secret").baseUrl(emu.baseUrl()).build()) {
            TokenException e = assertThrows(TokenException.class, () -> verify(c));
            assertEquals(40125, e.errcode().orElseThrow());
            assertFalse(e.getMessage().contains("not-the-secret"));
        }
    }

    @Test
    void fixedTokenCanBeReplaced() throws Exception {
        String t1 = "JAVA-FIXED-TOKEN-1";
        String t2 = "JAVA-FIXED-TOKEN-2";
        emu.addToken(t1, Duration.ofMinutes(10));
        try (WeChatClient c = WeChatClient.builder(APPID, "").baseUrl(emu.baseUrl())
                .tokenSource(TokenSource.fixed(t1)).build()) {
            assertTrue(verify(c));
            emu.expireTokens();
            TokenException e = assertThrows(TokenException.class, () -> verify(c));
            assertEquals(42001, e.errcode().orElseThrow());
            assertFalse(e.getMessage().contains(t1));
            emu.addToken(t2, Duration.ofMinutes(10));
            c.setFixedToken(t2);
            assertTrue(verify(c));
            assertEquals(0, emu.counters().tokenRequests());
            assertFalse(c.toString().contains(t2));
        }
        try (WeChatClient c = client().build()) {
            assertThrows(InvalidArgumentException.class, () -> c.setFixedToken("x"));
        }
    }

    @Test
    void javaLambdaTokenSource() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger forced = new AtomicInteger();
        TokenSupplier supplier = force -> {
            String t = "JAVA-LAMBDA-TOKEN-" + calls.incrementAndGet();
            if (force) {
                forced.incrementAndGet();
            }
            emu.addToken(t, Duration.ofMinutes(10));
            return AccessToken.of(t, Duration.ofMinutes(10));
        };
        try (WeChatClient c = WeChatClient.builder(APPID, "").baseUrl(emu.baseUrl()).tokenSource(supplier).build()) {
            for (int i = 0; i < 20; i++) {
                assertTrue(verify(c));
            }
            assertEquals(1, calls.get());
            assertEquals(0, forced.get());
            emu.injectFault(Fault.INVALID_TOKEN, 1);
            assertTrue(verify(c));
            assertEquals(2, calls.get());
            assertEquals(1, forced.get());
            c.clearToken();
            assertTrue(verify(c));
            assertEquals(3, calls.get());
            assertEquals(0, emu.counters().tokenRequests());
            assertEquals(3, c.stats().tokenFetches());
        }
    }

    @Test
    void lambdaWithoutValidityIsCachedUntilRejected() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        emu.addToken("JAVA-NO-EXPIRY", Duration.ofMinutes(10));
        try (WeChatClient c = client().tokenSource(force -> {
            calls.incrementAndGet();
            return AccessToken.of("JAVA-NO-EXPIRY");
        }).build()) {
            assertTrue(verify(c));
            assertTrue(verify(c));
            assertEquals(1, calls.get());
        }
    }

    @Test
    void throwingLambdaIsATokenFailureNotACrash() throws Exception {
        IllegalStateException boom = new IllegalStateException("token service down");
        try (WeChatClient c = client().tokenSource(force -> {
            throw boom;
        }).build()) {
            for (int i = 0; i < 3; i++) {
                TokenException e = assertThrows(TokenException.class, () -> verify(c));
                assertEquals(boom, e.getCause());
            }
        }
        try (WeChatClient c = client().tokenSource(force -> {
            throw new StackOverflowError("deep");
        }).build()) {
            TokenException e = assertThrows(TokenException.class, () -> verify(c));
            assertInstanceOf(StackOverflowError.class, e.getCause());
        }
        try (WeChatClient c = client().tokenSource(force -> null).build()) {
            TokenException e = assertThrows(TokenException.class, () -> verify(c));
            assertInstanceOf(NullPointerException.class, e.getCause());
        }
        try (WeChatClient c = client().tokenSource(force -> AccessToken.of("bad token with spaces")).build()) {
            TokenException e = assertThrows(TokenException.class, () -> verify(c));
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
        }
        try (WeChatClient c = client().tokenSource(force -> AccessToken.of("x".repeat(5000))).build()) {
            assertThrows(TokenException.class, () -> verify(c));
        }
        // A failure on one thread does not leak into a later, successful call.
        AtomicInteger n = new AtomicInteger();
        emu.addToken("JAVA-SECOND-TIME", Duration.ofMinutes(10));
        try (WeChatClient c = client().tokenSource(force -> {
            if (n.incrementAndGet() == 1) {
                throw new java.io.IOException("first call fails");
            }
            return AccessToken.of("JAVA-SECOND-TIME");
        }).build()) {
            assertThrows(TokenException.class, () -> verify(c));
            assertTrue(verify(c));
        }
    }

    @Test
    void lambdaTokenSourceSurvivesGarbageCollection() throws Exception {
        emu.addToken("JAVA-GC-TOKEN", Duration.ofMinutes(10));
        try (WeChatClient c = client().tokenSource(force -> AccessToken.of("JAVA-GC-TOKEN")).build()) {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(20);
                c.clearToken();
                assertTrue(verify(c));
            }
        }
    }

    @Test
    void cloudOpenApiModeSendsNoToken() throws Exception {
        try (WeChatEmulator open = WeChatEmulator.builder(APPID, SECRET).listen("127.0.0.1:0").openApi(true)
                .tokenLifetime(Duration.ofMinutes(1)).start()) {
            open.registerDevice(OPENID, device.publicKeyPem());
            try (WeChatClient c = WeChatClient.builder(APPID, "").baseUrl(open.baseUrl())
                    .tokenSource(TokenSource.cloudOpenApi()).build()) {
                assertTrue(verify(c));
                assertEquals(0, open.counters().tokenRequests());
            }
        }
    }

    @Test
    void cloudbaseTokenFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cloudbase_access_token");
        Files.writeString(file, "JAVA-CLOUDBASE-TOKEN\n");
        emu.addToken("JAVA-CLOUDBASE-TOKEN", Duration.ofMinutes(10));
        try (WeChatClient c = WeChatClient.builder(APPID, "").baseUrl(emu.baseUrl())
                .tokenSource(TokenSource.cloudbaseFile(file)).build()) {
            assertTrue(verify(c));
            assertEquals(0, emu.counters().tokenRequests());
        }
        try (WeChatClient c = WeChatClient.builder(APPID, "").baseUrl(emu.baseUrl())
                .tokenSource(TokenSource.cloudbaseFile(dir.resolve("missing"))).build()) {
            assertThrows(TokenException.class, () -> verify(c));
        }
    }

    // ---- face ----

    @Test
    void faceGetInfo() throws Exception {
        emu.registerPerson("o_face", NAME, ID);
        emu.registerPerson("o_fail", NAME, "11010519491231002x", 90100, 90003);
        try (WeChatClient c = client().build()) {
            FaceInfo info = c.faceGetInfo(emu.issueVerifyResult("o_face"));
            assertTrue(info.passed());
            assertTrue(info.matchesPerson(NAME, ID));
            assertFalse(info.matchesPerson("李四", ID));
            assertFalse(info.matchesPerson(NAME, "310101199801011235"));
            assertEquals(0, info.errcode());
            assertEquals(0, info.identifyRet());
            assertEquals("o_face", info.openid().orElseThrow());
            assertEquals(32, info.idCardNumberMd5().orElseThrow().length());
            assertEquals(32, info.nameUtf8Md5().orElseThrow().length());
            assertTrue(info.finishTime().orElseThrow() > 1_600_000_000L);
            assertNotNull(info.errmsg());
            assertFalse(info.toString().contains(info.idCardNumberMd5().get()));
            assertEquals(1, emu.requestsTo("/cityservice/face/identify/getinfo"));

            FaceInfo failed = c.faceGetInfo(emu.issueVerifyResult("o_fail"));
            assertFalse(failed.passed(), "errcode 0 with identify_ret != 0 is a failure");
            assertEquals(90100, failed.identifyRet());
            assertTrue(failed.matchesPerson(NAME, "11010519491231002X"));
            assertTrue(failed.matchesPerson(NAME, "11010519491231002x"));

            WeChatApiException e = assertThrows(WeChatApiException.class, () -> c.faceGetInfo("bogus"));
            assertEquals(84001, e.errcode());

            // AutoCloseable with passedFor, as Python's context manager with passed_for.
            try (FaceInfo closing = c.faceGetInfo(emu.issueVerifyResult("o_face"))) {
                assertTrue(closing.passedFor(NAME, ID));
                assertFalse(closing.passedFor("李四", ID));
                closing.close();
                assertTrue(closing.isClosed());
                assertTrue(closing.passed(), "fields stay readable after close");
                assertThrows(IllegalStateException.class, () -> closing.passedFor(NAME, ID));
            }
            try (FaceInfo f = failed) {
                assertFalse(f.passedFor(NAME, "11010519491231002X"), "the right person, but not passed");
            }
        }
    }

    @Test
    void faceGetVerifyIdAndQueryVerifyInfo() throws Exception {
        emu.registerPerson("o_face", NAME, ID);
        emu.registerPerson("o_fail", NAME, "11010519491231002x", 90100, 90003);
        CertInfo cert = CertInfo.identityCard(NAME, ID);
        assertEquals("3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b", cert.hash());
        assertEquals(cert.hash(), CertInfo.of(CertInfo.IDENTITY_CARD, NAME, ID).hash());
        assertFalse(cert.toString().contains(ID));
        assertFalse(cert.toString().contains(NAME));
        try (WeChatClient c = client().build()) {
            VerifyId id = c.faceGetVerifyId("seq-1", cert, "o_face");
            assertTrue(id.verifyId().length() > 10);
            assertEquals(3600, id.expiresIn().orElseThrow());
            VerifyInfo v = c.faceQueryVerifyInfo(id, "seq-1", cert, "o_face");
            assertTrue(v.passed());
            assertEquals(10000, v.verifyRet());
            assertEquals(VerifyOutcome.PASSED, v.outcome());
            VerifyInfo again = c.faceQueryVerifyInfo(id.verifyId(), "seq-1", cert, "o_face");
            assertTrue(again.passed());

            WeChatApiException e = assertThrows(WeChatApiException.class,
                    () -> c.faceQueryVerifyInfo(id, "seq-1", CertInfo.identityCard("x", ID), "o_face"));
            assertEquals(40097, e.errcode());
            assertFalse(e.getMessage().contains(ID));

            CertInfo failCert = CertInfo.identityCard(NAME, "11010519491231002x");
            VerifyId fid = c.faceGetVerifyId("seq-2", failCert, "o_fail");
            VerifyInfo f = c.faceQueryVerifyInfo(fid, "seq-2", failCert, "o_fail");
            assertFalse(f.passed());
            assertEquals(90003, f.verifyRet());
            assertEquals(VerifyOutcome.USER_CANCELLED, f.outcome());
        }
    }

    @Test
    void verifyOutcomeNamesComeFromTheLibrary() {
        assertEquals("passed", VerifyOutcome.PASSED.wireName());
        assertEquals("user_cancelled", VerifyOutcome.USER_CANCELLED.wireName());
        for (VerifyOutcome o : VerifyOutcome.values()) {
            assertEquals(o.name().toLowerCase(java.util.Locale.ROOT), o.wireName());
        }
    }

    // ---- threads, lifecycle, secrets ----

    @Test
    void eightThreadsShareOneClientOnAColdCache() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (WeChatClient c = client().build()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                fs.add(pool.submit(() -> {
                    go.await();
                    int ok = 0;
                    for (int i = 0; i < 25; i++) {
                        ok += verify(c) ? 1 : 0;
                    }
                    return ok;
                }));
            }
            go.countDown();
            for (Future<Integer> f : fs) {
                assertEquals(25, f.get());
            }
            EmulatorCounters n = emu.counters();
            assertEquals(1, n.tokenRequests(), "single-flight token refresh: " + n);
            assertEquals(200, n.verifySignatureRequests());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closeRacesCallsSafely() throws Exception {
        Handles handles = Handles.track();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 5; round++) {
                WeChatClient c = client().build();
                assertTrue(verify(c));
                CountDownLatch go = new CountDownLatch(1);
                AtomicInteger ok = new AtomicInteger();
                AtomicInteger closed = new AtomicInteger();
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    fs.add(pool.submit(() -> {
                        go.await();
                        for (int i = 0; i < 50; i++) {
                            try {
                                if (verify(c)) {
                                    ok.incrementAndGet();
                                }
                            } catch (IllegalStateException e) {
                                closed.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                Thread.sleep(round * 3L);
                c.close();
                c.close();
                for (Future<?> f : fs) {
                    f.get();
                }
                assertEquals(200, ok.get() + closed.get());
                assertTrue(c.isClosed());
                assertThrows(IllegalStateException.class, () -> verify(c));
                assertThrows(IllegalStateException.class, c::stats);
                assertThrows(IllegalStateException.class, c::clearToken);
                assertTrue(c.toString().contains("closed"));
            }
        } finally {
            pool.shutdownNow();
            handles.close();
        }
        assertTrue(handles.count() >= 5);
        handles.assertAllFreedOnce("every client freed exactly once");
    }

    @Test
    void closeDuringASlowCallLetsItFinish() throws Exception {
        Handles handles = Handles.track();
        WeChatClient c = client().build();
        handles.close();
        assertTrue(verify(c));
        emu.injectDelay(Duration.ofMillis(300), 1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Boolean> slow = pool.submit(() -> verify(c));
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (emu.counters().faultsApplied() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            c.close();                                  // returns at once; the call in flight keeps the client
            assertTrue(c.isClosed());
            assertThrows(IllegalStateException.class, () -> verify(c));
            assertTrue(slow.get(), "the call in flight completes after close");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, handles.count());
        handles.assertAllFreedOnce("the last call out freed the client");
    }

    @Test
    void secretsAndTokensNeverAppearInMessagesOrToString() throws Exception {
        String token = "JAVA-SECRET-TOKEN-abcdef123456";
        List<String> texts = new ArrayList<>();
        WeChatClient.Builder b = client().proxy("http://user:proxy-password@127.0.0.1:9");
        texts.add(b.toString());
        texts.add(TokenSource.fixed(token).toString());
        texts.add(AccessToken.of(token, Duration.ofSeconds(60)).toString());
        try (WeChatClient c = WeChatClient.builder(APPID, SECRET).baseUrl(emu.baseUrl()).build()) {
            texts.add(c.toString());
        }
        // Token errors of every kind.
        try (WeChatClient c = WeChatClient.builder(APPID, SECRET + "x").baseUrl(emu.baseUrl()).build()) {
            texts.add(assertThrows(TokenException.class, () -> verify(c)).toString());
        }
        try (WeChatClient c = WeChatClient.builder(APPID, SECRET).baseUrl(emu.baseUrl())
                .tokenSource(TokenSource.fixed(token)).build()) {
            texts.add(c.toString());
            TokenException e = assertThrows(TokenException.class, () -> verify(c));
            texts.add(e.toString());
            texts.add(e.errmsg());
        }
        try (WeChatClient c = WeChatClient.builder(APPID, SECRET).baseUrl(emu.baseUrl())
                .tokenSource(force -> AccessToken.of(token)).build()) {
            texts.add(assertThrows(TokenException.class, () -> verify(c)).toString());
        }
        try (WeChatClient c = client().build()) {
            assertTrue(verify(c));
            emu.injectFaultForever(Fault.SYSTEM_BUSY);
            texts.add(assertThrows(SoterException.class, () -> verify(c)).toString());
            emu.clearFaults();
            emu.injectFault(Fault.MALFORMED_BODY, 1);
            texts.add(assertThrows(MalformedResponseException.class, () -> verify(c)).toString());
        }
        texts.add(assertThrows(ConfigException.class,
                () -> WeChatClient.builder(APPID, SECRET).baseUrl("http://wechat.invalid").build()).toString());
        for (String t : texts) {
            assertFalse(t.contains(SECRET), t);
            assertFalse(t.contains(token), t);
            assertFalse(t.contains("proxy-password"), t);
        }
    }

    @Test
    void fullFlowWithDeviceAskAndWeChat() throws Exception {
        try (TestKeyPair ask = TestKeyPair.generate(2048);
                PublicKey askKey = PublicKey.load(ask.publicKeyPem());
                Device phone = Device.create();
                WeChatClient wechat = client().build()) {
            // Registration: the TEE exports its AuthKey signed by the ASK; the server checks and stores it.
            SignedData export = phone.signedAuthKey(ask);
            String storedPem;
            long lastCounter;
            try (AuthKey ak = Soter.verifyAuthKey(askKey, export.json(), export.signature())) {
                assertEquals(phone.cpuId(), ak.cpuId());
                assertEquals(phone.uid(), ak.uid());
                storedPem = ak.publicKey().toPem();
                lastCounter = ak.counter();
                try (PublicKey direct = phone.publicKey()) {
                    assertTrue(direct.sameKeyAs(ak.publicKey()));
                }
            }
            emu.registerDevice("o_phone", storedPem);

            // Login: challenge, device signs, the server verifies locally and through WeChat.
            String challenge = Soter.newChallenge();
            SignedData r = phone.signResult(challenge);
            try (PublicKey key = PublicKey.load(storedPem)) {
                ResultJson res = Soter.authenticate(key, r.jsonBytes(), r.signature(), Expectations.builder(challenge)
                        .cpuId(phone.cpuId()).uid(phone.uid()).minCounter(lastCounter + 1).build());
                assertEquals(challenge, res.raw());
                assertThrows(ChallengeMismatchException.class, () -> Soter.authenticate(key, r.jsonBytes(),
                        r.signature(), Expectations.of(Soter.newChallenge())));
            }
            assertTrue(wechat.soterVerifySignature("o_phone", r.json(), r.signature()));
            assertFalse(wechat.soterVerifySignature("o_phone", signed.json(), signed.signature()),
                    "another device's result under this user's key");
        }
    }
}
