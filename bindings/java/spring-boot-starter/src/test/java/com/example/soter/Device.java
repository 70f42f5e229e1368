package com.example.soter;

/** An enrolled device: what SoterController.register stored. */
public record Device(String authKeyPem, String cpuId, String uid) {}
