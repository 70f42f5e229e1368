package io.soterverify;

/**
 * Network failure talking to WeChat: connection refused or reset, DNS, TLS.
 *
 * <p>Status {@link Status#NETWORK} ({@code SOTER_STATUS_NETWORK} = 14).
 */
public class NetworkException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public NetworkException(String message) {
        super(Status.NETWORK, message);
    }
}
