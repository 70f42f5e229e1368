package io.soterverify;

/**
 * API misuse: a NULL pointer or an option out of range (for example a negative salt length other than the two constants).
 *
 * <p>Status {@link Status#INVALID_ARGUMENT} ({@code SOTER_STATUS_INVALID_ARGUMENT} = 1).
 */
public class InvalidArgumentException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public InvalidArgumentException(String message) {
        super(Status.INVALID_ARGUMENT, message);
    }
}
