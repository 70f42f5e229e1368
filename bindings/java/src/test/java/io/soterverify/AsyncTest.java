package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.testing.Device;
import io.soterverify.testing.Fault;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CompletableFuture variants: results and exceptions are the blocking calls' (unwrapped), and
 * the caller's thread never waits on the store or on WeChat.
 */
class AsyncTest {
    /** The caller's budget: returning a future must not wait for I/O (the stalls below are 400+ ms). */
    private static final long RETURN_MS = 50;

    private static WeChatEmulator emu;
    private static WeChatClient client;
    private static Device dev;

    @BeforeAll
    static void start() {
        emu = WeChatEmulator.start("wxasync", "async-secret");
        client = WeChatClient.builder("wxasync", "async-secret").baseUrl(emu.baseUrl()).build();
        dev = Device.pooled();
        emu.registerDevice("o_async", dev);
        SignedData warm = dev.signResult(Soter.newChallenge());
        // Fetches the token now: the delays injected below then hit the API call itself.
        assertTrue(client.soterVerifySignature("o_async", warm.json(), warm.signature()));
    }

    @AfterAll
    static void stop() {
        client.close();
        emu.close();
    }

    /** The exception the future completed with, as the blocking call threw it. */
    private static Throwable failure(CompletableFuture<?> f) throws InterruptedException {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        // The future itself holds the exception unwrapped: exceptionally() sees it as is.
        AtomicReference<Throwable> seen = new AtomicReference<>();
        f.exceptionally(t -> {
            seen.set(t);
            return null;
        }).join();
        assertEquals(e.getCause(), seen.get());
        return e.getCause();
    }

    @Test
    void guardResultsAndExceptionsAreTheBlockingOnes() throws Exception {
        try (ReplayGuard g = ReplayGuard.memory(); PublicKey key = dev.publicKey()) {
            String c = g.issueChallengeAsync("u-async").get(10, TimeUnit.SECONDS);
            SignedData s = dev.signResult(c);
            assertThrows(SignatureInvalidException.class, () -> { throw failure(g.authenticateAsync(key,
                    s.json().replace("\"fid\":\"", "\"fid\":\"9"), s.signature(), "u-async")); });
            ResultJson r = g.authenticateAsync(key, s.json(), s.signature(), "u-async", dev.cpuId(), dev.uid())
                    .get(10, TimeUnit.SECONDS);
            assertEquals(c, r.raw());
            assertInstanceOf(ChallengeMismatchException.class, failure(g.authenticateAsync(key, s.json(),
                    s.signature(), "u-async")));
            // accept: the state step; a fresh challenge, a counter not above the last one.
            String c2 = g.issueChallengeAsync("u-async", Duration.ofMinutes(1)).get(10, TimeUnit.SECONDS);
            SignedData s2 = dev.signResult(c2);
            assertEquals(c2, g.acceptAsync(s2.json(), "u-async").get(10, TimeUnit.SECONDS).raw());
            assertInstanceOf(ChallengeMismatchException.class, failure(g.acceptAsync(s2.json(), "u-async", null, null)));
            // Argument errors complete the future too: the caller never catches.
            assertInstanceOf(InvalidArgumentException.class, failure(g.issueChallengeAsync("a\uD800")));
            assertInstanceOf(NullPointerException.class, failure(g.acceptAsync(null, "u")));
            g.close();
            assertInstanceOf(IllegalStateException.class, failure(g.issueChallengeAsync("u")));
        }
    }

    @Test
    void viaWeChatAndTheClientsCalls() throws Exception {
        try (ReplayGuard g = ReplayGuard.memory()) {
            String c = g.issueChallenge("mini-async");
            SignedData s = dev.signResult(c);
            assertInstanceOf(SignatureInvalidException.class, failure(g.authenticateViaWeChatAsync(client, "o_async",
                    s.json().replace("\"fid\":\"", "\"fid\":\"9"), s.signature(), "mini-async")));
            assertEquals(c, g.authenticateViaWeChatAsync(client, "o_async", s.json(), s.signature(), "mini-async",
                    dev.cpuId(), null).get(10, TimeUnit.SECONDS).raw());
        }
        SignedData s = dev.signResult(Soter.newChallenge());
        assertTrue(client.soterVerifySignatureAsync("o_async", s.json(), s.signature()).get(10, TimeUnit.SECONDS));
        emu.injectFault(Fault.SYSTEM_BUSY, 3);   // -1 on every attempt: the retries give up
        assertInstanceOf(WeChatApiException.class,
                failure(client.soterVerifySignatureAsync("o_async", s.json(), s.signature())));
        emu.clearFaults();
        assertInstanceOf(WeChatApiException.class, failure(client.faceGetInfoAsync("no-such-ticket")));
        assertInstanceOf(InvalidArgumentException.class, failure(client.faceGetInfoAsync("\uDC00")));
    }

