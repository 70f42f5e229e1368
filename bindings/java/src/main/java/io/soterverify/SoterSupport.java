package io.soterverify;

/**
 * WeChat's answer to {@link WeChatClient#soterIsSupport}: whether a phone model supports SOTER,
 * and which modes ({@code supportType} 0 none, 1 fingerprint, 2 face, 3 both).
 */
public final class SoterSupport {
    private final boolean isSupport;
    private final int supportType;

    SoterSupport(boolean isSupport, int supportType) {
        this.isSupport = isSupport;
        this.supportType = supportType;
    }

    /**
     * Whether the model supports SOTER.
     *
     * @return {@code is_support}
     */
    public boolean isSupport() {
        return isSupport;
    }

    /**
     * The supported modes: 0 none, 1 fingerprint, 2 face, 3 both.
     *
     * @return {@code support_type}
     */
    public int supportType() {
        return supportType;
    }

    @Override
    public String toString() {
        return "SoterSupport{isSupport=" + isSupport + ", supportType=" + supportType + "}";
    }
}
