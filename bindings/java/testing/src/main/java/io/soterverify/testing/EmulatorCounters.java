package io.soterverify.testing;

/** What a {@link WeChatEmulator} has seen since it started or its counters were reset. Immutable. */
public final class EmulatorCounters {
    private final long totalRequests;
    private final long tokenRequests;
    private final long tokenIssues;
    private final long verifySignatureRequests;
    private final long connections;
    private final long faultsApplied;

    EmulatorCounters(long[] v) {
        this.totalRequests = v[0];
        this.tokenRequests = v[1];
        this.tokenIssues = v[2];
        this.verifySignatureRequests = v[3];
        this.connections = v[4];
        this.faultsApplied = v[5];
    }

    /**
     * API requests (admin requests excluded).
     *
     * @return the count
     */
    public long totalRequests() {
        return totalRequests;
    }

    /**
     * Requests to {@code /cgi-bin/token} and {@code /cgi-bin/stable_token}.
     *
     * @return the count
     */
    public long tokenRequests() {
        return tokenRequests;
    }

    /**
     * Tokens minted.
     *
     * @return the count
     */
    public long tokenIssues() {
        return tokenIssues;
    }

    /**
     * Requests to {@code /cgi-bin/soter/verify_signature}.
     *
     * @return the count
     */
    public long verifySignatureRequests() {
        return verifySignatureRequests;
    }

    /**
     * TCP connections accepted.
     *
     * @return the count
     */
    public long connections() {
        return connections;
    }

    /**
     * Faults applied.
     *
     * @return the count
     */
    public long faultsApplied() {
        return faultsApplied;
    }

    @Override
    public String toString() {
        return "EmulatorCounters[totalRequests=" + totalRequests + ", tokenRequests=" + tokenRequests
                + ", tokenIssues=" + tokenIssues + ", verifySignatureRequests=" + verifySignatureRequests
                + ", connections=" + connections + ", faultsApplied=" + faultsApplied + "]";
    }
}
