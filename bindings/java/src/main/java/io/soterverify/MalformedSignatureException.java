package io.soterverify;

/**
 * A signature that cannot be decoded, has the wrong length, or is not below the modulus.
 *
 * <p>Status {@link Status#MALFORMED_SIGNATURE} ({@code SOTER_STATUS_MALFORMED_SIGNATURE} = 7).
 */
public class MalformedSignatureException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public MalformedSignatureException(String message) {
        super(Status.MALFORMED_SIGNATURE, message);
    }
}
