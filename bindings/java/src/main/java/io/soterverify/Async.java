package io.soterverify;

import java.lang.reflect.Method;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The {@code ...Async} methods' machinery: the blocking call runs on an executor and the future
 * completes with its result or, exceptionally, with the very exception the blocking call throws
 * (not wrapped), so {@code exceptionally}/{@code Mono.fromFuture} see {@link SoterException}'s
 * subclasses as documented.
 */
final class Async {
    /**
     * Native calls at once on the default executor: sized for I/O (a call mostly waits on Redis or
     * WeChat), not for cores; more calls queue.
     */
    static final int DEFAULT_MAX_CONCURRENCY = 64;

    private Async() {
    }

    /** Lazily: a JVM that never calls an Async method starts no thread. */
    private static final class Holder {
        static final Executor DEFAULT = create();
    }

    static Executor defaultExecutor() {
        return Holder.DEFAULT;
    }

    /** Which default {@link #defaultExecutor()} is, for tests and the benchmark's printout. */
    static String describeDefault() {
        return Holder.DEFAULT instanceof Bounded ? "virtual threads, at most " + DEFAULT_MAX_CONCURRENCY + " at once"
                : "a pool of " + DEFAULT_MAX_CONCURRENCY + " daemon threads";
    }

    private static Executor create() {
        // Platform threads by default, on every JVM: each call waits inside a native function,
        // which pins a virtual thread to its carrier, and the carriers are as many as the cores.
        // Measured (bench.sh async, Java 25, 2 cores, WeChat answering in 200 ms): 100 calls took
        // 10.1 s on virtual threads, 0.42 s on this pool. soter.async.virtualThreads=true opts in
        // (for a JVM whose scheduler compensates for native pinning).
        if ("true".equals(System.getProperty("soter.async.virtualThreads"))) {
            try {
                // Reflection: the jar targets Java 17, where this method does not exist.
                Method m = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
                return new Bounded((ExecutorService) m.invoke(null), DEFAULT_MAX_CONCURRENCY);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Java 17-20: the platform pool below.
            }
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_CONCURRENCY, 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "soter-async-" + n.incrementAndGet());
                    t.setDaemon(true);   // never keeps the JVM alive
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);   // idle threads go away after 30 s
        return pool;
    }

    /** Virtual threads, at most {@code permits} in a native call at once (each pins its carrier). */
    private static final class Bounded implements Executor {
        private final ExecutorService threads;
        private final Semaphore permits;

        Bounded(ExecutorService threads, int permits) {
            this.threads = threads;
            this.permits = new Semaphore(permits);
        }

        @Override
        public void execute(Runnable task) {
            threads.execute(() -> {
                permits.acquireUninterruptibly();   // a virtual thread waiting here unmounts
                try {
                    task.run();
                } finally {
                    permits.release();
                }
            });
        }
    }

    /**
     * Runs {@code call} on {@code executor}. The caller never waits: a rejecting executor, like a
     * failing call, completes the future exceptionally.
     */
    static <T> CompletableFuture<T> supply(Supplier<T> call, Executor executor) {
        Objects.requireNonNull(executor, "executor must not be null");
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                if (f.isDone()) {
                    return;   // cancelled while queued: skip the call
                }
                try {
                    f.complete(call.get());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    static CompletableFuture<Void> run(Runnable call, Executor executor) {
        return supply(() -> {
            call.run();
            return null;
        }, executor);
    }
}
