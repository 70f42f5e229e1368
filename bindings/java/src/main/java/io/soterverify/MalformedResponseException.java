package io.soterverify;

/**
 * WeChat's response was not the documented JSON, or too large.
 *
 * <p>Status {@link Status#MALFORMED_RESPONSE} ({@code SOTER_STATUS_MALFORMED_RESPONSE} = 18).
 */
public class MalformedResponseException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public MalformedResponseException(String message) {
        super(Status.MALFORMED_RESPONSE, message);
    }
}
