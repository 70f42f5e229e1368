package io.soterverify;

import com.sun.jna.Memory;

/**
 * {@code SoterExpectations} of soter_verify.h, laid out by hand in one native block per call
 * (x86-64 / LP64 alignment), the texts stored right after the struct:
 *
 * <pre>
 *  0 const uint8_t *challenge    8 size_t challenge_len
 * 16 const uint8_t *cpu_id      24 size_t cpu_id_len
 * 32 const uint8_t *uid         40 size_t uid_len
 * 48 bool has_min_counter       56 uint64_t min_counter
 * 64 int32_t salt_len           (size 72)
 * </pre>
 */
final class ExpectationsStruct {
    static final int SIZE = 72;

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
        at = text(m, 0, c, at);
        if (cpu != null) {
            at = text(m, 16, cpu, at);
        }
        if (uid != null) {
            text(m, 32, uid, at);
        }
        if (e.minCounter().isPresent()) {
            m.setByte(48, (byte) 1);
            m.setLong(56, e.minCounter().getAsLong());
        }
        m.setInt(64, e.saltLen());
        return m;
    }

    /** Writes {@code b} at {@code at} and its (pointer, length) at {@code field}; a text is never NULL. */
    private static long text(Memory m, long field, byte[] b, long at) {
        m.write(at, b, 0, b.length);
        m.setPointer(field, m.share(at));
        m.setLong(field + 8, b.length);
        return at + b.length;
    }
}
