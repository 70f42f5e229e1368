// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterAuthenticateIn} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"min_counter", "out_cap", "result_json_len", "signature_len", "challenge_len", "cpu_id_len", "uid_len", "salt_len", "flags"})
public final class SoterAuthenticateIn extends Structure {
    /** {@code uint64_t min_counter}. */
    public long min_counter;
    /** {@code uint32_t out_cap}. */
    public int out_cap;
    /** {@code uint32_t result_json_len}. */
    public int result_json_len;
    /** {@code uint32_t signature_len}. */
    public int signature_len;
    /** {@code uint32_t challenge_len}. */
    public int challenge_len;
    /** {@code uint32_t cpu_id_len}. */
    public int cpu_id_len;
    /** {@code uint32_t uid_len}. */
    public int uid_len;
    /** {@code int32_t salt_len}. */
    public int salt_len;
    /** {@code uint32_t flags}. */
    public int flags;

    /** An instance to read the layout from (zeroed). */
    public SoterAuthenticateIn() {
        super();
    }

    private static final SoterAuthenticateIn LAYOUT = new SoterAuthenticateIn();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code min_counter}. */
    public static final int OFF_MIN_COUNTER = LAYOUT.fieldOffset("min_counter");
    /** Offset of {@code out_cap}. */
    public static final int OFF_OUT_CAP = LAYOUT.fieldOffset("out_cap");
    /** Offset of {@code result_json_len}. */
    public static final int OFF_RESULT_JSON_LEN = LAYOUT.fieldOffset("result_json_len");
    /** Offset of {@code signature_len}. */
    public static final int OFF_SIGNATURE_LEN = LAYOUT.fieldOffset("signature_len");
    /** Offset of {@code challenge_len}. */
    public static final int OFF_CHALLENGE_LEN = LAYOUT.fieldOffset("challenge_len");
    /** Offset of {@code cpu_id_len}. */
    public static final int OFF_CPU_ID_LEN = LAYOUT.fieldOffset("cpu_id_len");
    /** Offset of {@code uid_len}. */
    public static final int OFF_UID_LEN = LAYOUT.fieldOffset("uid_len");
    /** Offset of {@code salt_len}. */
    public static final int OFF_SALT_LEN = LAYOUT.fieldOffset("salt_len");
    /** Offset of {@code flags}. */
    public static final int OFF_FLAGS = LAYOUT.fieldOffset("flags");
}
