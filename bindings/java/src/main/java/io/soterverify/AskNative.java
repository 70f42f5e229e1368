package io.soterverify;

import com.sun.jna.Memory;
import io.soterverify.ffi.SoterBytes;
import java.util.List;

/**
 * Direct-mapped functions for trusted ASKs (src/ffi/attestation.rs, and the WeChat client's
 * verify_ask/is_support), registered on first use. Conventions as in {@link NativeLib}.
 */
final class AskNative {
    static {
        NativeLib.load();
    }

    private AskNative() {}

    static void load() {}

    static final int FORMAT_CLASSIC = SoterFfi.ASK_FORMAT_CLASSIC;
    static final int FORMAT_CERTIFICATE_CHAIN = SoterFfi.ASK_FORMAT_CERTIFICATE_CHAIN;


    /**
     * A SoterBytes array over {@code items}. The returned memory holds the items' copies too, so it
     * keeps them alive as long as it is reachable; null for an empty list.
     */
    static Memory bytesArray(List<byte[]> items) {
        if (items.isEmpty()) {
            return null;
        }
        long total = (long) SoterBytes.SIZE * items.size();
        for (byte[] b : items) {
            total += b.length;
        }
        Memory m = new Memory(Math.max(total, 1));
        long data = (long) SoterBytes.SIZE * items.size();
        for (int i = 0; i < items.size(); i++) {
            byte[] b = items.get(i);
            long item = (long) SoterBytes.SIZE * i;
            m.setPointer(item + SoterBytes.OFF_DATA, b.length == 0 ? null : m.share(data));
            m.setLong(item + SoterBytes.OFF_LEN, b.length);
            m.write(data, b, 0, b.length);
            data += b.length;
        }
        return m;
    }
}
