package io.soterverify;

/**
 * The result of a face verification session ({@code queryverifyinfo}). Immutable.
 * {@link #passed()} is true only for errcode 0 and {@code verify_ret} 10000.
 */
public final class VerifyInfo {
    private final long verifyRet;
    private final VerifyOutcome outcome;
    private final boolean passed;

    VerifyInfo(long verifyRet, VerifyOutcome outcome, boolean passed) {
        this.verifyRet = verifyRet;
        this.outcome = outcome;
        this.passed = passed;
    }

    /**
     * WeChat's {@code verify_ret} (10000 = passed).
     *
     * @return the value
     */
    public long verifyRet() {
        return verifyRet;
    }

    /**
     * The named meaning of {@link #verifyRet()}.
     *
     * @return the outcome
     */
    public VerifyOutcome outcome() {
        return outcome;
    }

    /**
     * Whether the person passed (the only value to grant access on).
     *
     * @return true only for verify_ret 10000
     */
    public boolean passed() {
        return passed;
    }

    @Override
    public String toString() {
        return "VerifyInfo[passed=" + passed + ", verify_ret=" + verifyRet + ", " + outcome + "]";
    }
}
