package io.soterverify.spring;

import io.soterverify.ClientStats;
import io.soterverify.TokenException;
import io.soterverify.WeChatClient;
import java.time.Instant;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * The WeChat client's token state, without a call per probe: it watches the calls the
 * application makes (a {@link io.soterverify.CallObserver}) and reads the client's counters.
 * DOWN while the last call that needed a token could not get one ({@link TokenException}: the
 * token source fails, WeChat refuses the app secret, or the client holds after a failed fetch);
 * UP otherwise, including before any call (nothing known to be wrong).
 */
public final class SoterWeChatHealthIndicator extends AbstractHealthIndicator {
    private final WeChatClient client;
    private volatile Instant tokenFailedAt;
    private volatile String tokenFailure;

    /**
     * Watches {@code client}'s calls from now on.
     *
     * @param client the client
     */
    public SoterWeChatHealthIndicator(WeChatClient client) {
        super("soter-verify WeChat health check failed");
        this.client = client;
        client.addCallObserver((operation, nanos, failure) -> {
            if (failure instanceof TokenException) {
                tokenFailure = failure.getMessage();   // the library's messages carry no secret
                tokenFailedAt = Instant.now();
            } else if (failure == null) {
                tokenFailedAt = null;   // a call went through: it had a token
                tokenFailure = null;
            }
        });
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        ClientStats s = client.stats();   // a local read, no request
        Instant failedAt = tokenFailedAt;
        if (failedAt != null) {
            builder.down().withDetail("token", "failing").withDetail("tokenFailedAt", failedAt.toString())
                    .withDetail("tokenFailure", String.valueOf(tokenFailure));
        } else {
            builder.up().withDetail("token", s.tokenFetches() > 0 ? "obtained" : "not fetched yet");
        }
        builder.withDetail("appId", client.appId()).withDetail("tokenFetches", s.tokenFetches())
                .withDetail("tokenRefreshes", s.tokenRetries()).withDetail("httpRequests", s.httpRequests())
                .withDetail("retries", s.retries());
    }
}
