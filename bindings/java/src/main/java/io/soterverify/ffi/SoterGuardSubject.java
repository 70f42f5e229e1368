// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterGuardSubject} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"subject", "subject_len", "cpu_id", "cpu_id_len", "uid", "uid_len"})
public final class SoterGuardSubject extends Structure {
    /** {@code const uint8_t * subject}. */
    public Pointer subject;
    /** {@code size_t subject_len}. */
    public long subject_len;
    /** {@code const uint8_t * cpu_id}. */
    public Pointer cpu_id;
    /** {@code size_t cpu_id_len}. */
    public long cpu_id_len;
    /** {@code const uint8_t * uid}. */
    public Pointer uid;
    /** {@code size_t uid_len}. */
    public long uid_len;

    /** An instance to read the layout from (zeroed). */
    public SoterGuardSubject() {
        super();
    }

    private static final SoterGuardSubject LAYOUT = new SoterGuardSubject();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code subject}. */
    public static final int OFF_SUBJECT = LAYOUT.fieldOffset("subject");
    /** Offset of {@code subject_len}. */
    public static final int OFF_SUBJECT_LEN = LAYOUT.fieldOffset("subject_len");
    /** Offset of {@code cpu_id}. */
    public static final int OFF_CPU_ID = LAYOUT.fieldOffset("cpu_id");
    /** Offset of {@code cpu_id_len}. */
    public static final int OFF_CPU_ID_LEN = LAYOUT.fieldOffset("cpu_id_len");
    /** Offset of {@code uid}. */
    public static final int OFF_UID = LAYOUT.fieldOffset("uid");
    /** Offset of {@code uid_len}. */
    public static final int OFF_UID_LEN = LAYOUT.fieldOffset("uid_len");
}
