package io.soterverify;

/**
 * The signature does not verify: the result was not signed by this key, or was altered.
 *
 * <p>Status {@link Status#SIGNATURE_INVALID} ({@code SOTER_STATUS_SIGNATURE_INVALID} = 10).
 */
public class SignatureInvalidException extends VerificationFailedException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public SignatureInvalidException(String message) {
        super(Status.SIGNATURE_INVALID, message);
    }
}
