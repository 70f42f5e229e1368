package io.soterverify;

import io.soterverify.ffi.SoterGuardOptions;
import io.soterverify.ffi.SoterGuardSubject;
import io.soterverify.ffi.SoterSentinelOptions;

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
    }

    private GuardNative() {}

    /** Forces registration (an {@link UnsatisfiedLinkError} when the library lacks the guard). */
    static void load() {}

    // Layouts of the guard's structs: JNA's, from the generated io.soterverify.ffi classes.
    static final int OPTIONS_SIZE = SoterGuardOptions.SIZE;
    static final int OPT_PREFIX = SoterGuardOptions.OFF_PREFIX;
    static final int OPT_TIMEOUT_MS = SoterGuardOptions.OFF_TIMEOUT_MS;
    static final int OPT_TLS_CA_PEM = SoterGuardOptions.OFF_TLS_CA_PEM;
    static final int OPT_MAX_CHALLENGES = SoterGuardOptions.OFF_MAX_CHALLENGES;
    static final int OPT_MAX_DEVICES = SoterGuardOptions.OFF_MAX_DEVICES;
    static final int OPT_WAIT_REPLICAS = SoterGuardOptions.OFF_WAIT_REPLICAS;
    static final int OPT_MAX_CHALLENGES_PER_SUBJECT = SoterGuardOptions.OFF_MAX_CHALLENGES_PER_SUBJECT;
    static final int SENTINEL_OPTIONS_SIZE = SoterSentinelOptions.SIZE;
    static final int SOPT_PASSWORD = SoterSentinelOptions.OFF_PASSWORD;
    static final int SOPT_SENTINEL_PASSWORD = SoterSentinelOptions.OFF_SENTINEL_PASSWORD;
    static final int SOPT_DB = SoterSentinelOptions.OFF_DB;
    static final int SUBJECT_SIZE = SoterGuardSubject.SIZE;

}
