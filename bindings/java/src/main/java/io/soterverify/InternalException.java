package io.soterverify;

/**
 * A bug in soter-verify (a caught panic in the native library). Never caused by input; please report it.
 *
 * <p>Status {@link Status#INTERNAL} ({@code SOTER_STATUS_INTERNAL} = 99).
 */
public class InternalException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public InternalException(String message) {
        super(Status.INTERNAL, message);
    }
}
