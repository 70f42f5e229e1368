package io.soterverify;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What {@link Soter#authenticate} requires of a result besides a valid signature: the challenge
 * this server issued (required), optionally the device identity ({@code cpu_id}, {@code uid}) the
 * AuthKey was registered for, a minimum counter (last accepted counter + 1) and a salt length.
 * Immutable and thread-safe. The builder refuses misuse at once with unchecked exceptions
 * ({@link NullPointerException}, {@link IllegalArgumentException}), as the JDK's builders do.
 *
 * <pre>{@code
 * Expectations exp = Expectations.builder(challengeFromSession)
 *         .cpuId(stored.cpuId()).uid(stored.uid())
 *         .minCounter(stored.lastCounter() + 1)
 *         .build();
 * }</pre>
 */
public final class Expectations {
    private final String challenge;
    private final String cpuId;
    private final String uid;
    private final Long minCounter;
    private final int saltLen;

    private Expectations(Builder b) {
        this.challenge = b.challenge;
        this.cpuId = b.cpuId;
        this.uid = b.uid;
        this.minCounter = b.minCounter;
        this.saltLen = b.saltLen;
    }

    /**
     * Expectations with only the challenge checked.
     *
     * @param challenge the challenge this server issued
     * @return the expectations
     */
    public static Expectations of(String challenge) {
        return builder(challenge).build();
    }

    /**
     * A builder starting from the challenge this server issued.
     *
     * @param challenge the challenge (non-empty; compared in constant time with {@code raw})
     * @return a builder
     * @throws NullPointerException when {@code challenge} is null
     */
    public static Builder builder(String challenge) {
        return new Builder(challenge);
    }

    /**
     * The expected challenge.
     *
     * @return the challenge
     */
    public String challenge() {
        return challenge;
    }

    /**
     * The expected {@code cpu_id}, or null when not checked.
     *
     * @return the cpu_id or null
     */
    public String cpuId() {
        return cpuId;
    }

    /**
     * The expected {@code uid}, or null when not checked.
     *
     * @return the uid or null
     */
    public String uid() {
        return uid;
    }

    /**
     * The minimum counter, when checked.
     *
     * @return the minimum counter or empty
     */
    public OptionalLong minCounter() {
        return minCounter == null ? OptionalLong.empty() : OptionalLong.of(minCounter);
    }

    /**
     * The salt length ({@link PublicKey#SALT_LEN_DEFAULT} unless set).
     *
     * @return the salt length or one of the two constants
     */
    public int saltLen() {
        return saltLen;
    }

    @Override
    public String toString() {
        return "Expectations{cpuId=" + cpuId + ", uid=" + uid + ", minCounter=" + minCounter + ", saltLen="
                + saltLen + "}";
    }

    /** Builds {@link Expectations}. Not thread-safe; the result is. */
    public static final class Builder {
        private final String challenge;
        private String cpuId;
        private String uid;
        private Long minCounter;
        private int saltLen = PublicKey.SALT_LEN_DEFAULT;

        private Builder(String challenge) {
            this.challenge = Objects.requireNonNull(challenge, "challenge must not be null");
        }

        /**
         * Requires this {@code cpu_id} (the one stored with the AuthKey).
         *
         * @param cpuId the expected cpu_id, or null to skip the check
         * @return this builder
         */
        public Builder cpuId(String cpuId) {
            this.cpuId = cpuId;
            return this;
        }

        /**
         * Requires this {@code uid} (the one stored with the AuthKey).
         *
         * @param uid the expected uid, or null to skip the check
         * @return this builder
         */
        public Builder uid(String uid) {
            this.uid = uid;
            return this;
        }

        /**
         * Requires {@code counter >= minCounter}; pass the last accepted counter + 1 to refuse replays.
         *
         * @param minCounter the minimum counter, 0 to {@link Long#MAX_VALUE}
         * @return this builder
         * @throws IllegalArgumentException when {@code minCounter} is negative (a -1 would read as
         *     2^64-1 and make every later login fail as a replay)
         */
        public Builder minCounter(long minCounter) {
            if (minCounter < 0) {
                throw new IllegalArgumentException("minCounter must be between 0 and Long.MAX_VALUE, not " + minCounter);
            }
            this.minCounter = minCounter;
            return this;
        }

        /**
         * The salt length: {@link PublicKey#SALT_LEN_DEFAULT} (the default: the signed
         * {@code rsa_pss_saltlen}, else 20), {@link PublicKey#SALT_LEN_AUTO}, or a length.
         *
         * @param saltLen the salt length
         * @return this builder
         * @throws IllegalArgumentException for a negative value other than the two constants
         */
        public Builder saltLen(int saltLen) {
            if (saltLen < PublicKey.SALT_LEN_AUTO) {
                throw new IllegalArgumentException("saltLen must be a length, SALT_LEN_DEFAULT or SALT_LEN_AUTO, not "
                        + saltLen);
            }
            this.saltLen = saltLen;
            return this;
        }

        /**
         * The expectations.
         *
         * @return immutable expectations
         */
        public Expectations build() {
            return new Expectations(this);
        }
    }
}
