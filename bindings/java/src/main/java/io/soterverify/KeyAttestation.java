package io.soterverify;

import com.sun.jna.Memory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A verified Android key attestation: the leaf's decoded KeyDescription (hardware- and
 * software-enforced authorization lists kept apart), the attested key as SubjectPublicKeyInfo
 * bytes, and the chain. Immutable; holds no native memory.
 */
public final class KeyAttestation {
    private final Map<String, Object> json;
    private final AuthorizationList softwareEnforced;
    private final AuthorizationList hardwareEnforced;

    private KeyAttestation(Map<String, Object> json) {
        this.json = json;
        this.softwareEnforced = new AuthorizationList(obj(json.get("software_enforced")));
        this.hardwareEnforced = new AuthorizationList(obj(json.get("hardware_enforced")));
    }

    /**
     * Verifies an Android key attestation chain up to Google's hardware attestation roots (built
     * in, pinned by SPKI SHA-256) or one of {@code roots}, and decodes the leaf's KeyDescription.
     * No policy is applied: read the result.
     *
     * @param certs the chain, leaf first: each item one PEM or DER certificate, or one item
     *     holding the whole chain as a PEM bundle
     * @param roots extra trusted root certificates (PEM or DER); empty for Google's only
     * @param at when to check validity; null means now
     * @param revocations Google's attestation status list JSON as you fetched it (the library
     *     never fetches); null for none. Refresh it daily and refuse to verify with a copy older
     *     than your {@code revocations_max_age} (see the README)
     * @return the attestation
     * @throws CertificateRevokedException a certificate of the chain is listed
     * @throws CertificateInvalidException a broken chain, an unsupported algorithm, a malformed
     *     KeyDescription (the message names the field)
     * @throws UntrustedRootException a sound chain whose root is not trusted
     * @throws InvalidJsonException {@code revocations} is not the status list
     */
    public static KeyAttestation verify(List<byte[]> certs, List<byte[]> roots, Instant at, byte[] revocations) {
        if (certs == null || roots == null) {
            throw new InvalidArgumentException("certs and roots must not be null (pass List.of() for no roots)");
        }
        AskNative.load();
        Memory c = AskNative.bytesArray(certs);
        Memory r = AskNative.bytesArray(roots);
        long[] out = new long[1];
        long[] err = new long[1];
        int st = SoterFfi.soter_verify_key_attestation(c, certs.size(), r, roots.size(), (byte) (at != null ? 1 : 0),
                at != null ? at.getEpochSecond() : 0, revocations, revocations == null ? 0 : revocations.length, out, err);
        Errors.check(st, err);
        try {
            long[] p = new long[1];
            long[] n = new long[1];
            Errors.check(SoterFfi.soter_key_attestation_json(out[0], p, n), new long[1]);
            return new KeyAttestation(obj(new Reader(NativeLib.utf8(p[0], n[0])).value()));
        } finally {
            SoterFfi.soter_key_attestation_free(out[0]);
        }
    }

    /**
     * {@link #verify(List, List, Instant, byte[])} with Google's roots, now, no status list.
     *
     * @param certs the chain, leaf first
     * @return the attestation
     */
    public static KeyAttestation verify(List<byte[]> certs) {
        return verify(certs, List.of(), null, null);
    }

    /**
     * The attestation version.
     *
     * @return the attestation version
     */
    public long attestationVersion() {
        return num(json.get("attestation_version"));
    }

    /**
     * {@code "software"}, {@code "tee"} or {@code "strongbox"}.
     *
     * @return the attestation security level
     */
    public String attestationSecurityLevel() {
        return (String) json.get("attestation_security_level");
    }

    /**
     * The key mint version.
     *
     * @return the key mint version
     */
    public long keyMintVersion() {
        return num(json.get("keymint_version"));
    }

    /**
     * {@code "software"}, {@code "tee"} or {@code "strongbox"}.
     *
     * @return the key mint security level
     */
    public String keyMintSecurityLevel() {
        return (String) json.get("keymint_security_level");
    }

