package io.soterverify;

/** Turns a status and an optional {@code SoterError*} into the matching exception. */
final class Errors {
    private Errors() {}

    /** Throws the exception for {@code status} unless it is OK; frees {@code err[0]} either way. */
    static void check(int status, long[] err) {
        if (status != 0) {
            throw take(status, err[0]);
        }
        if (err[0] != 0) {
            SoterFfi.soter_error_free(err[0]);
            err[0] = 0;
        }
    }

    /**
     * As {@link #check} for calls that no input or network can make fail (only a bug or an
     * exhausted machine can): an unchecked {@link IllegalStateException} whose cause is the
     * library's exception, so callers need no {@code catch} for what they cannot cause.
     */
    static void checkInternal(int status, long[] err) {
        try {
            check(status, err);
        } catch (SoterException e) {
            throw new IllegalStateException("soter-verify: " + e.getMessage(), e);
        }
    }

    /** The exception for a failed call; copies the error's detail into Java and frees it. */
    static SoterException take(int status, long err) {
        String message;
        Long errcode = null;
        String errmsg = null;
        if (err != 0) {
            try {
                message = NativeLib.cString(SoterFfi.soter_error_message(err));
                long[] code = new long[1];
                if (SoterFfi.soter_error_errcode(err, code) != 0) {
                    errcode = code[0];
                    long m = SoterFfi.soter_error_errmsg(err);
                    errmsg = m == 0 ? "" : NativeLib.cString(m);
                }
            } finally {
                SoterFfi.soter_error_free(err);
            }
        } else {
            message = "";
        }
        if (message.isEmpty()) {
            message = NativeLib.statusName(status);
        }
        return of(Status.of(status), message, errcode, errmsg, status);
    }

    /** The exception for {@code s}; the plain ones (message only) come from the generated table. */
    static SoterException of(Status s, String message, Long errcode, String errmsg, int raw) {
        switch (s) {
            case WECHAT_API: return new WeChatApiException(message, errcode == null ? 0 : errcode, errmsg);
            case TOKEN: return new TokenException(message, errcode, errmsg);
            case INTERNAL:
                return new InternalException(raw != Status.INTERNAL.code()
                        ? message + " (unknown status " + raw + ")" : message);
            default:
                return StatusExceptions.plain(s, message);
        }
    }
}
