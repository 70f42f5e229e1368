package io.soterverify;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Direct-mapped ReplayGuard functions of {@code libsoter_verify}, registered on first use only
 * (as {@link WeChatNative}). Conventions as in {@link NativeLib}: pointers and {@code size_t} as
 * {@code long}, C {@code bool} as {@code byte}, out parameters as one-element arrays, structs as
 * hand-laid {@link com.sun.jna.Memory}.
 */
final class GuardNative {
    static {
        NativeLib.load();
        WeChatNative.load(); // authenticateViaWeChat takes a WeChatClient
        Native.register(GuardNative.class, NativeLib.LIB);
    }

    private GuardNative() {}

    /** Forces registration (an {@link UnsatisfiedLinkError} when the library lacks the guard). */
    static void load() {}

    /**
     * {@code SoterGuardOptions} (x86-64): 0 prefix, 8 prefix_len, 16 uint32 timeout_ms,
     * 24 tls_ca_pem, 32 tls_ca_pem_len, 40 uint64 max_challenges, 48 uint64 max_devices,
     * 56 uint32 wait_replicas, 60 uint32 max_challenges_per_subject.
     */
    static final int OPTIONS_SIZE = 64;
    static final int OPT_PREFIX = 0;
    static final int OPT_TIMEOUT_MS = 16;
    static final int OPT_TLS_CA_PEM = 24;
    static final int OPT_MAX_CHALLENGES = 40;
    static final int OPT_MAX_DEVICES = 48;
    static final int OPT_WAIT_REPLICAS = 56;
    static final int OPT_MAX_CHALLENGES_PER_SUBJECT = 60;
    /**
     * {@code SoterSentinelOptions}: 0 password, 8 password_len, 16 sentinel_password,
     * 24 sentinel_password_len, 32 int64 db.
     */
    static final int SENTINEL_OPTIONS_SIZE = 40;
    static final int SOPT_PASSWORD = 0;
    static final int SOPT_SENTINEL_PASSWORD = 16;
    static final int SOPT_DB = 32;
    /** {@code SoterGuardSubject}: 0 subject, 8 len, 16 cpu_id, 24 len, 32 uid, 40 len. */
    static final int SUBJECT_SIZE = 48;

    static native int soter_replay_guard_new_memory(Pointer opts, long[] out, long[] err);
    static native int soter_replay_guard_new_redis(byte[] url, long urlLen, Pointer opts, long[] out, long[] err);
    static native int soter_replay_guard_new_redis_cluster(Pointer urls, long[] urlLens, long count, Pointer opts,
            long[] out, long[] err);
    static native int soter_replay_guard_new_redis_sentinel(Pointer urls, long[] urlLens, long count,
            byte[] serviceName, long serviceNameLen, Pointer sopts, Pointer opts, long[] out, long[] err);
    static native int soter_replay_guard_ping(long guard, long[] err);
    static native void soter_replay_guard_free(long guard);
    static native int soter_replay_guard_describe(long guard, long[] out, long[] outLen, long[] err);
    static native int soter_replay_guard_issue_challenge(long guard, byte[] subject, long subjectLen, long ttlMs,
            byte[] buf, long cap, long[] outLen, long[] err);
    static native int soter_replay_guard_authenticate(long guard, long key, byte[] json, long jsonLen, byte[] sig,
            long sigLen, Pointer subject, long[] out, long[] err);
    static native int soter_replay_guard_accept(long guard, byte[] json, long jsonLen, Pointer subject, long[] out,
            long[] err);
    static native int soter_replay_guard_authenticate_via_wechat(long guard, long client, byte[] openid,
            long openidLen, byte[] json, long jsonLen, byte[] sig, long sigLen, Pointer subject, long[] out,
            long[] err);
    static native int soter_replay_guard_face_get_info(long guard, long client, byte[] verifyResult,
            long verifyResultLen, byte[] subject, long subjectLen, int maxAgeS, long[] out, long[] err);
    static native int soter_replay_guard_face_start(long guard, long client, byte[] subject, long subjectLen,
            Pointer cert, byte[] outSeqNo, long outSeqNoLen, int ttlS, long[] verifyId, long[] expiresIn, long[] err);
    /** {@code out}: SoterVerifyInfo (16 bytes: int64 verify_ret, int32 outcome, bool passed). */
    static native int soter_replay_guard_face_finish(long guard, long client, byte[] verifyId, long verifyIdLen,
            byte[] subject, long subjectLen, Pointer cert, Pointer out, long[] err);
    static native int soter_replay_guard_last_counter(long guard, byte[] subject, long subjectLen, byte[] cpuId,
            long cpuIdLen, byte[] uid, long uidLen, byte[] found, long[] counter, long[] err);
}