    /**
     * The attestation challenge.
     *
     * @return the attestation challenge
     */
    public byte[] attestationChallenge() {
        return hex(json.get("attestation_challenge"));
    }

    /**
     * The unique id.
     *
     * @return the unique id
     */
    public byte[] uniqueId() {
        return hex(json.get("unique_id"));
    }

    /**
     * The software enforced.
     *
     * @return the software enforced
     */
    public AuthorizationList softwareEnforced() {
        return softwareEnforced;
    }

    /**
     * The hardware enforced.
     *
     * @return the hardware enforced
     */
    public AuthorizationList hardwareEnforced() {
        return hardwareEnforced;
    }

    /**
     * The attested key's SubjectPublicKeyInfo (DER), any algorithm (RSA, EC, ML-DSA).
     *
     * @return the public key
     */
    public byte[] publicKey() {
        return hex(json.get("public_key"));
    }

    /**
     * {@code "RSA 2048"}, {@code "EC P-256"}, {@code "ML-DSA-65 (...)"}.
     *
     * @return the public key algorithm
     */
    public String publicKeyAlgorithm() {
        return (String) json.get("public_key_algorithm");
    }

    /**
     * Subjects, leaf first.
     *
     * @return the subjects
     */
    public List<String> subjects() {
        return strings(json.get("subjects"));
    }

    /**
     * Serial numbers as lowercase hex (as Google's status list writes them), leaf first.
     *
     * @return the serials
     */
    public List<String> serials() {
        return strings(json.get("serials"));
    }

    /**
     * The root spki sha256.
     *
     * @return the root spki sha256
     */
    public byte[] rootSpkiSha256() {
        return hex(json.get("root_spki_sha256"));
    }

    /**
     * One authorization list. Absent integers are null, absent lists null, absent flags false;
     * byte fields (attestation IDs, module hash) null when absent.
     */
    public static final class AuthorizationList {
        private final Map<String, Object> m;

        AuthorizationList(Map<String, Object> m) {
            this.m = m;
        }

        /**
         * An integer field by its snake_case name ({@code "origin"}, {@code "key_size"}, ...).
         *
         * @param name the name
         * @return the integer
         */
        public Long integer(String name) {
            Object v = m.get(name);
            return v == null ? null : num(v);
        }

        /**
         * A set field ({@code "purposes"}, {@code "digests"}, ...), null when absent.
         *
         * @param name the name
         * @return the integers
         */
        public List<Long> integers(String name) {
            Object v = m.get(name);
            if (v == null) {
                return null;
            }
            List<Long> out = new ArrayList<>();
            for (Object o : (List<?>) v) {
                out.add(num(o));
            }
            return Collections.unmodifiableList(out);
        }

        /**
         * A NULL-typed flag ({@code "no_auth_required"}, ...).
         *
         * @param name the name
         * @return the flag
         */
        public boolean flag(String name) {
            return Boolean.TRUE.equals(m.get(name));
        }

        /**
         * A byte field ({@code "attestation_id_imei"}, {@code "module_hash"}, ...).
         *
         * @param name the name
         * @return the bytes
         */
        public byte[] bytes(String name) {
            Object v = m.get(name);
            return v == null ? null : hex(v);
        }

        /**
         * The purposes.
         *
         * @return the purposes
         */
        public List<Long> purposes() {
            return integers("purposes");
        }

        /**
         * The algorithm.
         *
         * @return the algorithm
         */
        public Long algorithm() {
            return integer("algorithm");
        }

        /**
         * The key size.
         *
         * @return the key size
         */
        public Long keySize() {
            return integer("key_size");
        }

        /**
         * The digests.
         *
         * @return the digests
         */
        public List<Long> digests() {
            return integers("digests");
        }

        /**
         * The ec curve.
         *
         * @return the ec curve
         */
        public Long ecCurve() {
            return integer("ec_curve");
        }

        /**
         * 0 GENERATED, 1 DERIVED, 2 IMPORTED, 3 UNKNOWN, 4 SECURELY_IMPORTED.
         *
         * @return the origin
         */
        public Long origin() {
            return integer("origin");
        }

