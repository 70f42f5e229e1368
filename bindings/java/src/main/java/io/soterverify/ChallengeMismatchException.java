package io.soterverify;

/**
 * The signed challenge ({@code raw}) is not the one this server issued.
 *
 * <p>Status {@link Status#CHALLENGE_MISMATCH} ({@code SOTER_STATUS_CHALLENGE_MISMATCH} = 11).
 */
public class ChallengeMismatchException extends VerificationFailedException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public ChallengeMismatchException(String message) {
        super(Status.CHALLENGE_MISMATCH, message);
    }
}
