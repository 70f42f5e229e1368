// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterExpectations} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"challenge", "challenge_len", "cpu_id", "cpu_id_len", "uid", "uid_len", "has_min_counter", "min_counter", "salt_len"})
public final class SoterExpectations extends Structure {
    /** {@code const uint8_t * challenge}. */
    public Pointer challenge;
    /** {@code size_t challenge_len}. */
    public long challenge_len;
    /** {@code const uint8_t * cpu_id}. */
    public Pointer cpu_id;
    /** {@code size_t cpu_id_len}. */
    public long cpu_id_len;
    /** {@code const uint8_t * uid}. */
    public Pointer uid;
    /** {@code size_t uid_len}. */
    public long uid_len;
    /** {@code bool has_min_counter}. */
    public byte has_min_counter;
    /** {@code uint64_t min_counter}. */
    public long min_counter;
    /** {@code int32_t salt_len}. */
    public int salt_len;

    /** An instance to read the layout from (zeroed). */
    public SoterExpectations() {
        super();
    }

    private static final SoterExpectations LAYOUT = new SoterExpectations();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code challenge}. */
    public static final int OFF_CHALLENGE = LAYOUT.fieldOffset("challenge");
    /** Offset of {@code challenge_len}. */
    public static final int OFF_CHALLENGE_LEN = LAYOUT.fieldOffset("challenge_len");
    /** Offset of {@code cpu_id}. */
    public static final int OFF_CPU_ID = LAYOUT.fieldOffset("cpu_id");
    /** Offset of {@code cpu_id_len}. */
    public static final int OFF_CPU_ID_LEN = LAYOUT.fieldOffset("cpu_id_len");
    /** Offset of {@code uid}. */
    public static final int OFF_UID = LAYOUT.fieldOffset("uid");
    /** Offset of {@code uid_len}. */
    public static final int OFF_UID_LEN = LAYOUT.fieldOffset("uid_len");
    /** Offset of {@code has_min_counter}. */
    public static final int OFF_HAS_MIN_COUNTER = LAYOUT.fieldOffset("has_min_counter");
    /** Offset of {@code min_counter}. */
    public static final int OFF_MIN_COUNTER = LAYOUT.fieldOffset("min_counter");
    /** Offset of {@code salt_len}. */
    public static final int OFF_SALT_LEN = LAYOUT.fieldOffset("salt_len");
}
