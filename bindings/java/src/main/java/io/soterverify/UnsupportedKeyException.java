package io.soterverify;

/**
 * A key of another algorithm (EC, DSA, Ed25519) or an RSA key above 4096 bits.
 *
 * <p>Status {@link Status#UNSUPPORTED_KEY} ({@code SOTER_STATUS_UNSUPPORTED_KEY} = 6).
 */
public class UnsupportedKeyException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public UnsupportedKeyException(String message) {
        super(Status.UNSUPPORTED_KEY, message);
    }
}
