package io.soterverify;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The one place Java text becomes UTF-8 for a native call. {@link String#getBytes} would turn an
 * unpaired UTF-16 surrogate into {@code ?}, so that {@code "a\u005CuD800"} and {@code "a?"} would be the
 * same subject (sharing challenges) or the same key text: such text is refused with
 * {@link InvalidArgumentException}, as the C ABI refuses invalid UTF-8 and Python refuses text it
 * cannot encode. On the hot path (subjects, cpu_id, uid, resultJSON): a scan for surrogates first,
 * which costs next to nothing for the ASCII and BMP text these are, then the JDK's encoder.
 */
final class Utf8 {
    private Utf8() {}

    /**
     * The UTF-8 bytes of {@code s}.
     *
     * @param s the text (not null)
     * @param what its name for messages ("subject")
     * @return the bytes
     * @throws InvalidArgumentException when {@code s} holds an unpaired surrogate (the message
     *     names {@code what} and the index, never the text, which may be a secret)
     * @throws NullPointerException when {@code s} is null
     */
    static byte[] encode(String s, String what) {
        Objects.requireNonNull(s, () -> what + " must not be null");
        int bad = unpairedSurrogate(s);
        if (bad >= 0) {
            throw new InvalidArgumentException(what + " is not valid Unicode text: an unpaired UTF-16 surrogate at "
                    + "index " + bad + " (it has no UTF-8 encoding; Java would send '?' instead)");
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * As {@link #encode}, with null for null.
     *
     * @param s the text, or null
     * @param what its name for messages
     * @return the bytes, or null
     * @throws InvalidArgumentException when {@code s} holds an unpaired surrogate
     */
    static byte[] encodeOrNull(String s, String what) {
        return s == null ? null : encode(s, what);
    }

    /**
     * The index of the first unpaired surrogate in {@code s}, or -1 when every surrogate is half of
     * a pair (or there is none).
     *
     * @param s the text
     * @return an index or -1
     */
    static int unpairedSurrogate(CharSequence s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }
}
