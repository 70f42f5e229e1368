package io.soterverify.spring;

import io.soterverify.ReplayGuard;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * The replay guard's store: one {@link ReplayGuard#ping()} per probe (a Redis round trip, bounded
 * by the guard's timeout; in memory, nothing). DOWN with the exception's class and message (never
 * a password: the library redacts them) when the store does not answer.
 */
public final class SoterStoreHealthIndicator extends AbstractHealthIndicator {
    private final ReplayGuard guard;

    /**
     * Probes {@code guard}'s store.
     *
     * @param guard the guard
     */
    public SoterStoreHealthIndicator(ReplayGuard guard) {
        super("soter-verify store health check failed");
        this.guard = guard;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("store", guard.toString());
        guard.ping();   // throws when the store does not answer: AbstractHealthIndicator reports DOWN
        builder.up();
    }
}
