package com.example.soter;

/**
 * A user's AuthKey export and its ASK signature, with the device it was made on ({@code cpuId},
 * {@code uid}): they only pick the stored ASK to check it with; {@code Soter.verifyAuthKey} then
 * refuses an AuthKey that is not for that device.
 */
public record AuthKeyRequest(String cpuId, String uid, String authKeyJson, String authKeySignature) {}
