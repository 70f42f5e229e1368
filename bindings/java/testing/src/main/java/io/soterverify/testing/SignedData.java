package io.soterverify.testing;

import java.nio.charset.StandardCharsets;

/**
 * A JSON document and its signature as a device hands them over ({@code resultJSON} and
 * {@code resultJSONSignature}, or an AuthKey export and its ASK signature). Immutable.
 */
public final class SignedData {
    private final String json;
    private final String signature;

    SignedData(String json, String signature) {
        this.json = json;
        this.signature = signature;
    }

    /**
     * The JSON text.
     *
     * @return the JSON
     */
    public String json() {
        return json;
    }

    /**
     * The JSON's exact bytes (UTF-8), the bytes that were signed.
     *
     * @return a fresh copy
     */
    public byte[] jsonBytes() {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The signature: standard padded base64 of the RSASSA-PSS signature.
     *
     * @return the signature
     */
    public String signature() {
        return signature;
    }

    @Override
    public String toString() {
        return "SignedData[" + json + "]";
    }
}
