package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.testing.Fault;
import io.soterverify.testing.WeChatEmulator;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * ReplayGuard face steps (issue 21): a legacy ticket used once and bound to its user; a
 * verify_id session issued per subject and used up by the first call WeChat answered. On memory
 * and a real Redis, against the emulator.
 */
class ReplayGuardFaceTest {
    private static final String NAME = "张三";
    private static final String ID = "310101199801011234";
    private static final String GETINFO = "/cityservice/face/identify/getinfo";
    private static final String QUERY = "/cityservice/face/identify/queryverifyinfo";

    /** {@code g} and {@code other} share one store (two servers of one backend). */
    private static void suite(ReplayGuard g, ReplayGuard other) throws Exception {
        // The guard refuses a used ticket itself; the emulator lets a second use through so that
        // the guard's refusal is what is checked.
        try (WeChatEmulator emu = WeChatEmulator.builder("wxface", "face-secret").reusableTickets(true).start();
                WeChatClient c = WeChatClient.builder("wxface", "face-secret").baseUrl(emu.baseUrl()).maxAttempts(1)
                        .build()) {
            emu.registerPerson("o_a", NAME, ID);
            emu.registerPerson("o_b", "李四", ID);
            emu.registerPerson("o_fail", NAME, ID, 90100, 10000);
            emu.registerPerson("o_cancel", NAME, ID, 0, 90003);

            String ticket = emu.issueVerifyResult("o_a");
            try (FaceInfo info = g.faceGetInfo(c, ticket, "o_a")) {
                assertTrue(info.passedFor(NAME, ID));
            }
            long asked = emu.requestsTo(GETINFO);
            ChallengeMismatchException used = assertThrows(ChallengeMismatchException.class,
                    () -> other.faceGetInfo(c, ticket, "o_a", Duration.ofMinutes(10)));
            assertTrue(used.getMessage().contains("already used"), used.getMessage());
            assertFalse(used.getMessage().contains(ticket));
            assertThrows(ChallengeMismatchException.class, () -> g.faceGetInfo(c, ticket, "o_a"));
            assertEquals(asked, emu.requestsTo(GETINFO), "refused before WeChat is asked");
            String leaked = emu.issueVerifyResult("o_b");
            assertThrows(ChallengeMismatchException.class, () -> g.faceGetInfo(c, leaked, "o_a"));
            String failed = emu.issueVerifyResult("o_fail");
            SignatureInvalidException notPassed = assertThrows(SignatureInvalidException.class,
                    () -> g.faceGetInfo(c, failed, "o_fail"));
            assertTrue(notPassed.getMessage().contains("identify_ret 90100"), notPassed.getMessage());
            assertThrows(IllegalArgumentException.class, () -> g.faceGetInfo(c, "t", "o_a", Duration.ZERO));
            assertThrows(IllegalArgumentException.class, () -> g.faceGetInfo(c, "t", "o_a", Duration.ofSeconds(86_401)));

            CertInfo cert = CertInfo.identityCard(NAME, ID);
            VerifyId vid = g.faceStart(c, "o_a", cert);
            assertEquals(3600, vid.expiresIn().getAsLong());
            assertThrows(ChallengeMismatchException.class, () -> g.faceFinish(c, "no-such-verify-id", "o_a", cert));
            assertThrows(ChallengeMismatchException.class, () -> other.faceFinish(c, vid.verifyId(), "o_b", cert));
            assertThrows(ChallengeMismatchException.class,
                    () -> g.faceFinish(c, vid.verifyId(), "o_a", CertInfo.identityCard("李四", ID)));
            // No answer: the session stays usable.
            emu.injectFault(Fault.DROP_CONNECTION, -1, Duration.ZERO, QUERY);
            assertThrows(NetworkException.class, () -> g.faceFinish(c, vid.verifyId(), "o_a", cert));
            emu.clearFaults();
            VerifyInfo info = other.faceFinish(c, vid.verifyId(), "o_a", cert);
            assertTrue(info.passed());
            assertEquals(VerifyOutcome.PASSED, info.outcome());
            assertThrows(ChallengeMismatchException.class, () -> g.faceFinish(c, vid.verifyId(), "o_a", cert));
            // An answer that is an error uses it up: WeChat saw the query.
            VerifyId busy = g.faceStart(c, "o_a", cert, "java-seq-1", Duration.ofMinutes(1));
            emu.injectFault(Fault.SYSTEM_BUSY, -1, Duration.ZERO, QUERY);
            assertThrows(WeChatApiException.class, () -> g.faceFinish(c, busy.verifyId(), "o_a", cert));
            emu.clearFaults();
            assertThrows(ChallengeMismatchException.class, () -> g.faceFinish(c, busy.verifyId(), "o_a", cert));
            // verify_ret other than 10000: refused with the outcome named.
            VerifyId cancel = g.faceStart(c, "o_cancel", cert);
            SignatureInvalidException cancelled = assertThrows(SignatureInvalidException.class,
                    () -> g.faceFinish(c, cancel.verifyId(), "o_cancel", cert));
            assertTrue(cancelled.getMessage().contains("user_cancelled"), cancelled.getMessage());
            assertThrows(IllegalArgumentException.class, () -> g.faceStart(c, "o_a", cert, null, Duration.ZERO));
            assertThrows(NullPointerException.class, () -> g.faceFinish(c, vid.verifyId(), "o_a", null));
        }
    }

