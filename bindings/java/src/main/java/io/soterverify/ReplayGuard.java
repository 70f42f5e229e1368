package io.soterverify;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import io.soterverify.ffi.SoterGuardSubject;
import io.soterverify.ffi.SoterVerifyInfo;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Single-use challenges and rising counters, so that a valid signature means a fresh login by the
 * expected device: in this process's memory ({@link #memory()}), or shared by every server of a
 * backend on Redis ({@link #redis(String)}, {@link #redisCluster(List)},
 * {@link #redisSentinel(List, String, RedisOptions)}).
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
 * comes back works. A Redis guard's timeout bounds each whole call; after a call fails for want of
 * Redis, later calls fail at once while one call at a time checks whether it is back.
 * {@link #ping()} is one round trip to the store, for readiness probes.
 *
 * <p>Each subject holds at most {@link RedisOptions#maxChallengesPerSubject(int)} pending
 * challenges (default 16): issuing past it drops that subject's oldest, so one user can neither
 * lock others out nor fill the store. Text arguments with an unpaired UTF-16 surrogate are refused
 * with {@link InvalidArgumentException} (Java would otherwise send {@code ?} in its place, making
 * {@code "a\u005CuD800"} and {@code "a?"} one subject).
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
    /** Default pending challenges per subject, in every store. */
    public static final int DEFAULT_MAX_CHALLENGES_PER_SUBJECT = 16;
    /** Largest pending challenges per subject accepted. */
    public static final int MAX_CHALLENGES_PER_SUBJECT = 1024;
    /** Largest Redis timeout accepted: larger is refused as a likely unit mistake. */
    public static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    private final NativeHandle handle;
    private final Cleaner.Cleanable cleanable;
    private final String description;
    private final Observers observers = new Observers();

    private ReplayGuard(long ptr) {
        this.handle = new NativeHandle(ptr, SoterFfi::soter_replay_guard_free, "ReplayGuard");
        this.cleanable = NativeHandle.CLEANER.register(this, handle);
        long[] text = new long[1];
        long[] len = new long[1];
        long[] err = new long[1];
        Errors.check(SoterFfi.soter_replay_guard_describe(ptr, text, len, err), err);
        try {
            this.description = NativeLib.utf8(text[0], len[0]);
        } finally {
            SoterFfi.soter_string_free(text[0]);
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
        return memory(MemoryOptions.defaults());
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
        return memory(MemoryOptions.defaults().maxChallenges(maxChallenges).maxDevices(maxDevices));
    }

    /**
     * An in-memory guard (one process) with the given options.
     *
     * @param options the bounds (see {@link MemoryOptions})
     * @return a new guard
     */
    public static ReplayGuard memory(MemoryOptions options) {
        Objects.requireNonNull(options, "options must not be null");
        GuardNative.load();
        Memory opts = new Memory(GuardNative.OPTIONS_SIZE);
        opts.clear();
        opts.setLong(GuardNative.OPT_MAX_CHALLENGES, options.maxChallenges);
        opts.setLong(GuardNative.OPT_MAX_DEVICES, options.maxDevices);
        opts.setInt(GuardNative.OPT_MAX_CHALLENGES_PER_SUBJECT, options.maxChallengesPerSubject);
        long[] out = new long[1];
        long[] err = new long[1];
        try {
            Errors.check(SoterFfi.soter_replay_guard_new_memory(opts, out, err), err);
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
    public static ReplayGuard redis(String url) {
        return redis(url, RedisOptions.defaults());
    }

    /**
     * A guard on one Redis server.
     *
     * @param url {@code redis://[user:password@]host[:port][/db]}, or {@code rediss://} for TLS
     * @param options prefix, timeout, TLS root certificate, wait replicas, per-subject bound
     * @return a new guard (it connects on first use)
     * @throws ConfigException when the URL or prefix cannot be used
     * @throws InvalidArgumentException when the URL or an option holds an unpaired surrogate
     * @throws IllegalArgumentException when the options set Sentinel's password, sentinelPassword or db
     *     (a standalone server's go in the URL)
     * @throws SoterException for other failures
     */
    public static ReplayGuard redis(String url, RedisOptions options) {
        byte[] u = utf8(url, "url");
        Objects.requireNonNull(options, "options must not be null");
        options.notSentinel("redis");
        GuardNative.load();
        Memory opts = options.struct();
        long[] out = new long[1];
        long[] err = new long[1];
        try {
            Errors.check(SoterFfi.soter_replay_guard_new_redis(u, u.length, opts, out, err), err);
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
    public static ReplayGuard redisCluster(List<String> nodes) {
        return redisCluster(nodes, RedisOptions.defaults());
    }

    /**
     * A guard on a Redis Cluster.
     *
     * @param nodes URLs of some of its nodes (the first one's password and TLS mode apply to all)
     * @param options prefix, timeout, TLS root certificate, wait replicas (on the node that ran the
     *     script), per-subject bound
     * @return a new guard (it connects on first use)
     * @throws SoterException as for {@link #redis(String, RedisOptions)}
     */
    public static ReplayGuard redisCluster(List<String> nodes, RedisOptions options) {
        Objects.requireNonNull(nodes, "nodes must not be null");
        Objects.requireNonNull(options, "options must not be null");
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a Redis Cluster needs at least one node URL");
        }
        options.notSentinel("redisCluster");
        GuardNative.load();
        UrlList urls = new UrlList(nodes, "nodes");
        Memory opts = options.struct();
        long[] out = new long[1];
        long[] err = new long[1];
        try {
            Errors.check(SoterFfi.soter_replay_guard_new_redis_cluster(urls.ptrs, urls.lens, urls.lens.length, opts,
                    out, err), err);
        } finally {
            Reference.reachabilityFence(urls);
            Reference.reachabilityFence(opts);
        }
        return new ReplayGuard(out[0]);
    }

    /**
     * A guard on the master that Redis Sentinel names, with the default options.
     *
     * @param sentinels URLs of some Sentinels ({@code redis://host:26379})
     * @param serviceName the master's name in the Sentinels' configuration ({@code mymaster})
     * @return a new guard (it asks the Sentinels on first use)
     * @throws SoterException as for {@link #redisSentinel(List, String, RedisOptions)}
     */
    public static ReplayGuard redisSentinel(List<String> sentinels, String serviceName) {
        return redisSentinel(sentinels, serviceName, RedisOptions.defaults());
    }

    /**
     * A guard on the master that Redis Sentinel names for {@code serviceName}. The Sentinels are
     * asked for the master, whose {@code ROLE} is checked; on a connection error or
     * {@code READONLY} (a demoted master) they are asked again, so after a failover the same guard
     * serves the new master without a restart. With {@link RedisOptions#waitReplicas(int)} a
     * consumed challenge counts only once that many replicas acknowledged it, so a failover cannot
     * bring it back.
     *
     * @param sentinels URLs of some Sentinels: {@code redis://[:sentinel-password@]host:26379}, or
     *     {@code rediss://} for TLS to the Sentinels and the master (all with one scheme)
     * @param serviceName the master's name in the Sentinels' configuration
     * @param options as for {@link #redis(String, RedisOptions)}, plus
     *     {@link RedisOptions#password(String)} (the master's), {@link RedisOptions#sentinelPassword(String)}
     *     and {@link RedisOptions#db(long)}
     * @return a new guard (it asks the Sentinels on first use)
     * @throws ConfigException when a URL, the service name or an option cannot be used
     * @throws InvalidArgumentException when a text argument holds an unpaired surrogate
     * @throws IllegalArgumentException when {@code sentinels} is empty
     * @throws SoterException for other failures
     */
    public static ReplayGuard redisSentinel(List<String> sentinels, String serviceName, RedisOptions options) {
        Objects.requireNonNull(sentinels, "sentinels must not be null");
        Objects.requireNonNull(options, "options must not be null");
        if (sentinels.isEmpty()) {
            throw new IllegalArgumentException("Redis Sentinel needs at least one Sentinel URL");
        }
        byte[] name = utf8(serviceName, "serviceName");
        GuardNative.load();
        UrlList urls = new UrlList(sentinels, "sentinels");
        Memory opts = options.struct();
        Memory sopts = options.sentinelStruct();
        long[] out = new long[1];
        long[] err = new long[1];
        try {
            Errors.check(SoterFfi.soter_replay_guard_new_redis_sentinel(urls.ptrs, urls.lens, urls.lens.length, name,
                    name.length, sopts, opts, out, err), err);
        } finally {
            Reference.reachabilityFence(urls);
            Reference.reachabilityFence(opts);
            sopts.clear(); // its copies of the passwords
        }
        return new ReplayGuard(out[0]);
    }

    /** URLs as the C ABI takes them: an array of pointers and one of lengths. Keep it reachable. */
    private static final class UrlList {
        final Memory ptrs;
        final Memory texts;
        final long[] lens;

        UrlList(List<String> urls, String what) {
            byte[][] raw = new byte[urls.size()][];
            long total = 0;
            for (int i = 0; i < raw.length; i++) {
                raw[i] = utf8(urls.get(i), what + "[" + i + "]");
                total += raw[i].length;
            }
            ptrs = new Memory((long) Native.POINTER_SIZE * raw.length);
            texts = new Memory(Math.max(1, total));
            lens = new long[raw.length];
            long at = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i].length > 0) {
                    texts.write(at, raw[i], 0, raw[i].length);
                }
                ptrs.setPointer((long) Native.POINTER_SIZE * i, texts.share(at));
                lens[i] = raw[i].length;
                at += raw[i].length;
            }
        }
    }

    /**
     * One round trip to the store, as a readiness probe calls it: returns when the store answers
     * (always, in memory), within the Redis timeout.
     *
     * @throws StoreUnavailableException when Redis does not answer within the timeout (during an
     *     outage at once, unless this call is the one that checks whether Redis is back)
     * @throws SoterException for other failures
     * @throws IllegalStateException when the guard is closed
     */
    public void ping() {
        observers.call("ping", () -> {
            long[] err = new long[1];
            Errors.check(handle.call(this, g -> SoterFfi.soter_replay_guard_ping(g, err)), err);
            return null;
        });
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
    public String issueChallenge(String subject) {
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
    public String issueChallenge(String subject, Duration ttl) {
        return observers.call("issueChallenge", () -> {
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
            Errors.check(handle.call(this, g -> SoterFfi.soter_replay_guard_issue_challenge(g, s, s.length, ttlMs, buf,
                    buf.length, null, err)), err);
            return new String(buf, 0, NativeLib.CHALLENGE_LEN, StandardCharsets.US_ASCII);
        });
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
    public ResultJson authenticate(PublicKey key, String resultJson, String signature, String subject) {
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
            String uid) {
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
            String uid) {
        return observers.call("authenticate", () -> {
            Objects.requireNonNull(key, "key must not be null");
            Objects.requireNonNull(resultJson, "resultJSON must not be null");
            Objects.requireNonNull(signature, "signature must not be null");
            Memory who = subjectStruct(subject, cpuId, uid);
            long[] out = new long[1];
            long[] err = new long[1];
            NativeHandle kh = key.handle();
            int status = handle.call(this, g -> kh.call(key, k -> SoterFfi.soter_replay_guard_authenticate(g, k,
                    resultJson, resultJson.length, signature, signature.length, who, out, err)));
            Reference.reachabilityFence(who);
            Errors.check(status, err);
            return ResultJson.consume(out[0]);
        });
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
    public ResultJson accept(String resultJson, String subject) {
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
    public ResultJson accept(String resultJson, String subject, String cpuId, String uid) {
        return observers.call("accept", () -> {
            byte[] doc = utf8(resultJson, "resultJSON");
            Memory who = subjectStruct(subject, cpuId, uid);
            long[] out = new long[1];
            long[] err = new long[1];
            int status = handle.call(this, g -> SoterFfi.soter_replay_guard_accept(g, doc, doc.length, who, out, err));
            Reference.reachabilityFence(who);
            Errors.check(status, err);
            return ResultJson.consume(out[0]);
        });
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
            String subject) {
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
            String subject, String cpuId, String uid) {
        return observers.call("authenticateViaWeChat", () -> {
            Objects.requireNonNull(client, "client must not be null");
            byte[] o = utf8(openid, "openid");
            byte[] doc = utf8(resultJson, "resultJSON");
            byte[] sig = utf8(signature, "signature");
            Memory who = subjectStruct(subject, cpuId, uid);
            long[] out = new long[1];
            long[] err = new long[1];
            NativeHandle ch = client.handle();
            int status = handle.call(this, g -> ch.call(client, c -> SoterFfi.soter_replay_guard_authenticate_via_wechat(
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
        });
    }

    /** Default {@code maxAge} of {@link #faceGetInfo}: 10 minutes ({@code SOTER_GUARD_DEFAULT_FACE_MAX_AGE_S}). */
    public static final Duration DEFAULT_FACE_MAX_AGE = Duration.ofSeconds(600);
    /** Default {@code ttl} of {@link #faceStart}: an hour ({@code SOTER_GUARD_DEFAULT_FACE_TTL_S}). */
    public static final Duration DEFAULT_FACE_TTL = Duration.ofSeconds(3600);

    /** Whole seconds, 1 to a day (0 would mean "the default" to C, so it is refused here). */
    private static int faceSeconds(Duration d, String name) {
        Objects.requireNonNull(d, name + " must not be null");
        long s = d.getSeconds() + (d.getNano() >= 500_000_000 ? 1 : 0);
        if (d.isNegative() || s < 1 || s > 86_400) {
            throw new IllegalArgumentException(name + " must be 1 s to 86400 s, not " + d);
        }
        return (int) s;
    }

    /** A guard call that also holds the client, with the client's token-callback cause. */
    private interface ClientCall {
        int call(long guard, long client);
    }

    private void callWithClient(WeChatClient client, long[] err, ClientCall body) throws SoterException {
        NativeHandle ch = client.handle();
        int status = handle.call(this, g -> ch.call(client, c -> body.call(g, c)));
        Throwable cause = client.takeCallbackFailure();
        if (status != 0) {
            SoterException e = Errors.take(status, err[0]);
            if (cause != null && e instanceof TokenException) {
                e.initCause(cause);
            }
            throw e;
        }
    }

    /**
     * As {@link #faceGetInfo(WeChatClient, String, String, Duration)} with a {@code maxAge} of
     * 10 minutes.
     *
     * @param client the app's WeChat client
     * @param verifyResult the ticket from {@code wx.startFacialRecognitionVerify}
     * @param subject the user (openid) the result must belong to
     * @return the result; check the person with {@link FaceInfo#passedFor(String, String)}
     * @throws SoterException as for the full overload
     */
    public FaceInfo faceGetInfo(WeChatClient client, String verifyResult, String subject) throws SoterException {
        return faceGetInfo(client, verifyResult, subject, DEFAULT_FACE_MAX_AGE);
    }

    /**
     * Legacy face verification ({@code getinfo}) for {@code subject}, used once. The ticket is
     * marked used in the guard's store first (its SHA-256, never the ticket): a second use on
     * any server sharing the store throws {@link ChallengeMismatchException} without asking
     * WeChat (a ticket whose call failed stays used: the user verifies again). WeChat's answer
     * must name {@code subject} as its openid ({@link ChallengeMismatchException} otherwise),
     * and have identify_ret 0 and an identify_time at most {@code maxAge} old
     * ({@link SignatureInvalidException} otherwise, naming the reason).
     *
     * @param client the app's WeChat client
     * @param verifyResult the ticket from {@code wx.startFacialRecognitionVerify}
     * @param subject the user (openid) the result must belong to
     * @param maxAge the oldest identify_time accepted (1 s to 24 h)
     * @return the result; check the person with {@link FaceInfo#passedFor(String, String)}
     * @throws VerificationFailedException when it must not be accepted
     * @throws StoreUnavailableException when the store could not confirm
     * @throws WeChatApiException and the client's other exceptions when WeChat could not answer
     * @throws SoterException for input errors
     */
    public FaceInfo faceGetInfo(WeChatClient client, String verifyResult, String subject, Duration maxAge)
            throws SoterException {
        Objects.requireNonNull(client, "client must not be null");
        byte[] v = utf8(verifyResult, "verifyResult");
        byte[] s = utf8(subject, "subject");
        int age = faceSeconds(maxAge, "maxAge");
        long[] out = new long[1];
        long[] err = new long[1];
        callWithClient(client, err, (g, c) -> SoterFfi.soter_replay_guard_face_get_info(g, c, v, v.length, s,
                s.length, age, out, err));
        return new FaceInfo(out[0]);
    }

    /**
     * As {@link #faceStart(WeChatClient, String, CertInfo, String, Duration)} with a generated
     * {@code out_seq_no} and a ttl of an hour.
     *
     * @param client the app's WeChat client
     * @param subject the user (openid)
     * @param cert the document to verify against
     * @return the session; pass its {@code verify_id} to the mini-program
     * @throws SoterException as for the full overload
     */
    public VerifyId faceStart(WeChatClient client, String subject, CertInfo cert) throws SoterException {
        return faceStart(client, subject, cert, null, DEFAULT_FACE_TTL);
    }

    /**
     * Starts a face verification session ({@code getverifyid}) for {@code subject} and records
     * it in the guard's store for {@code ttl} (shortened to WeChat's {@code expires_in}), under
     * the same per-subject bound as challenges. Finish it with {@link #faceFinish}.
     *
     * @param client the app's WeChat client
     * @param subject the user (openid)
     * @param cert the document to verify against
     * @param outSeqNo your sequence number, or null to generate one
     * @param ttl how long the session may be finished (1 s to 24 h)
     * @return the session; pass its {@code verify_id} to the mini-program
     * @throws StoreUnavailableException when the store could not record it
     * @throws WeChatApiException and the client's other exceptions when WeChat could not answer
     * @throws SoterException for input errors
     */
    public VerifyId faceStart(WeChatClient client, String subject, CertInfo cert, String outSeqNo, Duration ttl)
            throws SoterException {
        Objects.requireNonNull(client, "client must not be null");
        Objects.requireNonNull(cert, "cert must not be null");
        byte[] s = utf8(subject, "subject");
        byte[] seq = outSeqNo == null ? null : utf8(outSeqNo, "outSeqNo");
        int seconds = faceSeconds(ttl, "ttl");
        Memory certStruct = cert.struct();
        long[] id = new long[1];
        long[] expires = new long[1];
        long[] err = new long[1];
        try {
            callWithClient(client, err, (g, c) -> SoterFfi.soter_replay_guard_face_start(g, c, s, s.length,
                    certStruct, seq, seq == null ? 0 : seq.length, seconds, id, expires, err));
        } finally {
            Reference.reachabilityFence(certStruct);
        }
        try {
            return new VerifyId(NativeLib.cString(id[0]), expires[0]);
        } finally {
            SoterFfi.soter_string_free(id[0]);
        }
    }

    /**
     * The session's result ({@code queryverifyinfo}), used once: {@code verifyId} must be one
     * {@link #faceStart} issued to {@code subject} on this guard's store, unexpired and unused,
     * and {@code cert} the document it was started with ({@link ChallengeMismatchException}
     * otherwise); WeChat is asked with the recorded out_seq_no and verify_ret must be 10000
     * ({@link SignatureInvalidException} otherwise, naming the outcome). The session is used up
     * by the first call that gets WeChat's answer; one that got none ({@link NetworkException},
     * {@link TimeoutException}, {@link TokenException}) leaves it usable until it expires.
     *
     * @param client the app's WeChat client
     * @param verifyId the session's {@code verify_id}
     * @param subject the user (openid) it was started for
     * @param cert the document it was started with
     * @return the passed result
     * @throws VerificationFailedException when it must not be accepted
     * @throws StoreUnavailableException when the store could not confirm
     * @throws WeChatApiException and the client's other exceptions when WeChat could not answer
     * @throws SoterException for input errors
     */
    public VerifyInfo faceFinish(WeChatClient client, String verifyId, String subject, CertInfo cert)
            throws SoterException {
        Objects.requireNonNull(client, "client must not be null");
        Objects.requireNonNull(cert, "cert must not be null");
        byte[] id = utf8(verifyId, "verifyId");
        byte[] s = utf8(subject, "subject");
        Memory certStruct = cert.struct();
        Memory out = new Memory(SoterVerifyInfo.SIZE);
        out.clear();
        long[] err = new long[1];
        try {
            callWithClient(client, err, (g, c) -> SoterFfi.soter_replay_guard_face_finish(g, c, id, id.length, s,
                    s.length, certStruct, out, err));
            return new VerifyInfo(out.getLong(SoterVerifyInfo.OFF_VERIFY_RET),
                    VerifyOutcome.of(out.getInt(SoterVerifyInfo.OFF_OUTCOME)), out.getByte(SoterVerifyInfo.OFF_PASSED) != 0);
        } finally {
            Reference.reachabilityFence(certStruct);
            Reference.reachabilityFence(out);
        }
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
    public OptionalLong lastCounter(String subject, String cpuId, String uid) {
        return observers.call("lastCounter", () -> {
            byte[] s = utf8(subject, "subject");
            byte[] c = utf8(cpuId, "cpuId");
            byte[] u = utf8(uid, "uid");
            byte[] found = new byte[1];
            long[] counter = new long[1];
            long[] err = new long[1];
            Errors.check(handle.call(this, g -> SoterFfi.soter_replay_guard_last_counter(g, s, s.length, c, c.length, u,
                    u.length, found, counter, err)), err);
            // Counters are unsigned 64-bit: values above Long.MAX_VALUE read as negative longs
            // (Long.toUnsignedString shows them), as ResultJson.counter() does.
            return found[0] != 0 ? OptionalLong.of(counter[0]) : OptionalLong.empty();
        });
    }

    // ---- CompletableFuture variants ----------------------------------------------------------
    // Each runs its blocking twin on an executor (default: Async's bounded pool) and completes with
    // its result or, exceptionally, with the exception it documents (unwrapped); argument errors
    // too: the caller's thread never waits and never throws.

    /**
     * {@link #issueChallenge(String)} on the library's pool: 64 daemon threads, shared by every
     * guard and client, more calls queue (not virtual threads: a native call pins its carrier).
     * The caller's thread never waits.
     *
     * @param subject your user id
     * @return the challenge; exceptionally the exceptions of {@link #issueChallenge(String)}
     */
    public CompletableFuture<String> issueChallengeAsync(String subject) {
        return issueChallengeAsync(subject, DEFAULT_CHALLENGE_TTL, Async.defaultExecutor());
    }

    /**
     * {@link #issueChallenge(String)} on {@code executor}.
     *
     * @param subject your user id
     * @param executor where the blocking call runs
     * @return the challenge; exceptionally the exceptions of {@link #issueChallenge(String)}
     */
    public CompletableFuture<String> issueChallengeAsync(String subject, Executor executor) {
        return issueChallengeAsync(subject, DEFAULT_CHALLENGE_TTL, executor);
    }

    /**
     * {@link #issueChallenge(String, Duration)} on the library's pool.
     *
     * @param subject your user id
     * @param ttl how long it stays valid
     * @return the challenge; exceptionally the exceptions of {@link #issueChallenge(String, Duration)}
     */
    public CompletableFuture<String> issueChallengeAsync(String subject, Duration ttl) {
        return issueChallengeAsync(subject, ttl, Async.defaultExecutor());
    }

    /**
     * {@link #issueChallenge(String, Duration)} on {@code executor}.
     *
     * @param subject your user id
     * @param ttl how long it stays valid
     * @param executor where the blocking call runs
     * @return the challenge; exceptionally the exceptions of {@link #issueChallenge(String, Duration)}
     */
    public CompletableFuture<String> issueChallengeAsync(String subject, Duration ttl, Executor executor) {
        return Async.supply(() -> issueChallenge(subject, ttl), executor);
    }

    /**
     * {@link #authenticate(PublicKey, String, String, String)} on the library's pool.
     *
     * @param key the device's AuthKey public key
     * @param resultJson {@code resultJSON} exactly as received
     * @param signature {@code resultJSONSignature}
     * @param subject the user the challenge was issued to
     * @return the accepted result; exceptionally the exceptions of the blocking call
     *     ({@link VerificationFailedException}'s subclasses, {@link StoreUnavailableException}, ...)
     */
    public CompletableFuture<ResultJson> authenticateAsync(PublicKey key, String resultJson, String signature,
            String subject) {
        return authenticateAsync(key, resultJson, signature, subject, null, null, Async.defaultExecutor());
    }

    /**
     * {@link #authenticate(PublicKey, String, String, String)} on {@code executor}.
     *
     * @param key the device's AuthKey public key
     * @param resultJson {@code resultJSON} exactly as received
     * @param signature {@code resultJSONSignature}
     * @param subject the user the challenge was issued to
     * @param executor where the blocking call runs
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> authenticateAsync(PublicKey key, String resultJson, String signature,
            String subject, Executor executor) {
        return authenticateAsync(key, resultJson, signature, subject, null, null, executor);
    }

    /**
     * {@link #authenticate(PublicKey, String, String, String, String, String)} on the library's pool.
     *
     * @param key the device's AuthKey public key
     * @param resultJson {@code resultJSON} exactly as received
     * @param signature {@code resultJSONSignature}
     * @param subject the user the challenge was issued to
     * @param cpuId expected cpu_id, or null
     * @param uid expected uid, or null
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> authenticateAsync(PublicKey key, String resultJson, String signature,
            String subject, String cpuId, String uid) {
        return authenticateAsync(key, resultJson, signature, subject, cpuId, uid, Async.defaultExecutor());
    }

    /**
     * {@link #authenticate(PublicKey, String, String, String, String, String)} on {@code executor}.
     *
     * @param key the device's AuthKey public key
     * @param resultJson {@code resultJSON} exactly as received
     * @param signature {@code resultJSONSignature}
     * @param subject the user the challenge was issued to
     * @param cpuId expected cpu_id, or null
     * @param uid expected uid, or null
     * @param executor where the blocking call runs
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> authenticateAsync(PublicKey key, String resultJson, String signature,
            String subject, String cpuId, String uid, Executor executor) {
        return Async.supply(() -> authenticate(key, resultJson, signature, subject, cpuId, uid), executor);
    }

    /**
     * {@link #accept(String, String)} on the library's pool.
     *
     * @param resultJson {@code resultJSON} as received (its signature verified elsewhere)
     * @param subject the user the challenge was issued to
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> acceptAsync(String resultJson, String subject) {
        return acceptAsync(resultJson, subject, null, null, Async.defaultExecutor());
    }

    /**
     * {@link #accept(String, String)} on {@code executor}.
     *
     * @param resultJson {@code resultJSON} as received (its signature verified elsewhere)
     * @param subject the user the challenge was issued to
     * @param executor where the blocking call runs
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> acceptAsync(String resultJson, String subject, Executor executor) {
        return acceptAsync(resultJson, subject, null, null, executor);
    }

    /**
     * {@link #accept(String, String, String, String)} on the library's pool.
     *
     * @param resultJson {@code resultJSON} as received (its signature verified elsewhere)
     * @param subject the user the challenge was issued to
     * @param cpuId expected cpu_id, or null
     * @param uid expected uid, or null
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> acceptAsync(String resultJson, String subject, String cpuId, String uid) {
        return acceptAsync(resultJson, subject, cpuId, uid, Async.defaultExecutor());
    }

    /**
     * {@link #accept(String, String, String, String)} on {@code executor}.
     *
     * @param resultJson {@code resultJSON} as received (its signature verified elsewhere)
     * @param subject the user the challenge was issued to
     * @param cpuId expected cpu_id, or null
     * @param uid expected uid, or null
     * @param executor where the blocking call runs
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> acceptAsync(String resultJson, String subject, String cpuId, String uid,
            Executor executor) {
        return Async.supply(() -> accept(resultJson, subject, cpuId, uid), executor);
    }

    /**
     * {@link #authenticateViaWeChat(WeChatClient, String, String, String, String)} on the library's pool.
     *
     * @param client the app's WeChat client
     * @param openid the user's openid
     * @param resultJson {@code resultJSON} as received
     * @param signature {@code resultJSONSignature}
     * @param subject the user the challenge was issued to
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> authenticateViaWeChatAsync(WeChatClient client, String openid,
            String resultJson, String signature, String subject) {
        return authenticateViaWeChatAsync(client, openid, resultJson, signature, subject, null, null,
                Async.defaultExecutor());
    }

    /**
     * {@link #authenticateViaWeChat(WeChatClient, String, String, String, String)} on {@code executor}.
     *
     * @param client the app's WeChat client
     * @param openid the user's openid
     * @param resultJson {@code resultJSON} as received
     * @param signature {@code resultJSONSignature}
     * @param subject the user the challenge was issued to
     * @param executor where the blocking call runs
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> authenticateViaWeChatAsync(WeChatClient client, String openid,
            String resultJson, String signature, String subject, Executor executor) {
        return authenticateViaWeChatAsync(client, openid, resultJson, signature, subject, null, null, executor);
    }

    /**
     * {@link #authenticateViaWeChat(WeChatClient, String, String, String, String, String, String)}
     * on the library's pool.
     *
     * @param client the app's WeChat client
     * @param openid the user's openid
     * @param resultJson {@code resultJSON} as received
     * @param signature {@code resultJSONSignature}
     * @param subject the user the challenge was issued to
     * @param cpuId expected cpu_id, or null
     * @param uid expected uid, or null
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> authenticateViaWeChatAsync(WeChatClient client, String openid,
            String resultJson, String signature, String subject, String cpuId, String uid) {
        return authenticateViaWeChatAsync(client, openid, resultJson, signature, subject, cpuId, uid,
                Async.defaultExecutor());
    }

    /**
     * {@link #authenticateViaWeChat(WeChatClient, String, String, String, String, String, String)}
     * on {@code executor}.
     *
     * @param client the app's WeChat client
     * @param openid the user's openid
     * @param resultJson {@code resultJSON} as received
     * @param signature {@code resultJSONSignature}
     * @param subject the user the challenge was issued to
     * @param cpuId expected cpu_id, or null
     * @param uid expected uid, or null
     * @param executor where the blocking call runs
     * @return the accepted result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<ResultJson> authenticateViaWeChatAsync(WeChatClient client, String openid,
            String resultJson, String signature, String subject, String cpuId, String uid, Executor executor) {
        return Async.supply(() -> authenticateViaWeChat(client, openid, resultJson, signature, subject, cpuId, uid),
                executor);
    }

    /**
     * {@link #faceGetInfo(WeChatClient, String, String)} on the library's pool.
     *
     * @param client the app's WeChat client
     * @param verifyResult the legacy ticket from the mini-program
     * @param subject the user (openid) the ticket must belong to
     * @return the person's face result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<FaceInfo> faceGetInfoAsync(WeChatClient client, String verifyResult, String subject) {
        return faceGetInfoAsync(client, verifyResult, subject, Async.defaultExecutor());
    }

    /**
     * {@link #faceGetInfo(WeChatClient, String, String)} on {@code executor}.
     *
     * @param client the app's WeChat client
     * @param verifyResult the legacy ticket from the mini-program
     * @param subject the user (openid) the ticket must belong to
     * @param executor where the blocking call runs
     * @return the person's face result; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<FaceInfo> faceGetInfoAsync(WeChatClient client, String verifyResult, String subject,
            Executor executor) {
        return Async.supply(() -> faceGetInfo(client, verifyResult, subject), executor);
    }

    /**
     * {@link #faceStart(WeChatClient, String, CertInfo)} on the library's pool.
     *
     * @param client the app's WeChat client
     * @param subject the user (openid) the session is for
     * @param cert the document to verify against
     * @return the recorded session; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<VerifyId> faceStartAsync(WeChatClient client, String subject, CertInfo cert) {
        return faceStartAsync(client, subject, cert, Async.defaultExecutor());
    }

    /**
     * {@link #faceStart(WeChatClient, String, CertInfo)} on {@code executor}.
     *
     * @param client the app's WeChat client
     * @param subject the user (openid) the session is for
     * @param cert the document to verify against
     * @param executor where the blocking call runs
     * @return the recorded session; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<VerifyId> faceStartAsync(WeChatClient client, String subject, CertInfo cert,
            Executor executor) {
        return Async.supply(() -> faceStart(client, subject, cert), executor);
    }

    /**
     * {@link #faceFinish(WeChatClient, String, String, CertInfo)} on the library's pool.
     *
     * @param client the app's WeChat client
     * @param verifyId the session {@link #faceStart} recorded
     * @param subject the user (openid) it was started for
     * @param cert the document it was started with
     * @return WeChat's verdict; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<VerifyInfo> faceFinishAsync(WeChatClient client, String verifyId, String subject,
            CertInfo cert) {
        return faceFinishAsync(client, verifyId, subject, cert, Async.defaultExecutor());
    }

    /**
     * {@link #faceFinish(WeChatClient, String, String, CertInfo)} on {@code executor}.
     *
     * @param client the app's WeChat client
     * @param verifyId the session {@link #faceStart} recorded
     * @param subject the user (openid) it was started for
     * @param cert the document it was started with
     * @param executor where the blocking call runs
     * @return WeChat's verdict; exceptionally the exceptions of the blocking call
     */
    public CompletableFuture<VerifyInfo> faceFinishAsync(WeChatClient client, String verifyId, String subject,
            CertInfo cert, Executor executor) {
        return Async.supply(() -> faceFinish(client, verifyId, subject, cert), executor);
    }

    /**
     * Adds an observer told about every call this guard completes (for metrics; the Spring Boot
     * starter adds one). Observers cannot be removed; each costs two clock reads per call.
     *
     * @param observer the observer
     */
    public void addCallObserver(CallObserver observer) {
        observers.add(observer);
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
        byte[] c = Utf8.encodeOrNull(cpuId, "cpuId");
        byte[] u = Utf8.encodeOrNull(uid, "uid");
        Memory m = new Memory(GuardNative.SUBJECT_SIZE + s.length + (c == null ? 0 : c.length)
                + (u == null ? 0 : u.length) + 1);
        m.clear();
        long at = text(m, SoterGuardSubject.OFF_SUBJECT, s, GuardNative.SUBJECT_SIZE);
        at = text(m, SoterGuardSubject.OFF_CPU_ID, c, at);
        text(m, SoterGuardSubject.OFF_UID, u, at);
        return m;
    }

    /**
     * Writes {@code b} at {@code at} and its (pointer, length) at {@code field}; null stays NULL.
     * The header's every text is a {@code const uint8_t *} followed by its {@code size_t}, which
     * the pointer's alignment puts right after it.
     */
    static long text(Memory m, long field, byte[] b, long at) {
        if (b == null) {
            return at;
        }
        if (b.length > 0) {
            m.write(at, b, 0, b.length);
        }
        m.setPointer(field, m.share(at));
        m.setLong(field + Native.POINTER_SIZE, b.length);
        return at + b.length;
    }

    private static byte[] utf8(String s, String what) {
        return Utf8.encode(s, what);
    }

    /**
     * Bounds of an in-memory guard: immutable, {@code with}-style. Each bound is at least 1 (zero
     * is refused rather than taken as "default" or "none").
     */
    public static final class MemoryOptions {
        private final long maxChallenges;
        private final long maxDevices;
        private final int maxChallengesPerSubject;

        private MemoryOptions(long maxChallenges, long maxDevices, int maxChallengesPerSubject) {
            this.maxChallenges = maxChallenges;
            this.maxDevices = maxDevices;
            this.maxChallengesPerSubject = maxChallengesPerSubject;
        }

        /**
         * 100 000 pending challenges, 1 000 000 device counters, 16 pending challenges per subject.
         *
         * @return the defaults
         */
        public static MemoryOptions defaults() {
            return new MemoryOptions(DEFAULT_MAX_CHALLENGES, DEFAULT_MAX_DEVICES, DEFAULT_MAX_CHALLENGES_PER_SUBJECT);
        }

        /**
         * Pending challenges held at most: then {@link #issueChallenge} throws
         * {@link StoreUnavailableException} rather than grow (expired ones are dropped first).
         *
         * @param maxChallenges at least 1
         * @return new options
         * @throws IllegalArgumentException below 1
         */
        public MemoryOptions maxChallenges(long maxChallenges) {
            if (maxChallenges < 1) {
                throw new IllegalArgumentException("maxChallenges must be at least 1, not " + maxChallenges);
            }
            return new MemoryOptions(maxChallenges, maxDevices, maxChallengesPerSubject);
        }

        /**
         * Devices whose last counter is kept; at the bound the least recently accepted sixteenth is
         * forgotten.
         *
         * @param maxDevices at least 1
         * @return new options
         * @throws IllegalArgumentException below 1
         */
        public MemoryOptions maxDevices(long maxDevices) {
            if (maxDevices < 1) {
                throw new IllegalArgumentException("maxDevices must be at least 1, not " + maxDevices);
            }
            return new MemoryOptions(maxChallenges, maxDevices, maxChallengesPerSubject);
        }

        /**
         * Pending challenges per subject: issuing past it drops that subject's oldest.
         *
         * @param maxChallengesPerSubject 1 to {@link #MAX_CHALLENGES_PER_SUBJECT}
         * @return new options
         * @throws IllegalArgumentException outside that range
         */
        public MemoryOptions maxChallengesPerSubject(int maxChallengesPerSubject) {
            return new MemoryOptions(maxChallenges, maxDevices, perSubject(maxChallengesPerSubject));
        }

        @Override
        public String toString() {
            return "MemoryOptions[maxChallenges=" + maxChallenges + ", maxDevices=" + maxDevices
                    + ", maxChallengesPerSubject=" + maxChallengesPerSubject + "]";
        }
    }

    static int perSubject(int n) {
        if (n < 1 || n > MAX_CHALLENGES_PER_SUBJECT) {
            throw new IllegalArgumentException(
                    "maxChallengesPerSubject must be 1 to " + MAX_CHALLENGES_PER_SUBJECT + ", not " + n);
        }
        return n;
    }

    /**
     * Settings of a Redis guard: immutable, {@code with}-style. {@link #password(String)},
     * {@link #sentinelPassword(String)} and {@link #db(long)} are for
     * {@link #redisSentinel(List, String, RedisOptions)} only (a standalone server's and a
     * Cluster's password and database go in their URLs); {@link #toString()} never shows a password.
     */
    public static final class RedisOptions {
        private String prefix = "soter:";
        private Duration timeout = Duration.ofSeconds(1);
        private String tlsCaPem;
        private int waitReplicas;
        private int maxChallengesPerSubject = DEFAULT_MAX_CHALLENGES_PER_SUBJECT;
        private String password;
        private String sentinelPassword;
        private long db;

        private RedisOptions() {}

        private RedisOptions copy() {
            RedisOptions o = new RedisOptions();
            o.prefix = prefix;
            o.timeout = timeout;
            o.tlsCaPem = tlsCaPem;
            o.waitReplicas = waitReplicas;
            o.maxChallengesPerSubject = maxChallengesPerSubject;
            o.password = password;
            o.sentinelPassword = sentinelPassword;
            o.db = db;
            return o;
        }

        /**
         * Prefix {@code soter:}, timeout 1 s, the system's root certificates for {@code rediss://},
         * no waiting for replicas, 16 pending challenges per subject; for Sentinel no passwords and
         * database 0.
         *
         * @return the defaults
         */
        public static RedisOptions defaults() {
            return new RedisOptions();
        }

        /**
         * Prepended to every key (no braces).
         *
         * @param prefix the prefix
         * @return new options
         */
        public RedisOptions prefix(String prefix) {
            RedisOptions o = copy();
            o.prefix = Objects.requireNonNull(prefix, "prefix must not be null");
            return o;
        }

        /**
         * The bound of one whole guard call: connect, Sentinel discovery, the retry on a stale
         * connection, the script and {@code WAIT}. After a call fails for want of Redis, later calls
         * fail at once ({@link StoreUnavailableException}) while one call at a time checks whether
         * Redis is back.
         *
         * @param timeout 1 ms to 1 hour (more is refused as a likely unit mistake)
         * @return new options
         * @throws IllegalArgumentException outside that range
         */
        public RedisOptions timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout must not be null");
            if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("timeout must be 1 ms to 1 hour, not " + timeout);
            }
            RedisOptions o = copy();
            o.timeout = timeout;
            return o;
        }

        /**
         * PEM root certificate(s) to trust for {@code rediss://} instead of the system store.
         *
         * @param pem the certificate(s)
         * @return new options
         */
        public RedisOptions tlsCaPem(String pem) {
            RedisOptions o = copy();
            o.tlsCaPem = Objects.requireNonNull(pem, "pem must not be null");
            return o;
        }

        /**
         * Replicas that must acknowledge a consumed challenge ({@code WAIT n}, on the node that ran
         * the script) before a result counts as accepted; fewer within the timeout gives
         * {@link StoreUnavailableException} (fail closed: the challenge stays used). With replicas,
         * this is what keeps a failover from bringing back a used challenge or a lower counter.
         *
         * @param waitReplicas 0 (do not wait, the default) or more
         * @return new options
         * @throws IllegalArgumentException when negative
         */
        public RedisOptions waitReplicas(int waitReplicas) {
            if (waitReplicas < 0) {
                throw new IllegalArgumentException("waitReplicas must not be negative, not " + waitReplicas);
            }
            RedisOptions o = copy();
            o.waitReplicas = waitReplicas;
            return o;
        }

        /**
         * Pending challenges per subject: issuing past it drops that subject's oldest.
         *
         * @param maxChallengesPerSubject 1 to {@link #MAX_CHALLENGES_PER_SUBJECT} (default 16)
         * @return new options
         * @throws IllegalArgumentException outside that range
         */
        public RedisOptions maxChallengesPerSubject(int maxChallengesPerSubject) {
            RedisOptions o = copy();
            o.maxChallengesPerSubject = perSubject(maxChallengesPerSubject);
            return o;
        }

        /**
         * Sentinel only: the master's password ({@code requirepass}). Never shown.
         *
         * @param password the password, or null or empty for none
         * @return new options
         */
        public RedisOptions password(String password) {
            RedisOptions o = copy();
            o.password = password == null || password.isEmpty() ? null : password;
            return o;
        }

        /**
         * Sentinel only: the Sentinels' own password ({@code requirepass} in sentinel.conf), when it
         * is not in their URLs. Never shown.
         *
         * @param sentinelPassword the password, or null or empty for none
         * @return new options
         */
        public RedisOptions sentinelPassword(String sentinelPassword) {
            RedisOptions o = copy();
            o.sentinelPassword = sentinelPassword == null || sentinelPassword.isEmpty() ? null : sentinelPassword;
            return o;
        }

        /**
         * Sentinel only: the database on the master (default 0).
         *
         * @param db 0 or more
         * @return new options
         * @throws IllegalArgumentException when negative
         */
        public RedisOptions db(long db) {
            if (db < 0) {
                throw new IllegalArgumentException("db must not be negative, not " + db);
            }
            RedisOptions o = copy();
            o.db = db;
            return o;
        }

        void notSentinel(String factory) {
            if (password != null || sentinelPassword != null || db != 0) {
                String which = password != null ? "password" : sentinelPassword != null ? "sentinelPassword" : "db";
                throw new IllegalArgumentException("RedisOptions." + which + " is for redisSentinel only; with "
                        + factory + " the password and database go in the URL");
            }
        }

        Memory struct() {
            byte[] p = Utf8.encode(prefix, "prefix");
            byte[] ca = Utf8.encodeOrNull(tlsCaPem, "tlsCaPem");
            Memory m = new Memory(GuardNative.OPTIONS_SIZE + p.length + (ca == null ? 0 : ca.length) + 1);
            m.clear();
            long at = text(m, GuardNative.OPT_PREFIX, p, GuardNative.OPTIONS_SIZE);
            m.setInt(GuardNative.OPT_TIMEOUT_MS, (int) timeout.toMillis());
            text(m, GuardNative.OPT_TLS_CA_PEM, ca, at);
            m.setInt(GuardNative.OPT_WAIT_REPLICAS, waitReplicas);
            m.setInt(GuardNative.OPT_MAX_CHALLENGES_PER_SUBJECT, maxChallengesPerSubject);
            return m;
        }

        /** {@code SoterSentinelOptions}; clear it after the call (it holds the passwords). */
        Memory sentinelStruct() {
            byte[] pw = Utf8.encodeOrNull(password, "password");
            byte[] spw = Utf8.encodeOrNull(sentinelPassword, "sentinelPassword");
            Memory m = new Memory(GuardNative.SENTINEL_OPTIONS_SIZE + (pw == null ? 0 : pw.length)
                    + (spw == null ? 0 : spw.length) + 1);
            m.clear();
            long at = text(m, GuardNative.SOPT_PASSWORD, pw, GuardNative.SENTINEL_OPTIONS_SIZE);
            text(m, GuardNative.SOPT_SENTINEL_PASSWORD, spw, at);
            m.setLong(GuardNative.SOPT_DB, db);
            if (pw != null) {
                java.util.Arrays.fill(pw, (byte) 0);
            }
            if (spw != null) {
                java.util.Arrays.fill(spw, (byte) 0);
            }
            return m;
        }

        @Override
        public String toString() {
            return "RedisOptions[prefix=" + prefix + ", timeout=" + timeout + (tlsCaPem == null ? "" : ", tlsCaPem set")
                    + ", waitReplicas=" + waitReplicas + ", maxChallengesPerSubject=" + maxChallengesPerSubject
                    + (password == null ? "" : ", password set") + (sentinelPassword == null ? "" : ", sentinelPassword set")
                    + (db == 0 ? "" : ", db=" + db) + "]";
        }
    }
}
