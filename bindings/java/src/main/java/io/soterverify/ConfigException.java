package io.soterverify;

/**
 * A refused client setting: plain http to a remote host, a bad URL or proxy.
 *
 * <p>Status {@link Status#CONFIG} ({@code SOTER_STATUS_CONFIG} = 19).
 */
public class ConfigException extends SoterException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the library's one-sentence explanation
     */
    public ConfigException(String message) {
        super(Status.CONFIG, message);
    }
}
