package io.soterverify;

import com.sun.jna.Memory;
import io.soterverify.ffi.SoterExpectations;

/**
 * {@code SoterExpectations} of soter_verify.h in one native block per call, at the offsets JNA
 * computes for the generated {@link SoterExpectations}, the texts stored right after the struct.
 */
final class ExpectationsStruct {
    static final int SIZE = SoterExpectations.SIZE;

    private ExpectationsStruct() {}

    /** The struct for {@code e}; keep the returned memory reachable for the duration of the call. */
    static Memory of(Expectations e) {
        byte[] c = Utf8.encode(e.challenge(), "challenge");
        byte[] cpu = Utf8.encodeOrNull(e.cpuId(), "cpuId");
        byte[] uid = Utf8.encodeOrNull(e.uid(), "uid");
        long size = SIZE + c.length + (cpu == null ? 0 : cpu.length) + (uid == null ? 0 : uid.length) + 1;
        Memory m = new Memory(size);
        m.clear();
        long at = SIZE;
        at = text(m, SoterExpectations.OFF_CHALLENGE, SoterExpectations.OFF_CHALLENGE_LEN, c, at);
        if (cpu != null) {
            at = text(m, SoterExpectations.OFF_CPU_ID, SoterExpectations.OFF_CPU_ID_LEN, cpu, at);
        }
        if (uid != null) {
            text(m, SoterExpectations.OFF_UID, SoterExpectations.OFF_UID_LEN, uid, at);
        }
        if (e.minCounter().isPresent()) {
            m.setByte(SoterExpectations.OFF_HAS_MIN_COUNTER, (byte) 1);
            m.setLong(SoterExpectations.OFF_MIN_COUNTER, e.minCounter().getAsLong());
        }
        m.setInt(SoterExpectations.OFF_SALT_LEN, e.saltLen());
        return m;
    }

    /** Writes {@code b} at {@code at} and its pointer and length at those offsets; never NULL. */
    private static long text(Memory m, long field, long lenField, byte[] b, long at) {
        m.write(at, b, 0, b.length);
        m.setPointer(field, m.share(at));
        m.setLong(lenField, b.length);
        return at + b.length;
    }
}
