package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.testing.Device;
import io.soterverify.testing.Fault;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Log events on System.Logger "io.soterverify", here backed by java.util.logging (the JDK's
 * default): the library's level follows the logger's; a 40001 refresh, -1 retries, a Redis outage
 * and recovery, refused verifications at DEBUG (FINE) and face calls are captured from the JUL
 * logger, with every secret the test used checked absent.
 */
@Timeout(60)
class LoggingTest {
    static final String APPID = "wx0123456789abcdef";
    static final String SECRET = "java-log-app-secret-3b7e";
    static final String OPENID = "o_java_log";
    static final String REDIS_PASSWORD = "java-log-redis-hunter2";
    static final String NAME = "张三丰";
    static final String ID_NUMBER = "11010519491231002X";
    static final Pattern TOKEN_LIKE = Pattern.compile("[A-Za-z0-9_-]{40,}");
    static final Logger JUL = Logger.getLogger(NativeLog.NAME);

    static Device device;

    /** Every record the JUL logger "io.soterverify" publishes. */
    static final class Capture extends Handler {
        final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    Capture capture;
    Level savedLevel;
    boolean savedUseParentHandlers;

    @BeforeAll
    static void device() {
        NativeLib.load();
        device = Device.create();
    }

    @AfterAll
    static void closeDevice() {
        device.close();
    }

    @BeforeEach
    void attach() {
        capture = new Capture();
        savedLevel = JUL.getLevel();
        savedUseParentHandlers = JUL.getUseParentHandlers();
        JUL.addHandler(capture);
        JUL.setUseParentHandlers(false); // keep the console quiet
    }

    @AfterEach
    void detach() {
        JUL.removeHandler(capture);
        JUL.setUseParentHandlers(savedUseParentHandlers);
        JUL.setLevel(savedLevel);
        NativeLog.sync();
    }

    /** Sets the JUL level and the library's at once (the poller would within a second). */
    static void level(Level l) {
        JUL.setLevel(l);
        NativeLog.sync();
    }

    List<String> lines() {
        synchronized (capture.records) {
            return capture.records.stream().map(r -> String.format("%-7s %s: %s", r.getLevel(), r.getLoggerName(),
                    r.getMessage())).collect(Collectors.toList());
        }
    }

    long count(Level level, String... needles) {
        synchronized (capture.records) {
            return capture.records.stream().filter(r -> r.getLevel().equals(level))
                    .filter(r -> List.of(needles).stream().allMatch(n -> r.getMessage().contains(n))).count();
        }
    }

    void checkAndShow(String title, String... secrets) {
        String text = String.join("\n", lines());
        System.out.println("---- captured log: " + title + "\n" + text);
        for (String s : secrets) {
            assertFalse(text.contains(s), "a secret leaked into the log");
        }
        assertFalse(TOKEN_LIKE.matcher(text).find(), "a token-like run in the log");
    }

    static String stableToken(WeChatEmulator emu) throws Exception {
        String body = "{\"grant_type\":\"client_credential\",\"appid\":\"" + APPID + "\",\"secret\":\"" + SECRET + "\"}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/cgi-bin/stable_token"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        String json = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("\"access_token\":\"([^\"]+)\"").matcher(json);
        assertTrue(m.find(), json);
        return m.group(1);
    }

    static boolean verify(WeChatClient c) {
        SignedData s = device.signResult(Soter.newChallenge());
        return c.soterVerifySignature(OPENID, s.json(), s.signature());
    }

    static WeChatEmulator emulator() {
        WeChatEmulator emu = WeChatEmulator.start(APPID, SECRET);
        emu.registerDevice(OPENID, device);
        return emu;
    }

    static WeChatClient client(WeChatEmulator emu) {
        return WeChatClient.builder(APPID, SECRET).baseUrl(emu.baseUrl()).backoff(Duration.ofMillis(5), Duration.ofMillis(20))
                .build();
    }

