package io.soterverify;

import static io.soterverify.TestSupport.b64;
import static io.soterverify.TestSupport.pem;
import static io.soterverify.TestSupport.sign;
import static io.soterverify.TestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ConcurrencyTest {
    static final KeyPair KP = TestSupport.rsa2048();

    @Test
    @Timeout(120)
    void eightThreadsTimesTwoThousandVerifications() throws Exception {
        byte[] msg = utf8(TestSupport.resultJson("c", 1, "cpu", "u", ""));
        byte[] good = sign(KP.getPrivate(), msg, 20);
        String goodB64 = b64(good);
        byte[] bad = good.clone();
        bad[7] ^= 1;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (PublicKey key = PublicKey.load(pem(KP.getPublic()))) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final int id = t;
                fs.add(pool.submit(() -> {
                    start.await();
                    int ok = 0;
                    for (int i = 0; i < 2000; i++) {
                        int kind = (i + id) % 4;
                        if (kind == 0) {
                            ok += key.verify(msg, good) ? 1 : 0;
                        } else if (kind == 1) {
                            ok += key.verify(msg, goodB64) ? 1 : 0;
                        } else if (kind == 2) {
                            ok += key.verify(msg, bad) ? 0 : 1;
                        } else {
                            ok += Soter.authenticate(key, msg, goodB64, Expectations.of("c")).counter() == 1 ? 1 : 0;
                        }
                    }
                    return ok;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : fs) {
                total += f.get();
            }
            assertEquals(16000, total);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Timeout(120)
    void closeRacesCallsInFlight() throws Exception {
        byte[] msg = utf8("message");
        byte[] sig = sign(KP.getPrivate(), msg, 20);
        String pem = pem(KP.getPublic());
        Handles handles = Handles.track();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            for (int round = 0; round < 200; round++) {
                PublicKey key = PublicKey.load(pem);
                final int delayNanos = (round % 100) * 2000;
                AtomicInteger ok = new AtomicInteger();
                AtomicInteger closed = new AtomicInteger();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    fs.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 50; i++) {
                            try {
                                if (key.verify(msg, sig) && key.bits() == 2048) {
                                    ok.incrementAndGet();
                                }
                            } catch (IllegalStateException e) {
                                closed.incrementAndGet();
                                return null;
                            }
                        }
                        return null;
                    }));
                }
                fs.add(pool.submit(() -> {
                    start.await();
                    Thread.sleep(0, delayNanos);
                    key.close();
                    key.close();
                    return null;
                }));
                fs.add(pool.submit(() -> {
                    start.await();
                    key.close();
                    return null;
                }));
                start.countDown();
                for (Future<?> f : fs) {
                    f.get(30, TimeUnit.SECONDS);
                }
                assertTrue(key.isClosed());
                assertTrue(ok.get() + closed.get() > 0);
            }
        } finally {
            pool.shutdownNow();
            handles.close();
        }
        assertEquals(200, handles.count());
        handles.assertAllFreedOnce("every key freed exactly once");
    }

    @Test
    @Timeout(60)
    void cleanerFreesForgottenKeys() throws Exception {
        String pem = pem(KP.getPublic());
        try (Handles handles = Handles.track()) {
            for (int i = 0; i < 500; i++) {
                PublicKey k = PublicKey.load(pem);
                assertEquals(2048, k.bits());
            }
            assertEquals(500, handles.count());
            handles.awaitAllFreedOnce(Duration.ofSeconds(30), "forgotten keys freed by the Cleaner, once");
        }
    }
}
