package io.soterverify;

/**
 * JSON that is not well formed, too deep, or with a missing or mistyped field.
 *
 * <p>Status {@link Status#INVALID_JSON} ({@code SOTER_STATUS_INVALID_JSON} = 8).
 */
public class InvalidJsonException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public InvalidJsonException(String message) {
        super(Status.INVALID_JSON, message);
    }
}
