package io.soterverify;

/**
 * A public key that cannot be parsed or is not a usable RSA key.
 *
 * <p>Status {@link Status#INVALID_KEY} ({@code SOTER_STATUS_INVALID_KEY} = 4).
 */
public class InvalidKeyException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public InvalidKeyException(String message) {
        super(Status.INVALID_KEY, message);
    }
}
