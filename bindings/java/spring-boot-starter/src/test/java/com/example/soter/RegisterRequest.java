package com.example.soter;

/** The AuthKey export of the device's enrolment and its ASK signature. */
public record RegisterRequest(String authKeyJson, String authKeySignature) {}
