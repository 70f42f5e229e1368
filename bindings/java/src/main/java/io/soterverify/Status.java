// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify;

/**
 * The status codes of the C ABI ({@code SoterStatus} in {@code soter_verify.h}), one per
 * exception class. {@code SOTER_STATUS_OK} has no constant: success never throws.
 */
public enum Status {
    /** {@code SOTER_STATUS_INVALID_ARGUMENT}: see {@link InvalidArgumentException}. */
    INVALID_ARGUMENT(1),
    /** {@code SOTER_STATUS_INVALID_INPUT}: see {@link InvalidInputException}. */
    INVALID_INPUT(2),
    /** {@code SOTER_STATUS_INPUT_TOO_LARGE}: see {@link InputTooLargeException}. */
    INPUT_TOO_LARGE(3),
    /** {@code SOTER_STATUS_INVALID_KEY}: see {@link InvalidKeyException}. */
    INVALID_KEY(4),
    /** {@code SOTER_STATUS_KEY_TOO_SMALL}: see {@link KeyTooSmallException}. */
    KEY_TOO_SMALL(5),
    /** {@code SOTER_STATUS_UNSUPPORTED_KEY}: see {@link UnsupportedKeyException}. */
    UNSUPPORTED_KEY(6),
    /** {@code SOTER_STATUS_MALFORMED_SIGNATURE}: see {@link MalformedSignatureException}. */
    MALFORMED_SIGNATURE(7),
    /** {@code SOTER_STATUS_INVALID_JSON}: see {@link InvalidJsonException}. */
    INVALID_JSON(8),
    /** {@code SOTER_STATUS_DUPLICATE_FIELD}: see {@link DuplicateFieldException}. */
    DUPLICATE_FIELD(9),
    /** {@code SOTER_STATUS_SIGNATURE_INVALID}: see {@link SignatureInvalidException}. */
    SIGNATURE_INVALID(10),
    /** {@code SOTER_STATUS_CHALLENGE_MISMATCH}: see {@link ChallengeMismatchException}. */
    CHALLENGE_MISMATCH(11),
    /** {@code SOTER_STATUS_DEVICE_MISMATCH}: see {@link DeviceMismatchException}. */
    DEVICE_MISMATCH(12),
    /** {@code SOTER_STATUS_COUNTER_REPLAY}: see {@link CounterReplayException}. */
    COUNTER_REPLAY(13),
    /** {@code SOTER_STATUS_NETWORK}: see {@link NetworkException}. */
    NETWORK(14),
    /** {@code SOTER_STATUS_TIMEOUT}: see {@link TimeoutException}. */
    TIMEOUT(15),
    /** {@code SOTER_STATUS_WECHAT_API}: see {@link WeChatApiException}. */
    WECHAT_API(16),
    /** {@code SOTER_STATUS_TOKEN}: see {@link TokenException}. */
    TOKEN(17),
    /** {@code SOTER_STATUS_MALFORMED_RESPONSE}: see {@link MalformedResponseException}. */
    MALFORMED_RESPONSE(18),
    /** {@code SOTER_STATUS_CONFIG}: see {@link ConfigException}. */
    CONFIG(19),
    /** {@code SOTER_STATUS_STORE_UNAVAILABLE}: see {@link StoreUnavailableException}. */
    STORE_UNAVAILABLE(20),
    /** {@code SOTER_STATUS_CERTIFICATE_INVALID}: see {@link CertificateInvalidException}. */
    CERTIFICATE_INVALID(21),
    /** {@code SOTER_STATUS_UNTRUSTED_ROOT}: see {@link UntrustedRootException}. */
    UNTRUSTED_ROOT(22),
    /** {@code SOTER_STATUS_CERTIFICATE_REVOKED}: see {@link CertificateRevokedException}. */
    CERTIFICATE_REVOKED(23),
    /** {@code SOTER_STATUS_INTERNAL}: see {@link InternalException}. */
    INTERNAL(99);

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /**
     * The numeric value in the C ABI.
     *
     * @return the {@code SOTER_STATUS_*} value
     */
    public int code() {
        return code;
    }

    /**
     * The status with the given C value.
     *
     * @param code a {@code SOTER_STATUS_*} value other than OK
     * @return the status, or {@link #INTERNAL} for a value this package does not know
     */
    public static Status of(int code) {
        switch (code) {
            case 1: return INVALID_ARGUMENT;
            case 2: return INVALID_INPUT;
            case 3: return INPUT_TOO_LARGE;
            case 4: return INVALID_KEY;
            case 5: return KEY_TOO_SMALL;
            case 6: return UNSUPPORTED_KEY;
            case 7: return MALFORMED_SIGNATURE;
            case 8: return INVALID_JSON;
            case 9: return DUPLICATE_FIELD;
            case 10: return SIGNATURE_INVALID;
            case 11: return CHALLENGE_MISMATCH;
            case 12: return DEVICE_MISMATCH;
            case 13: return COUNTER_REPLAY;
            case 14: return NETWORK;
            case 15: return TIMEOUT;
            case 16: return WECHAT_API;
            case 17: return TOKEN;
            case 18: return MALFORMED_RESPONSE;
            case 19: return CONFIG;
            case 20: return STORE_UNAVAILABLE;
            case 21: return CERTIFICATE_INVALID;
            case 22: return UNTRUSTED_ROOT;
            case 23: return CERTIFICATE_REVOKED;
            case 99: return INTERNAL;
            default: return INTERNAL;
        }
    }
}
