package com.example.soter;

import io.soterverify.Ask;
import java.util.OptionalInt;

/** A device's trusted ASK as stored: what {@code Ask.fromStored} needs to rebuild it. */
public record StoredAsk(String publicKeyPem, String cpuId, String uid, long counter, OptionalInt rsaPssSaltlen,
        Ask.Format format) {}