        /**
         * The no auth required.
         *
         * @return the no auth required
         */
        public boolean noAuthRequired() {
            return flag("no_auth_required");
        }

        /**
         * The os version.
         *
         * @return the os version
         */
        public Long osVersion() {
            return integer("os_version");
        }

        /**
         * The os patch level.
         *
         * @return the os patch level
         */
        public Long osPatchLevel() {
            return integer("os_patch_level");
        }

        /**
         * The vendor patch level.
         *
         * @return the vendor patch level
         */
        public Long vendorPatchLevel() {
            return integer("vendor_patch_level");
        }

        /**
         * The boot patch level.
         *
         * @return the boot patch level
         */
        public Long bootPatchLevel() {
            return integer("boot_patch_level");
        }

        /** The root of trust, or null: keys verified_boot_key (byte[]), device_locked (Boolean),
         *
         * @return the root of trust
         *  verified_boot_state (String), verified_boot_hash (byte[] or absent). */
        public Map<String, Object> rootOfTrust() {
            Object v = m.get("root_of_trust");
            if (v == null) {
                return null;
            }
            Map<String, Object> r = new LinkedHashMap<>(obj(v));
            r.put("verified_boot_key", hex(r.get("verified_boot_key")));
            if (r.containsKey("verified_boot_hash")) {
                r.put("verified_boot_hash", hex(r.get("verified_boot_hash")));
            }
            return Collections.unmodifiableMap(r);
        }

        /**
         * Package names of the attestation application id (null when absent).
         *
         * @return the application packages
         */
        public List<String> applicationPackages() {
            Object v = m.get("attestation_application_id");
            if (v == null) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (Object p : (List<?>) obj(v).get("packages")) {
                out.add((String) obj(p).get("name"));
            }
            return Collections.unmodifiableList(out);
        }

        /**
         * SHA-256 digests of the app's signing certificates (null when absent).
         *
         * @return the application signature digests
         */
        public List<byte[]> applicationSignatureDigests() {
            Object v = m.get("attestation_application_id");
            if (v == null) {
                return null;
            }
            List<byte[]> out = new ArrayList<>();
            for (Object d : (List<?>) obj(v).get("signature_digests")) {
                out.add(hex(d));
            }
            return Collections.unmodifiableList(out);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Object o) {
        return (Map<String, Object>) o;
    }

    private static long num(Object o) {
        return ((Number) o).longValue();
    }

    private static byte[] hex(Object o) {
        return HexFormat.of().parseHex((String) o);
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        for (Object s : (List<?>) o) {
            out.add((String) s);
        }
        return Collections.unmodifiableList(out);
    }

    /** Reads the JSON this library writes for a KeyAttestation (objects, arrays, strings,
     *  integers, booleans); anything else is a bug in the library, reported as such. */
    private static final class Reader {
        private final String s;
        private int i;

        Reader(String s) {
            this.s = s;
        }

        Object value() {
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    String k = string();
                    expect(':');
                    m.put(k, value());
                    if (s.charAt(i) == ',') {
                        i++;
                        continue;
                    }
                    expect('}');
                    return m;
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    if (s.charAt(i) == ',') {
                        i++;
                        continue;
                    }
                    expect(']');
                    return l;
                }
            }
            if (c == '"') {
                return string();
            }
            if (s.startsWith("true", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            int start = i;
            if (c == '-') {
                i++;
            }
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (start == i) {
                throw new InternalException("soter-verify: unexpected key attestation JSON at " + i);
            }
            return Long.parseLong(s.substring(start, i));
        }

        private void expect(char c) {
            if (s.charAt(i) != c) {
                throw new InternalException("soter-verify: unexpected key attestation JSON at " + i);
            }
            i++;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n': b.append('\n'); break;
                    case 't': b.append('\t'); break;
                    case 'r': b.append('\r'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                    default: b.append(e);
                }
            }
        }
    }
}
