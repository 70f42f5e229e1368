package io.soterverify;

/**
 * The state store (Redis) could not be reached or did not answer in time. Fails closed: nothing
 * was accepted, and the next call works again once the store is back.
 *
 * <p>Status {@link Status#STORE_UNAVAILABLE} ({@code SOTER_STATUS_STORE_UNAVAILABLE} = 20).
 */
public class StoreUnavailableException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public StoreUnavailableException(String message) {
        super(Status.STORE_UNAVAILABLE, message);
    }
}
