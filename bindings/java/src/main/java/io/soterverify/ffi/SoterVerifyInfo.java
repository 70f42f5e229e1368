// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterVerifyInfo} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"verify_ret", "outcome", "passed"})
public final class SoterVerifyInfo extends Structure {
    /** {@code int64_t verify_ret}. */
    public long verify_ret;
    /** {@code SoterVerifyOutcome outcome}. */
    public int outcome;
    /** {@code bool passed}. */
    public byte passed;

    /** An instance to read the layout from (zeroed). */
    public SoterVerifyInfo() {
        super();
    }

    private static final SoterVerifyInfo LAYOUT = new SoterVerifyInfo();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code verify_ret}. */
    public static final int OFF_VERIFY_RET = LAYOUT.fieldOffset("verify_ret");
    /** Offset of {@code outcome}. */
    public static final int OFF_OUTCOME = LAYOUT.fieldOffset("outcome");
    /** Offset of {@code passed}. */
    public static final int OFF_PASSED = LAYOUT.fieldOffset("passed");
}
