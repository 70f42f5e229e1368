package io.soterverify;

/**
 * The named meaning of a {@code verify_ret} from {@code queryverifyinfo} ({@code SoterVerifyOutcome}).
 * Only {@link #PASSED} means the person passed.
 */
public enum VerifyOutcome {
    /** 10000: passed. */
    PASSED,
    /** 90002..90006: the user cancelled. */
    USER_CANCELLED,
    /** 90001, 90109: the device cannot do face verification. */
    DEVICE_UNSUPPORTED,
    /** 90007, 90012: network error on the device. */
    NETWORK_ERROR,
    /** 90008..90010: permission denied (camera, authorization). */
    PERMISSION_DENIED,
    /** 90011, 90013, 90014: face data invalid or not matching the document. */
    INVALID_FACE_DATA,
    /** 90017, 90107: timed out. */
    TIMEOUT,
    /** 90018, 90104..90106, 90110, 90199: system error. */
    SYSTEM_ERROR,
    /** Any other value. */
    OTHER;

    /** The C value ({@code SOTER_VERIFY_OUTCOME_*}) is the ordinal. */
    static VerifyOutcome of(int code) {
        VerifyOutcome[] all = values();
        return code >= 0 && code < all.length ? all[code] : OTHER;
    }

    /**
     * The library's name of this outcome, e.g. "user_cancelled".
     *
     * @return the name
     */
    public String wireName() {
        WeChatNative.load();
        return NativeLib.cString(SoterFfi.soter_verify_outcome_name(ordinal()));
    }
}
