package io.soterverify;

import java.util.OptionalLong;

/**
 * No access token could be obtained. Status {@link Status#TOKEN} ({@code SOTER_STATUS_TOKEN} = 17).
 * When WeChat refused the token request, its errcode and errmsg are kept.
 */
public class TokenException extends SoterException {
    private static final long serialVersionUID = 1L;

    /** WeChat's errcode when WeChat refused the token, else null. */
    private final Long errcode;
    /** WeChat's errmsg when WeChat refused the token, else empty. */
    private final String errmsg;

    /**
     * Creates the exception without WeChat detail.
     *
     * @param message the explanation
     */
    public TokenException(String message) {
        this(message, null, null);
    }

    /**
     * Creates the exception.
     *
     * @param message the explanation
     * @param errcode WeChat's errcode, or null
     * @param errmsg WeChat's errmsg, or null
     */
    public TokenException(String message, Long errcode, String errmsg) {
        super(Status.TOKEN, message);
        this.errcode = errcode;
        this.errmsg = errmsg == null ? "" : errmsg;
    }

    /**
     * WeChat's errcode when WeChat refused the token request.
     *
     * @return the errcode, or empty
     */
    public OptionalLong errcode() {
        return errcode == null ? OptionalLong.empty() : OptionalLong.of(errcode);
    }

    /**
     * WeChat's errmsg when WeChat refused the token request.
     *
     * @return the errmsg, "" when there is none
     */
    public String errmsg() {
        return errmsg;
    }
}
