package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Android key attestation on real Google-rooted chains (tests/vectors/android-keyattestation). */
class KeyAttestationTest {
    private static final Instant AKITA_AT = Instant.ofEpochSecond(1727237961L);
    private static final Instant TEGU_AT = Instant.ofEpochSecond(1772324168L);

    private static byte[] chain(String name) throws Exception {
        Path dir = TestSupport.vectors().resolve("../android-keyattestation").normalize();
        return Files.readAllBytes(dir.resolve(name));
    }

    @Test
    void aPixel8aChainDecodesAsPublished() throws Exception {
        KeyAttestation ka = KeyAttestation.verify(List.of(chain("akita/sdk34/TEE_RSA_BASE+IMEI.pem")), List.of(), AKITA_AT, null);
        assertEquals(300, ka.attestationVersion());
        assertEquals("tee", ka.attestationSecurityLevel());
        assertEquals("tee", ka.keyMintSecurityLevel());
        assertArrayEquals("challenge".getBytes(StandardCharsets.US_ASCII), ka.attestationChallenge());
        assertEquals(0, ka.uniqueId().length);
        KeyAttestation.AuthorizationList hw = ka.hardwareEnforced();
        KeyAttestation.AuthorizationList sw = ka.softwareEnforced();
        assertEquals(List.of(2L), hw.purposes());
        assertEquals(1L, hw.algorithm());
        assertEquals(2048L, hw.keySize());
        assertEquals(0L, hw.origin());
        assertTrue(hw.noAuthRequired());
        assertEquals(140000L, hw.osVersion());
        assertEquals(202408L, hw.osPatchLevel());
        assertEquals(20240805L, hw.vendorPatchLevel());
        assertEquals(20240805L, hw.bootPatchLevel());
        assertArrayEquals("351163520096208".getBytes(StandardCharsets.US_ASCII), hw.bytes("attestation_id_imei"));
        assertArrayEquals("Pixel 8a".getBytes(StandardCharsets.US_ASCII), hw.bytes("attestation_id_model"));
        Map<String, Object> rot = hw.rootOfTrust();
        assertEquals(Boolean.FALSE, rot.get("device_locked"));
        assertEquals("unverified", rot.get("verified_boot_state"));
        assertArrayEquals(Base64.getDecoder().decode("iCWIV2R1rsyzkpgv4vvF9ixpyfyEunPmxTzAUqEWFYY="), (byte[]) rot.get("verified_boot_hash"));
        // The lists stay apart.
        assertEquals(1727389885676L, sw.integer("creation_date_time"));
        assertNull(hw.integer("creation_date_time"));
        assertEquals(List.of("AndroidSystem"), sw.applicationPackages());
        assertNull(sw.purposes());
        assertFalse(sw.noAuthRequired());
        assertEquals("RSA 2048", ka.publicKeyAlgorithm());
        assertEquals(0x30, ka.publicKey()[0]);
        assertEquals(5, ka.serials().size());
        assertEquals("feb2ea7551ee316ed4bb443c8293b884dbfdea40b603ee3e4f4a897e4580fbae", HexFormat.of().formatHex(ka.rootSpkiSha256()));
    }

    @Test
    void the2026RootRevocationAndRefusals() throws Exception {
        byte[] tegu = chain("tegu/sdk36/TEE_EC_2026_ROOT.pem");
        KeyAttestation ka = KeyAttestation.verify(List.of(tegu), List.of(), TEGU_AT, null);
        assertEquals(400, ka.attestationVersion());
        assertEquals("3ee44512a1af2beb39c889490c60ea3f82e43f5d5a5532f5ab9419f676cd07ec", HexFormat.of().formatHex(ka.rootSpkiSha256()));
        String list = "{\"entries\":{\"" + ka.serials().get(1) + "\":{\"status\":\"REVOKED\",\"reason\":\"KEY_COMPROMISE\"}}}";
        CertificateRevokedException e = assertThrows(CertificateRevokedException.class,
                () -> KeyAttestation.verify(List.of(tegu), List.of(), TEGU_AT, list.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e instanceof CertificateInvalidException);
        assertEquals(Status.CERTIFICATE_REVOKED, e.status());
        assertTrue(e.getMessage().contains("certificate #1"), e.getMessage());
        assertThrows(InvalidJsonException.class,
                () -> KeyAttestation.verify(List.of(tegu), List.of(), TEGU_AT, "[]".getBytes(StandardCharsets.UTF_8)));
        CertificateInvalidException x = assertThrows(CertificateInvalidException.class,
                () -> KeyAttestation.verify(List.of(tegu), List.of(), TEGU_AT.plusSeconds(400L * 86400), null));
        assertTrue(x.getMessage().contains("expired"), x.getMessage());
        byte[] half = java.util.Arrays.copyOf(tegu, tegu.length / 2);
        assertThrows(CertificateInvalidException.class, () -> KeyAttestation.verify(List.of(half), List.of(), TEGU_AT, null));
        assertThrows(InvalidArgumentException.class, () -> KeyAttestation.verify(null, List.of(), TEGU_AT, null));
    }

    @Test
    void askChainPolicyAndRevocations() throws Exception {
        byte[] chain = Files.readAllBytes(TestSupport.vectors().resolve("ask_cert_json.txt"));
        Instant at = Instant.ofEpochSecond(1767225600L);
        try (Ask a = Soter.verifyAskChain(chain, List.of(), at, AttestationPolicy.permissive(), null)) {
            assertEquals("10147", a.uid());
        }
        byte[] listed = "{\"entries\":{\"2018042515095541dcf7433590c5624e\":{\"status\":\"REVOKED\"}}}"
                .getBytes(StandardCharsets.UTF_8);
        CertificateRevokedException e = assertThrows(CertificateRevokedException.class,
                () -> Soter.verifyAskChain(chain, List.of(), at, AttestationPolicy.DEFAULT, listed));
        assertTrue(e.getMessage().contains("certificate #1"), e.getMessage());
    }
}
