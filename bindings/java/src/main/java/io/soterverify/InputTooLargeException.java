package io.soterverify;

/**
 * Input larger than the documented cap (64 KiB for keys and JSON documents).
 *
 * <p>Status {@link Status#INPUT_TOO_LARGE} ({@code SOTER_STATUS_INPUT_TOO_LARGE} = 3).
 */
public class InputTooLargeException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public InputTooLargeException(String message) {
        super(Status.INPUT_TOO_LARGE, message);
    }
}
