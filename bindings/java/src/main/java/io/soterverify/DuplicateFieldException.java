package io.soterverify;

/**
 * A JSON object that names the same field twice.
 *
 * <p>Status {@link Status#DUPLICATE_FIELD} ({@code SOTER_STATUS_DUPLICATE_FIELD} = 9).
 */
public class DuplicateFieldException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public DuplicateFieldException(String message) {
        super(Status.DUPLICATE_FIELD, message);
    }
}
