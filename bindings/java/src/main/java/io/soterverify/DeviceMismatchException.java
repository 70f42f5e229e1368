package io.soterverify;

/**
 * The signed {@code cpu_id} or {@code uid} is not the expected device's.
 *
 * <p>Status {@link Status#DEVICE_MISMATCH} ({@code SOTER_STATUS_DEVICE_MISMATCH} = 12).
 */
public class DeviceMismatchException extends VerificationFailedException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public DeviceMismatchException(String message) {
        super(Status.DEVICE_MISMATCH, message);
    }
}
