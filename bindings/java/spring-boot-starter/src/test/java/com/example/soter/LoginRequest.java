package com.example.soter;

/** resultJSON and resultJSONSignature exactly as wx.startSoterAuthentication returned them. */
public record LoginRequest(String resultJSON, String resultJSONSignature) {}
