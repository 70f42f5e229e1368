// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterGuardOptions} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"prefix", "prefix_len", "timeout_ms", "tls_ca_pem", "tls_ca_pem_len", "max_challenges", "max_devices", "wait_replicas", "max_challenges_per_subject"})
public final class SoterGuardOptions extends Structure {
    /** {@code const uint8_t * prefix}. */
    public Pointer prefix;
    /** {@code size_t prefix_len}. */
    public long prefix_len;
    /** {@code uint32_t timeout_ms}. */
    public int timeout_ms;
    /** {@code const uint8_t * tls_ca_pem}. */
    public Pointer tls_ca_pem;
    /** {@code size_t tls_ca_pem_len}. */
    public long tls_ca_pem_len;
    /** {@code uint64_t max_challenges}. */
    public long max_challenges;
    /** {@code uint64_t max_devices}. */
    public long max_devices;
    /** {@code uint32_t wait_replicas}. */
    public int wait_replicas;
    /** {@code uint32_t max_challenges_per_subject}. */
    public int max_challenges_per_subject;

    /** An instance to read the layout from (zeroed). */
    public SoterGuardOptions() {
        super();
    }

    private static final SoterGuardOptions LAYOUT = new SoterGuardOptions();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code prefix}. */
    public static final int OFF_PREFIX = LAYOUT.fieldOffset("prefix");
    /** Offset of {@code prefix_len}. */
    public static final int OFF_PREFIX_LEN = LAYOUT.fieldOffset("prefix_len");
    /** Offset of {@code timeout_ms}. */
    public static final int OFF_TIMEOUT_MS = LAYOUT.fieldOffset("timeout_ms");
    /** Offset of {@code tls_ca_pem}. */
    public static final int OFF_TLS_CA_PEM = LAYOUT.fieldOffset("tls_ca_pem");
    /** Offset of {@code tls_ca_pem_len}. */
    public static final int OFF_TLS_CA_PEM_LEN = LAYOUT.fieldOffset("tls_ca_pem_len");
    /** Offset of {@code max_challenges}. */
    public static final int OFF_MAX_CHALLENGES = LAYOUT.fieldOffset("max_challenges");
    /** Offset of {@code max_devices}. */
    public static final int OFF_MAX_DEVICES = LAYOUT.fieldOffset("max_devices");
    /** Offset of {@code wait_replicas}. */
    public static final int OFF_WAIT_REPLICAS = LAYOUT.fieldOffset("wait_replicas");
    /** Offset of {@code max_challenges_per_subject}. */
    public static final int OFF_MAX_CHALLENGES_PER_SUBJECT = LAYOUT.fieldOffset("max_challenges_per_subject");
}
