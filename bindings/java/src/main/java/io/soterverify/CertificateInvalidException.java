package io.soterverify;

/**
 * A certificate chain that cannot be accepted: unparseable, a signature in the chain that does not
 * verify, a non-CA intermediate, outside its validity, or no usable attestation.
 *
 * <p>Status {@link Status#CERTIFICATE_INVALID} ({@code SOTER_STATUS_CERTIFICATE_INVALID} = 21).
 */
public class CertificateInvalidException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public CertificateInvalidException(String message) {
        super(Status.CERTIFICATE_INVALID, message);
    }

    /**
     * For subclasses.
     *
     * @param status the status of the subclass
     * @param message the library's one-sentence explanation
     */
    protected CertificateInvalidException(Status status, String message) {
        super(status, message);
    }
}
