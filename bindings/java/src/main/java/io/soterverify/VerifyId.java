package io.soterverify;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A face verification session from {@code getverifyid}: the {@code verify_id} to hand to the
 * mini-program and its lifetime. Immutable.
 */
public final class VerifyId {
    private final String verifyId;
    private final long expiresIn;

    VerifyId(String verifyId, long expiresIn) {
        this.verifyId = Objects.requireNonNull(verifyId);
        this.expiresIn = expiresIn;
    }

    /**
     * The session id ({@code verify_id}).
     *
     * @return the id
     */
    public String verifyId() {
        return verifyId;
    }

    /**
     * Its lifetime in seconds, when WeChat gave one.
     *
     * @return seconds, or empty
     */
    public OptionalLong expiresIn() {
        return expiresIn < 0 ? OptionalLong.empty() : OptionalLong.of(expiresIn);
    }

    @Override
    public String toString() {
        return "VerifyId[" + verifyId + (expiresIn < 0 ? "" : ", expires in " + expiresIn + " s") + "]";
    }
}
