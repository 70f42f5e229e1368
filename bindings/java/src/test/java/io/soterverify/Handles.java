package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The native handles a test creates, to check that each was freed exactly once. Only the test's
 * own handles: the Cleaner frees other tests' forgotten handles at any moment, so a global count
 * compared before and after races with it.
 */
final class Handles implements AutoCloseable {
    private final ConcurrentLinkedQueue<NativeHandle> created = new ConcurrentLinkedQueue<>();

    private Handles() {
    }

    /** Records every handle created from now until {@link #close}. */
    static Handles track() {
        Handles h = new Handles();
        NativeHandle.created = h.created;
        return h;
    }

    int count() {
        return created.size();
    }

    /** Drops the handles already freed (a long test keeps its record small); none twice. */
    void forgetFreed() {
        created.removeIf(h -> {
            assertTrue(h.frees() <= 1, "a handle was freed " + h.frees() + " times");
            return h.frees() == 1;
        });
    }

    /** Every recorded handle freed exactly once, now. */
    void assertAllFreedOnce(String message) {
        for (NativeHandle h : created) {
            assertEquals(1, h.frees(), message);
        }
    }

    /** As {@link #assertAllFreedOnce}, after giving the Cleaner up to {@code limit} to run. */
    void awaitAllFreedOnce(Duration limit, String message) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (created.stream().anyMatch(h -> h.frees() == 0) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertAllFreedOnce(message);
    }

    @Override
    public void close() {
        NativeHandle.created = null;
    }
}
