package io.soterverify;

/**
 * Input that is not what was expected: invalid UTF-8, empty input, a bad option string.
 *
 * <p>Status {@link Status#INVALID_INPUT} ({@code SOTER_STATUS_INVALID_INPUT} = 2).
 */
public class InvalidInputException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public InvalidInputException(String message) {
        super(Status.INVALID_INPUT, message);
    }
}
