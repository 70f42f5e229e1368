package io.soterverify;

/**
 * The result was well formed but must not be accepted: bad signature, wrong challenge, wrong device
 * or replayed counter. Answer the client with a plain "verification failed"; log the subclass.
 */
public abstract class VerificationFailedException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param status one of the four verification statuses
     * @param message the explanation
     */
    protected VerificationFailedException(Status status, String message) {
        super(status, message);
    }
}
