package com.example.soter;

/** A user's enrolled AuthKey and the device it lives on. */
public record StoredAuthKey(String authKeyPem, String cpuId, String uid) {}
