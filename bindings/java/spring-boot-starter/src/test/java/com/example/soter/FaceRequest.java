package com.example.soter;

/** The person and session to start a face verification for. */
public record FaceRequest(String name, String idNumber, String outSeqNo, String openid) {}