    @Test
    void memory() throws Exception {
        try (ReplayGuard g = ReplayGuard.memory()) {
            suite(g, g);
        }
    }

    @Test
    void redis() throws Exception {
        String prefix = "face" + System.nanoTime() + ":";
        try (TestRedis server = TestRedis.launch();
                ReplayGuard a = ReplayGuard.redis(server.url(), ReplayGuard.RedisOptions.defaults().prefix(prefix));
                ReplayGuard b = ReplayGuard.redis(server.url(), ReplayGuard.RedisOptions.defaults().prefix(prefix))) {
            suite(a, b);
        }
    }

    @Test
    void asyncVariantsCompleteWithTheBlockingCallsResults() throws Exception {
        try (ReplayGuard g = ReplayGuard.memory();
                WeChatEmulator emu = WeChatEmulator.start("wxface", "face-secret");
                WeChatClient c = WeChatClient.builder("wxface", "face-secret").baseUrl(emu.baseUrl()).build()) {
            emu.registerPerson("o_async", NAME, ID);
            String ticket = emu.issueVerifyResult("o_async");
            try (FaceInfo info = g.faceGetInfoAsync(c, ticket, "o_async").get()) {
                assertTrue(info.passedFor(NAME, ID));
            }
            java.util.concurrent.ExecutionException again = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> g.faceGetInfoAsync(c, ticket, "o_async", Runnable::run).get());
            assertTrue(again.getCause() instanceof ChallengeMismatchException, String.valueOf(again.getCause()));
            CertInfo cert = CertInfo.identityCard(NAME, ID);
            VerifyId vid = g.faceStartAsync(c, "o_async", cert).get();
            assertTrue(g.faceFinishAsync(c, vid.verifyId(), "o_async", cert).get().passed());
            java.util.concurrent.ExecutionException used = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> g.faceFinishAsync(c, vid.verifyId(), "o_async", cert).get());
            assertTrue(used.getCause() instanceof ChallengeMismatchException, String.valueOf(used.getCause()));
        }
    }

    @Test
    void emulatorRefusesARedeemedTicket() throws Exception {
        try (WeChatEmulator emu = WeChatEmulator.start("wxface", "face-secret");
                WeChatClient c = WeChatClient.builder("wxface", "face-secret").baseUrl(emu.baseUrl()).build()) {
            emu.registerPerson("o_a", NAME, ID);
            String ticket = emu.issueVerifyResult("o_a");
            try (FaceInfo info = c.faceGetInfo(ticket)) {
                assertTrue(info.passed());
            }
            WeChatApiException e = assertThrows(WeChatApiException.class, () -> c.faceGetInfo(ticket));
            assertEquals(84001, e.errcode());
            emu.setReusableTickets(true);
            try (FaceInfo info = c.faceGetInfo(ticket)) {
                assertTrue(info.passed());
            }
        }
    }
}
