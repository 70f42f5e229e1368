package io.soterverify;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An access token handed to the client by a {@link TokenSupplier}: the token text and, optionally,
 * how long it stays valid. Immutable. {@link #toString()} never shows the token.
 */
public final class AccessToken {
    private final String token;
    private final Duration validity;

    private AccessToken(String token, Duration validity) {
        this.token = Objects.requireNonNull(token, "token must not be null");
        this.validity = validity;
    }

    /**
     * A token cached until WeChat rejects it.
     *
     * @param token the access token (printable ASCII, 1 to 4096 characters)
     * @return the token
     */
    public static AccessToken of(String token) {
        return new AccessToken(token, null);
    }

    /**
     * A token valid for {@code validity} (the client refreshes it when less than the refresh
     * margin remains).
     *
     * @param token the access token (printable ASCII, 1 to 4096 characters)
     * @param validity its remaining validity (e.g. WeChat's {@code expires_in}); positive
     * @return the token
     */
    public static AccessToken of(String token, Duration validity) {
        Objects.requireNonNull(validity, "validity must not be null");
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive");
        }
        return new AccessToken(token, validity);
    }

    /**
     * The token text.
     *
     * @return the token
     */
    public String token() {
        return token;
    }

    /**
     * The remaining validity, when known.
     *
     * @return the validity, or empty (cache until rejected)
     */
    public Optional<Duration> validity() {
        return Optional.ofNullable(validity);
    }

    @Override
    public String toString() {
        return "AccessToken[redacted" + (validity == null ? "" : ", valid for " + validity) + "]";
    }
}
