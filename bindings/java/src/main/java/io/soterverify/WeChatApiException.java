package io.soterverify;

/**
 * WeChat answered with a non-zero {@code errcode}. Status {@link Status#WECHAT_API}
 * ({@code SOTER_STATUS_WECHAT_API} = 16).
 */
public class WeChatApiException extends SoterException {
    private static final long serialVersionUID = 1L;

    /** WeChat's errcode. */
    private final long errcode;
    /** WeChat's errmsg. */
    private final String errmsg;

    /**
     * Creates the exception.
     *
     * @param message the library's explanation
     * @param errcode WeChat's errcode
     * @param errmsg WeChat's errmsg ("" when WeChat sent none)
     */
    public WeChatApiException(String message, long errcode, String errmsg) {
        super(Status.WECHAT_API, message);
        this.errcode = errcode;
        this.errmsg = errmsg == null ? "" : errmsg;
    }

    /**
     * WeChat's {@code errcode} (for example 40001 invalid token, 84001 invalid verify_result).
     *
     * @return the errcode
     */
    public long errcode() {
        return errcode;
    }

    /**
     * WeChat's {@code errmsg}.
     *
     * @return the errmsg, "" when WeChat sent none
     */
    public String errmsg() {
        return errmsg;
    }
}
