// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify;

/** The exception class of each status whose exception takes only a message. */
final class StatusExceptions {
    private StatusExceptions() {}

    /** The exception for {@code s}, or null for the statuses {@link Errors} builds itself. */
    static SoterException plain(Status s, String message) {
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
            case MALFORMED_RESPONSE: return new MalformedResponseException(message);
            case CONFIG: return new ConfigException(message);
            case STORE_UNAVAILABLE: return new StoreUnavailableException(message);
            case CERTIFICATE_INVALID: return new CertificateInvalidException(message);
            case UNTRUSTED_ROOT: return new UntrustedRootException(message);
            case CERTIFICATE_REVOKED: return new CertificateRevokedException(message);
            default: return null;
        }
    }
}