    @Test
    void libraryLevelFollowsTheLogger() throws InterruptedException {
        level(Level.WARNING);
        assertEquals(2, NativeLog.nativeLevel());
        level(Level.FINE);
        assertEquals(4, NativeLog.nativeLevel());
        level(Level.ALL);
        assertEquals(5, NativeLog.nativeLevel());
        level(Level.OFF);
        assertEquals(0, NativeLog.nativeLevel());
        // Changed at run time without telling anyone: the poller catches up within a second.
        JUL.setLevel(Level.INFO);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (NativeLog.nativeLevel() != 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(3, NativeLog.nativeLevel());
    }

    @Test
    void refusedVerificationsAtDebugOnly() throws Exception {
        try (ReplayGuard guard = ReplayGuard.memory(); PublicKey key = device.publicKey()) {
            String challenge = guard.issueChallenge("u1", Duration.ofMinutes(1));
            SignedData s = device.signResult(challenge);
            level(Level.INFO);
            assertThrows(ChallengeMismatchException.class, () -> guard.authenticate(key, s.json(), s.signature(), "u2"));
            assertEquals(List.of(), lines());
            level(Level.FINE);
            assertThrows(DeviceMismatchException.class,
                    () -> guard.authenticate(key, s.json(), s.signature(), "u1", "another device", null));
            assertThrows(SignatureInvalidException.class,
                    () -> Soter.authenticate(key, s.json() + " ", s.signature(), Expectations.of(challenge)));
            assertEquals(1, count(Level.FINE, "ReplayGuard authenticate: refused (DeviceMismatch)", "cpu_id"));
            assertEquals(1, count(Level.FINE, "authenticate: refused (SignatureInvalid)"));
            assertEquals(2, lines().size());
            checkAndShow("refused verifications (Java)", challenge, s.signature(), device.cpuId());
        }
    }

    @Test
    void eventsArriveOnTheThreadWhereTheyHappen() throws Exception {
        level(Level.FINE);
        SignedData s = device.signResult("c");
        Set<Long> threads = ConcurrentHashMap.newKeySet();
        List<Thread> workers = new ArrayList<>();
        try (PublicKey key = device.publicKey()) {
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    threads.add(Thread.currentThread().getId());
                    for (int j = 0; j < 25; j++) {
                        assertThrows(ChallengeMismatchException.class,
                                () -> Soter.authenticate(key, s.json(), s.signature(), Expectations.of("other")));
                    }
                });
                workers.add(t);
                t.start();
            }
            for (Thread t : workers) {
                t.join();
            }
        }
        assertEquals(100, count(Level.FINE, "refused (ChallengeMismatch)"));
        Set<Long> seen;
        synchronized (capture.records) {
            seen = capture.records.stream().map(LogRecord::getLongThreadID).collect(Collectors.toSet());
        }
        assertEquals(threads, seen);
    }

    @Test
    void tokenRefreshAfterErrcode40001() throws Exception {
        level(Level.INFO);
        String first;
        String second;
        try (WeChatEmulator emu = emulator(); WeChatClient c = client(emu)) {
            assertTrue(verify(c));
            first = stableToken(emu);
            emu.injectFault(Fault.INVALID_TOKEN, 1, "/cgi-bin/soter/verify_signature");
            assertTrue(verify(c));
            second = stableToken(emu);
        }
        assertNotEquals(first, second);
        assertEquals(1, count(Level.INFO, "access token fetched from stable_token (first use)", "valid for 7200 s"));
        assertEquals(1, count(Level.WARNING, "errcode 40001", "retried once with a fresh one"));
        assertEquals(1, count(Level.INFO, "access token refreshed from stable_token (forced after errcode 40001)"));
        checkAndShow("one 40001 refresh (Java)", SECRET, first, second);
    }

    @Test
    void retriesAndErrcodes() throws Exception {
        level(Level.WARNING);
        try (WeChatEmulator emu = emulator(); WeChatClient c = client(emu)) {
            assertTrue(verify(c)); // the token first: the faults below hit verify_signature
            emu.injectFault(Fault.SYSTEM_BUSY, 2);
            assertTrue(verify(c));
            emu.injectFault(Fault.SYSTEM_BUSY, 3);
            WeChatApiException e = assertThrows(WeChatApiException.class, () -> verify(c));
            assertEquals(-1, e.errcode());
            assertEquals(2, count(Level.WARNING, "errcode -1", "retrying (attempt 2 of 3)"));
            assertEquals(2, count(Level.WARNING, "errcode -1", "retrying (attempt 3 of 3)"));
            assertEquals(5, count(Level.WARNING, "soter verify_signature: WeChat returned errcode -1 (system error)"));
            checkAndShow("errcode -1 retried (Java)", SECRET, stableToken(emu));
        }
    }

    @Test
    void faceCallsKeepNamesAndIdNumbersOut() throws Exception {
        level(Level.ALL);
        try (WeChatEmulator emu = emulator(); WeChatClient c = client(emu)) {
            emu.registerPerson("o_face", NAME, ID_NUMBER);
            CertInfo wrong = CertInfo.identityCard("李四", ID_NUMBER);
            String vid = c.faceGetVerifyId("seq-java-log", wrong, "o_face").verifyId();
            assertFalse(c.faceQueryVerifyInfo(vid, "seq-java-log", wrong, "o_face").passed());
            String ticket = emu.issueVerifyResult("o_face");
            FaceInfo info = c.faceGetInfo(ticket);
            assertTrue(info.passed() && info.matchesPerson(NAME, ID_NUMBER));
            assertEquals(1, count(Level.FINE, "face queryverifyinfo: not passed (verify_ret 90011"));
            assertEquals(3, count(Level.FINER, "POST /cityservice/face/identify/"));
            checkAndShow("face calls (Java)", SECRET, NAME, "李四", ID_NUMBER, ID_NUMBER.toLowerCase(), ticket);
        }
    }

    @Test
    void redisOutageAndRecoveryLoggedOnceEach() throws Exception {
        level(Level.ALL);
        try (TestRedis server = TestRedis.launch("--requirepass", REDIS_PASSWORD)) {
            String url = "redis://:" + REDIS_PASSWORD + "@127.0.0.1:" + server.port + "/0";
            try (ReplayGuard guard = ReplayGuard.redis(url,
                    ReplayGuard.RedisOptions.defaults().timeout(Duration.ofMillis(300)))) {
                guard.issueChallenge("java-log-user", Duration.ofMinutes(1));
                server.stop();
                for (int i = 0; i < 3; i++) {
                    assertThrows(StoreUnavailableException.class,
                            () -> guard.issueChallenge("java-log-user", Duration.ofMinutes(1)));
                }
                server.start();
                guard.issueChallenge("java-log-user", Duration.ofMinutes(1));
                guard.issueChallenge("java-log-user", Duration.ofMinutes(1));
            }
            String shown = "redis://***@127.0.0.1:" + server.port + "/0";
            assertEquals(1, count(Level.SEVERE, shown, "calls fail closed (StoreUnavailable) until it answers again"));
            assertEquals(1, count(Level.SEVERE), "one event per outage, not one per call");
            assertEquals(1, count(Level.INFO, shown, "answers again after", "(3 calls failed closed)"));
            assertEquals(2, lines().size());
            checkAndShow("one Redis outage (Java)", REDIS_PASSWORD);
        }
    }
}
