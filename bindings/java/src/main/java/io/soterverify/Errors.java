package io.soterverify;

/** Turns a status and an optional {@code SoterError*} into the matching exception. */
final class Errors {
    private Errors() {}

    /** Throws the exception for {@code status} unless it is OK; frees {@code err[0]} either way. */
    static void check(int status, long[] err) {
        if (status != 0) {
            throw take(status, err[0]);
        }
        if (err[0] != 0) {
            NativeLib.soter_error_free(err[0]);
            err[0] = 0;
        }
    }

    /**
     * As {@link #check} for calls that no input or network can make fail (only a bug or an
     * exhausted machine can): an unchecked {@link IllegalStateException} whose cause is the
     * library's exception, so callers need no {@code catch} for what they cannot cause.
     */
    static void checkInternal(int status, long[] err) {
        try {
            check(status, err);
        } catch (SoterException e) {
            throw new IllegalStateException("soter-verify: " + e.getMessage(), e);
        }
    }

    /** The exception for a failed call; copies the error's detail into Java and frees it. */
    static SoterException take(int status, long err) {
        String message;
        Long errcode = null;
        String errmsg = null;
        if (err != 0) {
            try {
                message = NativeLib.cString(NativeLib.soter_error_message(err));
                long[] code = new long[1];
                if (NativeLib.soter_error_errcode(err, code) != 0) {
                    errcode = code[0];
                    long m = NativeLib.soter_error_errmsg(err);
                    errmsg = m == 0 ? "" : NativeLib.cString(m);
                }
            } finally {
                NativeLib.soter_error_free(err);
            }
        } else {
            message = "";
        }
        if (message.isEmpty()) {
            message = NativeLib.statusName(status);
        }
        return of(Status.of(status), message, errcode, errmsg, status);
    }

    static SoterException of(Status s, String message, Long errcode, String errmsg, int raw) {
        switch (s) {
            case INVALID_ARGUMENT: return new InvalidArgumentException(message);
            case INVALID_INPUT: return new InvalidInputException(message);
            case INPUT_TOO_LARGE: return new InputTooLargeException(message);
            case INVALID_KEY: return new InvalidKeyException(message);
            case KEY_TOO_SMALL: return new KeyTooSmallException(message);
            case UNSUPPORTED_KEY: return new UnsupportedKeyException(message);
            case MALFORMED_SIGNATURE: return new MalformedSignatureException(message);
            case INVALID_JSON: return new InvalidJsonException(message);
            case DUPLICATE_FIELD: return new DuplicateFieldException(message);
            case SIGNATURE_INVALID: return new SignatureInvalidException(message);
            case CHALLENGE_MISMATCH: return new ChallengeMismatchException(message);
            case DEVICE_MISMATCH: return new DeviceMismatchException(message);
            case COUNTER_REPLAY: return new CounterReplayException(message);
            case NETWORK: return new NetworkException(message);
            case TIMEOUT: return new TimeoutException(message);
            case WECHAT_API: return new WeChatApiException(message, errcode == null ? 0 : errcode, errmsg);
            case TOKEN: return new TokenException(message, errcode, errmsg);
            case MALFORMED_RESPONSE: return new MalformedResponseException(message);
            case CONFIG: return new ConfigException(message);
            case STORE_UNAVAILABLE: return new StoreUnavailableException(message);
            case CERTIFICATE_INVALID: return new CertificateInvalidException(message);
            case UNTRUSTED_ROOT: return new UntrustedRootException(message);
            case CERTIFICATE_REVOKED: return new CertificateRevokedException(message);
            case INTERNAL:
            default:
                return new InternalException(s == Status.INTERNAL && raw != Status.INTERNAL.code()
                        ? message + " (unknown status " + raw + ")" : message);
        }
    }
}