    @Test
    void theCallerDoesNotWaitForADelayedWeChat() throws Exception {
        SignedData s = dev.signResult(Soter.newChallenge());
        emu.injectDelay(Duration.ofMillis(400), 1);
        long t0 = System.nanoTime();
        CompletableFuture<Boolean> f = client.soterVerifySignatureAsync("o_async", s.json(), s.signature());
        long returnedMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(returnedMs < RETURN_MS, "the future came back after " + returnedMs + " ms");
        assertFalse(f.isDone(), "the delayed call finished before the caller got its future");
        assertTrue(f.get(10, TimeUnit.SECONDS));
        long doneMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(doneMs >= 390, "the delay was not applied (" + doneMs + " ms): the test proves nothing");
    }

    @Test
    void theCallerDoesNotWaitForAStalledRedis() throws Exception {
        try (TestRedis redis = TestRedis.launch();
                ReplayGuard g = ReplayGuard.redis(redis.url(), ReplayGuard.RedisOptions.defaults()
                        .timeout(Duration.ofSeconds(3)))) {
            g.ping();   // connected: the stall below is the server's, not a connect
            // Redis answers no client for 500 ms (CLIENT PAUSE returns at once).
            assertTrue(redis.cli("CLIENT", "PAUSE", "500", "ALL").startsWith("OK"));
            long t0 = System.nanoTime();
            CompletableFuture<String> f = g.issueChallengeAsync("stalled");
            long returnedMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(returnedMs < RETURN_MS, "the future came back after " + returnedMs + " ms");
            assertEquals(43, f.get(10, TimeUnit.SECONDS).length());
            long doneMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(doneMs >= 300, "Redis did not stall (" + doneMs + " ms): the test proves nothing");
        }
    }

    @Test
    void anExecutorOfYourOwn() throws Exception {
        ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "mine"));
        try (ReplayGuard g = ReplayGuard.memory()) {
            AtomicReference<String> thread = new AtomicReference<>();
            Executor spy = r -> mine.execute(() -> {
                thread.set(Thread.currentThread().getName());
                r.run();
            });
            assertEquals(43, g.issueChallengeAsync("u", spy).get(10, TimeUnit.SECONDS).length());
            assertEquals("mine", thread.get());
            mine.shutdown();
            // A rejecting executor completes the future; it does not throw at the caller.
            assertInstanceOf(RejectedExecutionException.class, failure(g.issueChallengeAsync("u", mine)));
            assertThrows(NullPointerException.class, () -> g.issueChallengeAsync("u", (Executor) null));
        } finally {
            mine.shutdownNow();
        }
        // The default: the library's pool of daemon platform threads, on every JVM (virtual
        // threads only with soter.async.virtualThreads=true: native calls pin them).
        AtomicReference<Thread> ran = new AtomicReference<>();
        Async.run(() -> ran.set(Thread.currentThread()), Async.defaultExecutor()).get(10, TimeUnit.SECONDS);
        assertTrue(ran.get().isDaemon());
        assertTrue(ran.get().getName().startsWith("soter-async-"), ran.get().getName());
    }

    @Test
    void maxIdleConnectionsRange() {
        WeChatClient.Builder b = WeChatClient.builder("wx", "s");
        assertThrows(IllegalArgumentException.class, () -> b.maxIdleConnections(0));
        assertThrows(IllegalArgumentException.class, () -> b.maxIdleConnections(WeChatClient.MAX_IDLE_CONNECTIONS + 1));
        b.maxIdleConnections(WeChatClient.MAX_IDLE_CONNECTIONS).baseUrl(emu.baseUrl()).build().close();
    }
}
