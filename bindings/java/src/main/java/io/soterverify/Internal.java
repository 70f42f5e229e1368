package io.soterverify;

import com.sun.jna.NativeLibrary;
import java.lang.ref.Cleaner;
import java.util.function.LongConsumer;
import java.util.function.LongToIntFunction;
import java.util.function.LongUnaryOperator;

/**
 * Not API: the bridge {@code io.soterverify.testing} uses to reach this package's native plumbing
 * (the loaded library, in-flight guarded handles, error mapping). It may change in any release;
 * applications must not use it.
 */
public final class Internal {
    private Internal() {}

    /**
     * The loaded, ABI-checked native library.
     *
     * @return the library
     */
    public static NativeLibrary library() {
        NativeLib.load(); // the ABI check and the package's own registration (logging) first
        return NativeLib.LIB;
    }

    /**
     * Wraps a native pointer in an in-flight guarded handle and registers {@code owner} with the
     * shared {@link Cleaner}.
     *
     * @param owner the Java object owning the pointer (must not be referenced by {@code free})
     * @param ptr the native pointer (not 0)
     * @param free its free function
     * @param what a name for messages ("WeChatEmulator")
     * @return the handle
     */
    public static Handle handle(Object owner, long ptr, LongConsumer free, String what) {
        return new Handle(owner, new NativeHandle(ptr, free, what));
    }

    /**
     * Throws the exception for {@code status} unless it is OK; frees {@code err[0]} either way.
     *
     * @param status a SoterStatus
     * @param err the one-element error out-parameter
     * @throws SoterException the matching exception
     */
    public static void check(int status, long[] err) {
        Errors.check(status, err);
    }

    /**
     * As {@link #check} for calls no input can make fail: an {@link IllegalStateException}.
     *
     * @param status a SoterStatus
     * @param err the one-element error out-parameter
     */
    public static void checkInternal(int status, long[] err) {
        Errors.checkInternal(status, err);
    }

    /**
     * The UTF-8 bytes of text for a native call, refusing unpaired surrogates (the package's one
     * encoder).
     *
     * @param s the text (not null)
     * @param what its name for messages
     * @return the bytes
     * @throws InvalidArgumentException when {@code s} holds an unpaired surrogate
     */
    public static byte[] utf8(String s, String what) {
        return Utf8.encode(s, what);
    }

    /**
     * Copies a borrowed NUL-terminated UTF-8 string.
     *
     * @param p the pointer (0 gives "")
     * @return the string
     */
    public static String cString(long p) {
        return NativeLib.cString(p);
    }

    /**
     * Copies then frees a string the library returned as {@code char *}.
     *
     * @param p the pointer
     * @param len its length in bytes
     * @return the string
     */
    public static String takeString(long p, long len) {
        try {
            return NativeLib.utf8(p, len);
        } finally {
            SoterFfi.soter_string_free(p);
        }
    }

    /**
     * Wraps a {@code SoterApiSecurity *} the library returned (the emulator's setting).
     *
     * @param ptr the handle (not 0)
     * @param appId its AppID
     * @return the setting, owning the handle
     */
    public static ApiSecurity apiSecurity(long ptr, String appId) {
        return new ApiSecurity(ptr, appId);
    }

    /** An in-flight guarded native handle (see the package's key classes). */
    public static final class Handle {
        private final NativeHandle h;
        private final Cleaner.Cleanable cleanable;

        private Handle(Object owner, NativeHandle h) {
            this.h = h;
            this.cleanable = NativeHandle.CLEANER.register(owner, h);
        }

        /**
         * Runs one native call on the pointer, never after close and never while freeing (see
         * the package's {@code NativeHandle#call}).
         *
         * @param owner the object owning this handle (kept reachable until the call returns)
         * @param call the native call, given the pointer
         * @return what {@code call} returns
         * @throws IllegalStateException when closed
         */
        public int call(Object owner, LongToIntFunction call) {
            return h.call(owner, call);
        }

        /**
         * As {@link #call} for a call that returns a 64-bit value.
         *
         * @param owner the object owning this handle
         * @param call the native call, given the pointer
         * @return what {@code call} returns
         * @throws IllegalStateException when closed
         */
        public long callLong(Object owner, LongUnaryOperator call) {
            return h.callLong(owner, call);
        }

        /**
         * As {@link #call} for a call that returns nothing.
         *
         * @param owner the object owning this handle
         * @param call the native call, given the pointer
         * @throws IllegalStateException when closed
         */
        public void run(Object owner, LongConsumer call) {
            h.run(owner, call);
        }

        /** Closes (frees once no call is in flight). Idempotent. */
        public void close() {
            cleanable.clean();
        }

        /**
         * Whether {@link #close()} was called.
         *
         * @return true once closed
         */
        public boolean isClosed() {
            return h.isClosed();
        }
    }
}
