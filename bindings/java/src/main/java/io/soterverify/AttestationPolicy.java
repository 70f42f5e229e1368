package io.soterverify;

/**
 * What {@link Soter#verifyAskChain(byte[], java.util.List, java.time.Instant, AttestationPolicy,
 * byte[])} requires of the leaf's KeyDescription. The default: both security levels TEE or
 * StrongBox, origin GENERATED, purpose SIGN (or Huawei SOTER's vendor purpose); each flag relaxes
 * one requirement. The chain rules (the leaf never a CA) always apply.
 */
public final class AttestationPolicy {
    /** The default policy. */
    public static final AttestationPolicy DEFAULT = new AttestationPolicy(false, false, false);

    private final boolean allowSoftware;
    private final boolean anyOrigin;
    private final boolean anyPurpose;

    /**
     * Creates a policy.
     *
     * @param allowSoftware accept Software security levels too
     * @param anyOrigin accept any key origin (IMPORTED, ...)
     * @param anyPurpose accept any purpose (ENCRYPT, ...)
     */
    public AttestationPolicy(boolean allowSoftware, boolean anyOrigin, boolean anyPurpose) {
        this.allowSoftware = allowSoftware;
        this.anyOrigin = anyOrigin;
        this.anyPurpose = anyPurpose;
    }

    /**
     * No requirement on the KeyDescription.
     *
     * @return the permissive policy
     */
    public static AttestationPolicy permissive() {
        return new AttestationPolicy(true, true, true);
    }

    int flags() {
        return (allowSoftware ? 1 : 0) | (anyOrigin ? 2 : 0) | (anyPurpose ? 4 : 0);
    }
}
