package com.example.soter;

/** A legacy face verification ticket from the mini-program, and whom it should name. */
public record LegacyFace(String verifyResult, String name, String idNumber) {}
