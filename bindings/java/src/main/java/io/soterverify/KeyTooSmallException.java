package io.soterverify;

/**
 * An RSA key below 2048 bits.
 *
 * <p>Status {@link Status#KEY_TOO_SMALL} ({@code SOTER_STATUS_KEY_TOO_SMALL} = 5).
 */
public class KeyTooSmallException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public KeyTooSmallException(String message) {
        super(Status.KEY_TOO_SMALL, message);
    }
}
