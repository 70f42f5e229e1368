package io.soterverify;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Every field of a native resultJSON or AuthKey, read in one call ({@code soter_result_json_pack},
 * {@code soter_auth_key_pack}) instead of one call per field: a fixed head, a {@code uint32_t}
 * length per text, then the texts, each followed by NUL; native byte order.
 */
final class Packed {
    /** A {@code _pack} export: writes into {@code buf} when {@code cap} suffices, returns the size. */
    @FunctionalInterface
    interface Export {
        long pack(long handle, byte[] buf, long cap);
    }

    /** Room for a typical document; a larger one is read again into a buffer of its exact size. */
    private static final int FIRST_CAP = 512;

    /** The whole packed form, readable with absolute gets in native byte order (the head first). */
    final ByteBuffer head;
    private final byte[] buf;
    private final int[] starts;
    private final int[] lens;

    private Packed(byte[] buf, ByteBuffer view, int headLen, int count) {
        this.buf = buf;
        this.head = view;
        this.starts = new int[count];
        this.lens = new int[count];
        int at = headLen + 4 * count;
        for (int i = 0; i < count; i++) {
            int len = view.getInt(headLen + 4 * i);
            starts[i] = at;
            lens[i] = len;
            at += len + 1;
        }
    }

    /**
     * Reads the packed fields of {@code handle} (which stays owned by the caller).
     *
     * @param handle a live native handle
     * @param export its {@code _pack} export
     * @param headLen the size of the fixed head
     * @param countAt where the head holds the number of extra text pairs ({@code uint32_t}), or -1
     * @param fixedCount the number of texts besides the extra pairs
     */
    static Packed read(long handle, Export export, int headLen, int countAt, int fixedCount) {
        byte[] buf = new byte[FIRST_CAP];
        long size = export.pack(handle, buf, buf.length);
        if (size > buf.length) {
            if (size > Integer.MAX_VALUE) {
                throw new IllegalStateException("soter-verify: the library returned an impossible size");
            }
            buf = new byte[(int) size];
            size = export.pack(handle, buf, buf.length);
        }
        if (size < headLen) {
            throw new IllegalStateException("soter-verify: the library returned no fields for a live handle");
        }
        ByteBuffer view = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        int count = fixedCount + (countAt >= 0 ? 2 * view.getInt(countAt) : 0);
        return new Packed(buf, view, headLen, count);
    }

    /** The number of texts. */
    int count() {
        return lens.length;
    }

    /** Text {@code i}, decoded from UTF-8. */
    String text(int i) {
        return new String(buf, starts[i], lens[i], StandardCharsets.UTF_8);
    }
}
