// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterParseIn} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"out_cap", "data_len"})
public final class SoterParseIn extends Structure {
    /** {@code uint32_t out_cap}. */
    public int out_cap;
    /** {@code uint32_t data_len}. */
    public int data_len;

    /** An instance to read the layout from (zeroed). */
    public SoterParseIn() {
        super();
    }

    private static final SoterParseIn LAYOUT = new SoterParseIn();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code out_cap}. */
    public static final int OFF_OUT_CAP = LAYOUT.fieldOffset("out_cap");
    /** Offset of {@code data_len}. */
    public static final int OFF_DATA_LEN = LAYOUT.fieldOffset("data_len");
}
