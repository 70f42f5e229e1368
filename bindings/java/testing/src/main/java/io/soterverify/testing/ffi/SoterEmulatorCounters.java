// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.testing.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterEmulatorCounters} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"total_requests", "token_requests", "token_issues", "verify_signature_requests", "connections", "faults_applied"})
public final class SoterEmulatorCounters extends Structure {
    /** {@code uint64_t total_requests}. */
    public long total_requests;
    /** {@code uint64_t token_requests}. */
    public long token_requests;
    /** {@code uint64_t token_issues}. */
    public long token_issues;
    /** {@code uint64_t verify_signature_requests}. */
    public long verify_signature_requests;
    /** {@code uint64_t connections}. */
    public long connections;
    /** {@code uint64_t faults_applied}. */
    public long faults_applied;

    /** An instance to read the layout from (zeroed). */
    public SoterEmulatorCounters() {
        super();
    }

    private static final SoterEmulatorCounters LAYOUT = new SoterEmulatorCounters();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code total_requests}. */
    public static final int OFF_TOTAL_REQUESTS = LAYOUT.fieldOffset("total_requests");
    /** Offset of {@code token_requests}. */
    public static final int OFF_TOKEN_REQUESTS = LAYOUT.fieldOffset("token_requests");
    /** Offset of {@code token_issues}. */
    public static final int OFF_TOKEN_ISSUES = LAYOUT.fieldOffset("token_issues");
    /** Offset of {@code verify_signature_requests}. */
    public static final int OFF_VERIFY_SIGNATURE_REQUESTS = LAYOUT.fieldOffset("verify_signature_requests");
    /** Offset of {@code connections}. */
    public static final int OFF_CONNECTIONS = LAYOUT.fieldOffset("connections");
    /** Offset of {@code faults_applied}. */
    public static final int OFF_FAULTS_APPLIED = LAYOUT.fieldOffset("faults_applied");
}
