package io.soterverify;

/**
 * A certificate of the chain is listed in the revocation status list passed in (revoked or
 * suspended).
 *
 * <p>Status {@link Status#CERTIFICATE_REVOKED} ({@code SOTER_STATUS_CERTIFICATE_REVOKED} = 23).
 */
public class CertificateRevokedException extends CertificateInvalidException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public CertificateRevokedException(String message) {
        super(Status.CERTIFICATE_REVOKED, message);
    }
}
