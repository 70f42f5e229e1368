package com.example.soter;

/** A face verification session to query, with the same person. */
public record FaceResult(String verifyId, String outSeqNo, String name, String idNumber, String openid) {}
