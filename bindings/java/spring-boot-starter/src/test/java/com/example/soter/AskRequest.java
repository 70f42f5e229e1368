package com.example.soter;

/**
 * A device's ASK as its app uploaded it: {@code certsJson} for a certificate chain (SOTER 2.0,
 * Huawei key attestation), or {@code askJson} and its ATTK signature {@code askJsonSignature}
 * (base64, as received) for a classic ASK.
 */
public record AskRequest(String certsJson, String askJson, String askJsonSignature) {}
