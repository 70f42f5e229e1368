package io.soterverify;

/**
 * The overall deadline of a WeChat call, its connect timeout or a per-attempt timeout expired
 * (the message names which).
 *
 * <p>Status {@link Status#TIMEOUT} ({@code SOTER_STATUS_TIMEOUT} = 15).
 */
public class TimeoutException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public TimeoutException(String message) {
        super(Status.TIMEOUT, message);
    }
}
