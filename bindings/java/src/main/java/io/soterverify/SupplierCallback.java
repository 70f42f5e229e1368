package io.soterverify;

import com.sun.jna.Pointer;

/**
 * The C token callback over a {@link TokenSupplier}. Never lets a throwable reach JNA (whose
 * default handler would return 0, "success", with no token written): every failure returns a
 * non-zero code, and the throwable is kept per thread so the client can attach it as the cause of
 * the {@link TokenException} it throws on that thread. Must not reference its client.
 */
final class SupplierCallback implements WeChatNative.TokenCallback {
    private final TokenSupplier supplier;
    private final ThreadLocal<Throwable> failure = new ThreadLocal<>();

    SupplierCallback(TokenSupplier supplier) {
        this.supplier = supplier;
    }

    @Override
    public int invoke(Pointer userData, byte forceRefresh, Pointer buf, long cap, Pointer len, Pointer expiresIn) {
        try {
            AccessToken t = supplier.get(forceRefresh != 0);
            if (t == null) {
                failure.set(new NullPointerException("the token supplier returned null"));
                return 1;
            }
            String token = t.token();
            int n = token.length();
            if (n == 0 || n > cap) {
                failure.set(new IllegalArgumentException("the token supplier returned a token of length " + n
                        + " (1 to " + cap + " allowed)"));
                return 2;
            }
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                char c = token.charAt(i);
                if (c < 0x21 || c > 0x7e) {
                    failure.set(new IllegalArgumentException(
                            "the token supplier returned a token with a character outside printable ASCII at index " + i));
                    return 3;
                }
                b[i] = (byte) c;
            }
            long seconds = t.validity().map(SupplierCallback::ceilSeconds).orElse(0L);
            buf.write(0, b, 0, n);
            len.setLong(0, n);
            expiresIn.setLong(0, seconds);
            return 0;
        } catch (Throwable e) {
            try {
                failure.set(e);
            } catch (Throwable ignored) {
                // out of memory: the status alone must do
            }
            return 4;
        }
    }

    /**
     * Whole seconds, rounded up, at least 1; saturating at {@code Long.MAX_VALUE} instead of
     * overflowing (the library clamps lifetimes to a day anyway).
     */
    static long ceilSeconds(java.time.Duration d) {
        long s = d.getSeconds();
        if (d.getNano() > 0 && s < Long.MAX_VALUE) {
            s++;
        }
        return Math.max(1L, s);
    }

    /** The throwable the supplier raised on this thread during the last call, cleared. */
    Throwable takeFailure() {
        Throwable t = failure.get();
        if (t != null) {
            failure.remove();
        }
        return t;
    }
}
