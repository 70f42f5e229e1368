package io.soterverify;

/**
 * Base of every exception of soter-verify. There is one subclass per status code of the C ABI (see
 * {@link Status}); catch the subclasses you handle and this class for the rest.
 *
 * <p>Unchecked (since 0.x, see CHANGELOG.md): handlers and lambdas need no {@code throws}, Spring's
 * {@code @Transactional} rolls back on it by default, and a {@link java.util.concurrent.CompletableFuture}
 * from an {@code ...Async} method completes exceptionally with it directly.
 *
 * <p>Messages are one sentence from the native library and never contain secrets.
 */
public abstract class SoterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The C status this exception stands for. */
    private final Status status;

    /**
     * Creates the exception.
     *
     * @param status the status code it stands for
     * @param message the explanation
     */
    protected SoterException(Status status, String message) {
        super(message);
        this.status = status;
    }

    /**
     * The C ABI status this exception stands for.
     *
     * @return the status
     */
    public Status status() {
        return status;
    }
}
