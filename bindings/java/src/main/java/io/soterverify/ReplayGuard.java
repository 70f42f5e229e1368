package io.soterverify;

import com.sun.jna.Memory;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Single-use challenges and rising counters, so that a valid signature means a fresh login by the
 * expected device: in this process's memory ({@link #memory()}), or shared by every server of a
 * backend on Redis ({@link #redis(String)}, {@link #redisCluster(List)}).
 *
 * <pre>{@code
 * ReplayGuard guard = ReplayGuard.redis("redis://127.0.0.1:6379/0");   // one per application
 * String challenge = guard.issueChallenge(userId, Duration.ofMinutes(5));
 * // ... wx.startSoterAuthentication signs it; resultJSON and its signature come back ...
 * ResultJson r = guard.authenticate(key, resultJson, signature, userId, device.cpuId(), device.uid());
 * }</pre>
 *
 * <p>{@link #authenticate} checks the signature first (a bad one touches no state), then in one
 * atomic step of the store (one script call on Redis): the challenge must be pending for the
 * subject and is consumed by the first validly signed result that presents it, whatever follows;
 * {@code cpuId}/{@code uid} must match when given; the counter must be above the last one accepted
 * for this device and becomes the new last one. A store that cannot confirm throws
 * {@link StoreUnavailableException}: nothing is accepted without it, and the next call after Redis
 * comes back works.
 *
 * <p>Thread-safe: share one guard. It holds native resources: close it when the application stops
 * (a forgotten guard is freed by a {@link Cleaner}); {@link #close()} is idempotent and never frees
 * the guard under a call in flight. Passwords in Redis URLs never appear in {@link #toString()} or
 * in exception messages.
 */
public final class ReplayGuard implements AutoCloseable {
    /** Default pending challenges an in-memory guard holds. */
    public static final long DEFAULT_MAX_CHALLENGES = 100_000;
    /** Default devices whose last counter an in-memory guard keeps. */
    public static final long DEFAULT_MAX_DEVICES = 1_000_000;

    private final NativeHandle handle;
    private final Cleaner.Cleanable cleanable;
    private final String description;

    private ReplayGuard(long ptr) throws SoterException {
        this.handle = new NativeHandle(ptr, GuardNative::soter_replay_guard_free, "ReplayGuard");
        this.cleanable = NativeHandle.CLEANER.register(this, handle);
        long[] text = new long[1];
        long[] len = new long[1];
        long[] err = new long[1];
        Errors.check(GuardNative.soter_replay_guard_describe(ptr, text, len, err), err);
        try {
            this.description = NativeLib.utf8(text[0], len[0]);
        } finally {
            NativeLib.soter_string_free(text[0]);
        }
    }

    /**
     * An in-memory guard (one process) with the default bounds: 100 000 pending challenges (then
     * {@link #issueChallenge} throws {@link StoreUnavailableException} rather than grow; expired ones
     * are dropped first) and 1 000 000 remembered device counters (then the least recently used
     * sixteenth is forgotten).
     *
     * @return a new guard
     */
    public static ReplayGuard memory() {
        return memory(DEFAULT_MAX_CHALLENGES, DEFAULT_MAX_DEVICES);
    }

    /**
     * An in-memory guard with the given bounds.
     *
     * @param maxChallenges pending challenges held at most (at least 1)
     * @param maxDevices devices whose last counter is kept (at least 1)
     * @return a new guard
     */
    public static ReplayGuard memory(long maxChallenges, long maxDevices) {
        if (maxChallenges < 1 || maxDevices < 1) {
            throw new IllegalArgumentException("maxChallenges and maxDevices must be at least 1");
        }
        GuardNative.load();
        Memory opts = new Memory(GuardNative.OPTIONS_SIZE);
        opts.clear();
        opts.setLong(40, maxChallenges);
        opts.setLong(48, maxDevices);
        long[] out = new long[1];
        long[] err = new long[1];
        try {
            Errors.check(GuardNative.soter_replay_guard_new_memory(opts, out, err), err);
            return new ReplayGuard(out[0]);
        } catch (SoterException e) {
            throw new IllegalStateException("soter-verify: creating an in-memory guard failed: " + e.getMessage(), e);
        }
    }

    /**
     * A guard on one Redis server with the default options (prefix {@code soter:}, timeout 1 s).
     *
     * @param url {@code redis://[user:password@]host[:port][/db]}, or {@code rediss://} for TLS
     * @return a new guard (it connects on first use)
     * @throws ConfigException when the URL cannot be used
     * @throws SoterException for other failures
     */
    public static ReplayGuard redis(String url) throws SoterException {
        return redis(url, RedisOptions.defaults());
    }

    /**
     * A guard on one Redis server.
     *
     * @param url {@code redis://[user:password@]host[:port][/db]}, or {@code rediss://} for TLS
     * @param options prefix, timeout, TLS root certificate
     * @return a new guard (it connects on first use)
     * @throws ConfigException when the URL or prefix cannot be used
     * @throws SoterException for other failures
     */
    public static ReplayGuard redis(String url, RedisOptions options) throws SoterException {
        byte[] u = utf8(url, "url");
        Objects.requireNonNull(options, "options must not be null");
        GuardNative.load();
        Memory opts = options.struct();
        long[] out = new long[1];
        long[] err = new long[1];
        try {
            Errors.check(GuardNative.soter_replay_guard_new_redis(u, u.length, opts, out, err), err);
        } finally {
            Reference.reachabilityFence(opts);
        }
        return new ReplayGuard(out[0]);
    }

    /**
     * A guard on a Redis Cluster with the default options.
     *
     * @param nodes URLs of some of its nodes (the first one's password and TLS mode apply to all)
     * @return a new guard (it connects on first use)
     * @throws SoterException as for {@link #redis(String)}
     */
    public static ReplayGuard redisCluster(List<String> nodes) throws SoterException {
        return redisCluster(nodes, RedisOptions.defaults());
    }

    /**
     * A guard on a Redis Cluster.
     *
     * @param nodes URLs of some of its nodes (the first one's password and TLS mode apply to all)
     * @param options prefix, timeout, TLS root certificate
     * @return a new guard (it connects on first use)
     * @throws SoterException as for {@link #redis(String, RedisOptions)}
     */
    public static ReplayGuard redisCluster(List<String> nodes, RedisOptions options) throws SoterException {
        Objects.requireNonNull(nodes, "nodes must not be null");
        Objects.requireNonNull(options, "options must not be null");
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a Redis Cluster needs at least one node URL");
        }
        GuardNative.load();
        byte[][] raw = new byte[nodes.size()][];
        long total = 0;
        for (int i = 0; i < raw.length; i++) {
            raw[i] = utf8(nodes.get(i), "nodes[" + i + "]");
            total += raw[i].length;
        }
        Memory ptrs = new Memory(8L * raw.length);
        Memory texts = new Memory(Math.max(1, total));
        long[] lens = new long[raw.length];
        long at = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i].length > 0) {
                texts.write(at, raw[i], 0, raw[i].length);
            }
            ptrs.setPointer(8L * i, texts.share(at));
            lens[i] = raw[i].length;
            at += raw[i].length;
        }
        Memory opts = options.struct();
        long[] out = new long[1];
        long[] err = new long[1];
        try {
            Errors.check(GuardNative.soter_replay_guard_new_redis_cluster(ptrs, lens, raw.length, opts, out, err), err);
        } finally {
            Reference.reachabilityFence(ptrs);
            Reference.reachabilityFence(texts);
            Reference.reachabilityFence(opts);
        }
        return new ReplayGuard(out[0]);
    }

    /** How long a challenge stays valid unless told otherwise (as in the Python package). */
    public static final Duration DEFAULT_CHALLENGE_TTL = Duration.ofMinutes(5);

    /**
     * A fresh challenge for {@code subject}, valid for {@link #DEFAULT_CHALLENGE_TTL} (5 minutes)
     * and for one authentication.
     *
     * @param subject your user id (1 to 1024 bytes)
     * @return the challenge (43 URL-safe base64 characters) to pass to wx.startSoterAuthentication
     * @throws StoreUnavailableException when Redis cannot be reached or the in-memory guard is full
     * @throws SoterException for bad arguments and other failures
     * @throws IllegalStateException when the guard is closed
     */
    public String issueChallenge(String subject) throws SoterException {
        return issueChallenge(subject, DEFAULT_CHALLENGE_TTL);
    }

    /**
     * A fresh challenge for {@code subject}, valid for {@code ttl} and for one authentication.
     *
     * @param subject your user id (1 to 1024 bytes)
     * @param ttl how long it stays valid (1 ms to 24 h)
     * @return the challenge (43 URL-safe base64 characters) to pass to wx.startSoterAuthentication
     * @throws StoreUnavailableException when Redis cannot be reached or the in-memory guard is full
     * @throws SoterException for bad arguments and other failures
     * @throws IllegalStateException when the guard is closed
     */
    public String issueChallenge(String subject, Duration ttl) throws SoterException {
        byte[] s = utf8(subject, "subject");
        Objects.requireNonNull(ttl, "ttl must not be null");
        long ms;
        try {
            ms = ttl.toMillis();
        } catch (ArithmeticException e) {
            ms = Long.MAX_VALUE;
        }
        if (ms < 1) {
            throw new IllegalArgumentException("ttl must be at least 1 ms, not " + ttl);
        }
        byte[] buf = new byte[NativeLib.CHALLENGE_LEN + 1];
        long[] err = new long[1];
        long ttlMs = ms;
        Errors.check(handle.call(this, g -> GuardNative.soter_replay_guard_issue_challenge(g, s, s.length, ttlMs, buf,
                buf.length, null, err)), err);
        return new String(buf, 0, NativeLib.CHALLENGE_LEN, StandardCharsets.US_ASCII);
    }

    /**
     * Verifies a result for {@code subject} without device expectations (see the full overload).
     *
     * @param key the device's AuthKey public key
     * @param resultJson {@code resultJSON} exactly as received
     * @param signature {@code resultJSONSignature} (base64 or raw)
     * @param subject the user the challenge was issued to
     * @return the accepted result
     * @throws VerificationFailedException when it must not be accepted
     * @throws StoreUnavailableException when the store could not confirm
     * @throws SoterException for input errors
     */
    public ResultJson authenticate(PublicKey key, String resultJson, String signature, String subject)
            throws SoterException {
        return authenticate(key, resultJson, signature, subject, null, null);
    }

    /**
     * Verifies a result for {@code subject}: signature, then challenge, device and counter in one
     * atomic store step.
     *
     * @param key the device's AuthKey public key
     * @param resultJson {@code resultJSON} exactly as received (encoded as UTF-8)
     * @param signature {@code resultJSONSignature} (base64)
     * @param subject the user the challenge was issued to
     * @param cpuId the device's cpu_id as stored with its AuthKey, or null to skip the check
     * @param uid the uid as stored with the AuthKey, or null to skip the check
     * @return the accepted result
     * @throws SignatureInvalidException when the signature does not verify (no state touched)
     * @throws ChallengeMismatchException when raw is unknown, expired, used or another subject's
     * @throws DeviceMismatchException when cpuId or uid differ (the challenge is consumed)
     * @throws CounterReplayException when the counter is not above the last (the challenge is consumed)
     * @throws StoreUnavailableException when the store could not confirm; nothing was accepted
     * @throws SoterException for input errors
     * @throws IllegalStateException when the guard or the key is closed
     */
    public ResultJson authenticate(PublicKey key, String resultJson, String signature, String subject, String cpuId,
            String uid) throws SoterException {
        return authenticate(key, utf8(resultJson, "resultJSON"), utf8(signature, "signature"), subject, cpuId, uid);
    }

    /**
     * As {@link #authenticate(PublicKey, String, String, String, String, String)}, on exact bytes.
     *
     * @param key the device's AuthKey public key
     * @param resultJson {@code resultJSON} bytes exactly as received
     * @param signature the signature, base64 or raw
     * @param subject the user the challenge was issued to
     * @param cpuId expected cpu_id, or null
     * @param uid expected uid, or null
     * @return the accepted result
     * @throws SoterException as for the String overload
     */
    public ResultJson authenticate(PublicKey key, byte[] resultJson, byte[] signature, String subject, String cpuId,
            String uid) throws SoterException {
        Objects.requireNonNull(key, "key must not be null");
        Objects.requireNonNull(resultJson, "resultJSON must not be null");
        Objects.requireNonNull(signature, "signature must not be null");
        Memory who = subjectStruct(subject, cpuId, uid);
        long[] out = new long[1];
        long[] err = new long[1];
        NativeHandle kh = key.handle();
        int status = handle.call(this, g -> kh.call(key, k -> GuardNative.soter_replay_guard_authenticate(g, k,
                resultJson, resultJson.length, signature, signature.length, who, out, err)));
        Reference.reachabilityFence(who);
        Errors.check(status, err);
        return ResultJson.consume(out[0]);
    }

    /**
     * The state step alone (challenge, counter) for a result whose signature was verified
     * elsewhere. Never call it on an unverified result: for mini-programs use
     * {@link #authenticateViaWeChat}, which asks WeChat first.
     *
     * @param resultJson {@code resultJSON} as received
     * @param subject the user the challenge was issued to
     * @return the accepted result
     * @throws SoterException as for {@link #authenticate}
     */
    public ResultJson accept(String resultJson, String subject) throws SoterException {
        return accept(resultJson, subject, null, null);
    }

    /**
     * The state step alone, with device expectations.
     *
     * @param resultJson {@code resultJSON} as received
     * @param subject the user the challenge was issued to
     * @param cpuId expected cpu_id, or null
     * @param uid expected uid, or null
     * @return the accepted result
     * @throws SoterException as for {@link #authenticate}
     */
    public ResultJson accept(String resultJson, String subject, String cpuId, String uid) throws SoterException {
        byte[] doc = utf8(resultJson, "resultJSON");
        Memory who = subjectStruct(subject, cpuId, uid);
        long[] out = new long[1];
        long[] err = new long[1];
        int status = handle.call(this, g -> GuardNative.soter_replay_guard_accept(g, doc, doc.length, who, out, err));
        Reference.reachabilityFence(who);
        Errors.check(status, err);
        return ResultJson.consume(out[0]);
    }

    /**
     * The mini-program path without device expectations (see the full overload).
     *
     * @param client the app's WeChat client
     * @param openid the user's openid
     * @param resultJson {@code resultJSON} as received
     * @param signature {@code resultJSONSignature}
     * @param subject the user the challenge was issued to
     * @return the accepted result
     * @throws SoterException as for the full overload
     */
    public ResultJson authenticateViaWeChat(WeChatClient client, String openid, String resultJson, String signature,
            String subject) throws SoterException {
        return authenticateViaWeChat(client, openid, resultJson, signature, subject, null, null);
    }

    /**
     * The mini-program path: WeChat's {@code verify_signature} first ({@code is_ok} false throws
     * {@link SignatureInvalidException} and touches no state), then the state step.
     *
     * @param client the app's WeChat client
     * @param openid the user's openid
     * @param resultJson {@code resultJSON} as received
     * @param signature {@code resultJSONSignature}
     * @param subject the user the challenge was issued to
     * @param cpuId expected cpu_id, or null
     * @param uid expected uid, or null
     * @return the accepted result
     * @throws VerificationFailedException when it must not be accepted
     * @throws StoreUnavailableException when the store could not confirm
     * @throws WeChatApiException and the client's other exceptions when WeChat could not answer
     * @throws SoterException for input errors
     */
    public ResultJson authenticateViaWeChat(WeChatClient client, String openid, String resultJson, String signature,
            String subject, String cpuId, String uid) throws SoterException {
        Objects.requireNonNull(client, "client must not be null");
        byte[] o = utf8(openid, "openid");
        byte[] doc = utf8(resultJson, "resultJSON");
        byte[] sig = utf8(signature, "signature");
        Memory who = subjectStruct(subject, cpuId, uid);
        long[] out = new long[1];
        long[] err = new long[1];
        NativeHandle ch = client.handle();
        int status = handle.call(this, g -> ch.call(client, c -> GuardNative.soter_replay_guard_authenticate_via_wechat(
                g, c, o, o.length, doc, doc.length, sig, sig.length, who, out, err)));
        Reference.reachabilityFence(who);
        Throwable cause = client.takeCallbackFailure();
        if (status != 0) {
            SoterException e = Errors.take(status, err[0]);
            if (cause != null && e instanceof TokenException) {
                e.initCause(cause);
            }
            throw e;
        }
        return ResultJson.consume(out[0]);
    }

    /**
     * The last counter accepted for this subject and device.
     *
     * @param subject the user
     * @param cpuId the device's cpu_id
     * @param uid the uid
     * @return the counter, or empty when none was accepted yet
     * @throws StoreUnavailableException when the store cannot be reached
     * @throws SoterException for bad arguments
     */
    public OptionalLong lastCounter(String subject, String cpuId, String uid) throws SoterException {
        byte[] s = utf8(subject, "subject");
        byte[] c = utf8(cpuId, "cpuId");
        byte[] u = utf8(uid, "uid");
        byte[] found = new byte[1];
        long[] counter = new long[1];
        long[] err = new long[1];
        Errors.check(handle.call(this, g -> GuardNative.soter_replay_guard_last_counter(g, s, s.length, c, c.length, u,
                u.length, found, counter, err)), err);
        // Counters are unsigned 64-bit: values above Long.MAX_VALUE read as negative longs
        // (Long.toUnsignedString shows them), as ResultJson.counter() does.
        return found[0] != 0 ? OptionalLong.of(counter[0]) : OptionalLong.empty();
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Frees the native guard (after calls in flight finish). Idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }

    /** The store, with any password replaced by {@code ***}. */
    @Override
    public String toString() {
        return "ReplayGuard[" + description + (handle.isClosed() ? ", closed" : "") + "]";
    }

    private static Memory subjectStruct(String subject, String cpuId, String uid) {
        byte[] s = utf8(subject, "subject");
        byte[] c = cpuId == null ? null : cpuId.getBytes(StandardCharsets.UTF_8);
        byte[] u = uid == null ? null : uid.getBytes(StandardCharsets.UTF_8);
        Memory m = new Memory(GuardNative.SUBJECT_SIZE + s.length + (c == null ? 0 : c.length)
                + (u == null ? 0 : u.length) + 1);
        m.clear();
        long at = text(m, 0, s, GuardNative.SUBJECT_SIZE);
        at = text(m, 16, c, at);
        text(m, 32, u, at);
        return m;
    }

    /** Writes {@code b} at {@code at} and its (pointer, length) at {@code field}; null stays NULL. */
    static long text(Memory m, long field, byte[] b, long at) {
        if (b == null) {
            return at;
        }
        if (b.length > 0) {
            m.write(at, b, 0, b.length);
        }
        m.setPointer(field, m.share(at));
        m.setLong(field + 8, b.length);
        return at + b.length;
    }

    private static byte[] utf8(String s, String what) {
        Objects.requireNonNull(s, () -> what + " must not be null");
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Settings of a Redis guard: immutable, {@code with}-style. */
    public static final class RedisOptions {
        private final String prefix;
        private final Duration timeout;
        private final byte[] tlsCaPem;

        private RedisOptions(String prefix, Duration timeout, byte[] tlsCaPem) {
            this.prefix = prefix;
            this.timeout = timeout;
            this.tlsCaPem = tlsCaPem;
        }

        /**
         * Prefix {@code soter:}, timeout 1 s, the system's root certificates for {@code rediss://}.
         *
         * @return the defaults
         */
        public static RedisOptions defaults() {
            return new RedisOptions("soter:", Duration.ofSeconds(1), null);
        }

        /**
         * Prepended to every key (no braces).
         *
         * @param prefix the prefix
         * @return new options
         */
        public RedisOptions prefix(String prefix) {
            return new RedisOptions(Objects.requireNonNull(prefix, "prefix must not be null"), timeout, tlsCaPem);
        }

        /**
         * Connect timeout and response timeout of each command.
         *
         * @param timeout 1 ms to 2^32-1 ms
         * @return new options
         */
        public RedisOptions timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout must not be null");
            long ms = timeout.toMillis();
            if (ms < 1 || ms > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("timeout must be 1 ms to 2^32-1 ms, not " + timeout);
            }
            return new RedisOptions(prefix, timeout, tlsCaPem);
        }

        /**
         * PEM root certificate(s) to trust for {@code rediss://} instead of the system store.
         *
         * @param pem the certificate(s)
         * @return new options
         */
        public RedisOptions tlsCaPem(String pem) {
            return new RedisOptions(prefix, timeout, utf8(pem, "pem"));
        }

        Memory struct() {
            byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
            int caLen = tlsCaPem == null ? 0 : tlsCaPem.length;
            Memory m = new Memory(GuardNative.OPTIONS_SIZE + p.length + caLen + 1);
            m.clear();
            long at = text(m, 0, p, GuardNative.OPTIONS_SIZE);
            m.setInt(16, (int) timeout.toMillis());
            text(m, 24, tlsCaPem, at);
            return m;
        }

        @Override
        public String toString() {
            return "RedisOptions[prefix=" + prefix + ", timeout=" + timeout + (tlsCaPem == null ? "" : ", tlsCaPem set")
                    + "]";
        }
    }
}
