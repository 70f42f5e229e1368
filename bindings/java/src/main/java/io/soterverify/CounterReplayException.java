package io.soterverify;

/**
 * The signed counter is below the expected minimum: a replayed result.
 *
 * <p>Status {@link Status#COUNTER_REPLAY} ({@code SOTER_STATUS_COUNTER_REPLAY} = 13).
 */
public class CounterReplayException extends VerificationFailedException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public CounterReplayException(String message) {
        super(Status.COUNTER_REPLAY, message);
    }
}
