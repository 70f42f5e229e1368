package io.soterverify;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongToIntFunction;
import java.util.function.LongUnaryOperator;

/**
 * One native handle with an in-flight guard.
 *
 * <p>Every native call on the pointer goes through {@link #call} (or {@link #callLong},
 * {@link #run}): {@code state} holds the number of calls in flight in its low bits and a CLOSED
 * flag in bit 62. A call enters (fails once CLOSED is set) and leaves; {@link #close} sets CLOSED. The handle is freed exactly once, by whichever comes last: {@code close} when no call is
 * in flight, else the last call to leave. So close never blocks, never frees memory under a running
 * call, and a call after close gets an {@link IllegalStateException} instead of a dangling pointer.
 *
 * <p>This object is also the {@link Cleaner} action: it must not reference its owner.
 */
final class NativeHandle implements Runnable {
    static final Cleaner CLEANER = Cleaner.create();

    /**
     * Test hook: when set, every new handle is added to it, so a test checks that its own handles
     * were freed exactly once. (A global live count is moved at any moment by the Cleaner freeing
     * other tests' forgotten handles, so comparing it before and after is a race.)
     */
    static volatile Queue<NativeHandle> created;

    private static final AtomicIntegerFieldUpdater<NativeHandle> FREES =
            AtomicIntegerFieldUpdater.newUpdater(NativeHandle.class, "frees");

    private static final long CLOSED = 1L << 62;

    private final AtomicLong state = new AtomicLong();
    private final long ptr;
    private final LongConsumer free;
    private final String what;
    private volatile int frees;

    NativeHandle(long ptr, LongConsumer free, String what) {
        if (ptr == 0) {
            throw new IllegalStateException("soter-verify: the library returned a NULL " + what);
        }
        this.ptr = ptr;
        this.free = free;
        this.what = what;
        Queue<NativeHandle> q = created;
        if (q != null) {
            q.add(this);
        }
    }

    /**
     * Runs one native call on the pointer: the in-flight guarantee in one place. The handle
     * cannot be freed while {@code call} runs (a concurrent {@link #close} leaves the freeing to
     * the last call out), and {@code owner}, the object this handle belongs to, stays reachable
     * until the call returns, so its {@link Cleaner} cannot close the handle under the caller
     * (the call would then fail as closed).
     *
     * @param owner the Java object owning this handle
     * @param call the native call, given the pointer
     * @return what {@code call} returns (a status, usually)
     * @throws IllegalStateException when the handle is closed
     */
    int call(Object owner, LongToIntFunction call) {
        long p = acquire();
        try {
            return call.applyAsInt(p);
        } finally {
            release();
            Reference.reachabilityFence(owner);
        }
    }

    /**
     * As {@link #call} for a native call that returns a 64-bit value.
     *
     * @param owner the Java object owning this handle
     * @param call the native call, given the pointer
     * @return what {@code call} returns
     * @throws IllegalStateException when the handle is closed
     */
    long callLong(Object owner, LongUnaryOperator call) {
        long p = acquire();
        try {
            return call.applyAsLong(p);
        } finally {
            release();
            Reference.reachabilityFence(owner);
        }
    }

    /**
     * As {@link #call} for a native call that returns nothing.
     *
     * @param owner the Java object owning this handle
     * @param call the native call, given the pointer
     * @throws IllegalStateException when the handle is closed
     */
    void run(Object owner, LongConsumer call) {
        long p = acquire();
        try {
            call.accept(p);
        } finally {
            release();
            Reference.reachabilityFence(owner);
        }
    }

    /** Enters a call: returns the pointer, valid until the matching {@link #release}. */
    private long acquire() {
        while (true) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                throw new IllegalStateException("this " + what + " is closed");
            }
            if (state.compareAndSet(s, s + 1)) {
                return ptr;
            }
        }
    }

    /** Leaves a call; frees the handle if it was closed meanwhile and this was the last call. */
    private void release() {
        if (state.decrementAndGet() == CLOSED) {
            freeNow();
        }
    }

    /** Marks the handle closed; frees it now unless calls are in flight. Idempotent. */
    void close() {
        long before = state.getAndUpdate(s -> s | CLOSED);
        if (before == 0) {
            freeNow();
        }
    }

    boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    /** How many times the pointer was freed (for tests: 0 is a leak, 2 a double free). */
    int frees() {
        return frees;
    }

    private void freeNow() {
        free.accept(ptr);
        FREES.incrementAndGet(this);
    }

    /** Cleaner action (the owner became unreachable, so no call can be in flight). */
    @Override
    public void run() {
        close();
    }
}
