package io.soterverify;

/**
 * A sound certificate chain that ends at a root that is not trusted (add it with
 * {@code roots} when it is yours).
 *
 * <p>Status {@link Status#UNTRUSTED_ROOT} ({@code SOTER_STATUS_UNTRUSTED_ROOT} = 22).
 */
public class UntrustedRootException extends CertificateInvalidException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public UntrustedRootException(String message) {
        super(Status.UNTRUSTED_ROOT, message);
    }
}
