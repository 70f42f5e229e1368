package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The guard's hand-laid structs, constants and functions against the committed header: the C
 * layout (x86-64: pointers, size_t and 64-bit integers 8 bytes, uint32_t 4, each aligned to its
 * size) of SoterGuardOptions and SoterSentinelOptions is computed from the header's fields.
 */
class GuardLayoutTest {
    private static String header() throws Exception {
        Path h = Paths.get(System.getProperty("soter.header", "../../include/soter_verify.h"));
        assertTrue(Files.isRegularFile(h), "header not found at " + h.toAbsolutePath());
        return Files.readString(h);
    }

    /** Field offsets (and "sizeof" for the size) of {@code typedef struct { ... } name;}. */
    static Map<String, Long> layout(String header, String name) {
        Matcher m = Pattern.compile("typedef struct \\{\\n((?:(?!typedef struct).)*?)\\n\\} " + name + ";",
                Pattern.DOTALL).matcher(header);
        assertTrue(m.find(), name + " not found in the header");
        Pattern field = Pattern.compile("^\\s*(?:const\\s+)?(\\w+)\\s*(\\*?)\\s*(\\w+);\\s*$");
        Map<String, Long> offsets = new LinkedHashMap<>();
        long at = 0;
        long align = 1;
        for (String line : m.group(1).split("\\n")) {
            if (line.trim().startsWith("//")) {
                continue;
            }
            Matcher f = field.matcher(line);
            assertTrue(f.matches(), "unparsed line of " + name + ": " + line);
            long size = !f.group(2).isEmpty() ? 8 : switch (f.group(1)) {
                case "size_t", "uint64_t", "int64_t" -> 8;
                case "uint32_t", "int32_t" -> 4;
                case "bool", "uint8_t" -> 1;
                default -> throw new AssertionError("unknown field type in " + name + ": " + line);
            };
            at = (at + size - 1) / size * size;
            offsets.put(f.group(3), at);
            at += size;
            align = Math.max(align, size);
        }
        offsets.put("sizeof", (at + align - 1) / align * align);
        return offsets;
    }

    private static long define(String header, String name) {
        Matcher m = Pattern.compile("#define " + name + " (\\d+)").matcher(header);
        assertTrue(m.find(), name + " not in the header");
        return Long.parseLong(m.group(1));
    }

    @Test
    void structsMatchTheHeader() throws Exception {
        String h = header();
        Map<String, Long> opts = layout(h, "SoterGuardOptions");
        assertEquals(GuardNative.OPTIONS_SIZE, opts.get("sizeof"), opts.toString());
        assertEquals(GuardNative.OPT_PREFIX, opts.get("prefix"));
        assertEquals(GuardNative.OPT_PREFIX + 8, opts.get("prefix_len"));
        assertEquals(GuardNative.OPT_TIMEOUT_MS, opts.get("timeout_ms"));
        assertEquals(GuardNative.OPT_TLS_CA_PEM, opts.get("tls_ca_pem"));
        assertEquals(GuardNative.OPT_TLS_CA_PEM + 8, opts.get("tls_ca_pem_len"));
        assertEquals(GuardNative.OPT_MAX_CHALLENGES, opts.get("max_challenges"));
        assertEquals(GuardNative.OPT_MAX_DEVICES, opts.get("max_devices"));
        assertEquals(GuardNative.OPT_WAIT_REPLICAS, opts.get("wait_replicas"));
        assertEquals(GuardNative.OPT_MAX_CHALLENGES_PER_SUBJECT, opts.get("max_challenges_per_subject"));
        assertEquals(10, opts.size(), "SoterGuardOptions has fields this package does not set: " + opts);

        Map<String, Long> sopts = layout(h, "SoterSentinelOptions");
        assertEquals(GuardNative.SENTINEL_OPTIONS_SIZE, sopts.get("sizeof"), sopts.toString());
        assertEquals(GuardNative.SOPT_PASSWORD, sopts.get("password"));
        assertEquals(GuardNative.SOPT_PASSWORD + 8, sopts.get("password_len"));
        assertEquals(GuardNative.SOPT_SENTINEL_PASSWORD, sopts.get("sentinel_password"));
        assertEquals(GuardNative.SOPT_SENTINEL_PASSWORD + 8, sopts.get("sentinel_password_len"));
        assertEquals(GuardNative.SOPT_DB, sopts.get("db"));
        assertEquals(6, sopts.size(), sopts.toString());

        assertEquals(GuardNative.SUBJECT_SIZE, layout(h, "SoterGuardSubject").get("sizeof"));
    }

    @Test
    void constantsMatchTheHeader() throws Exception {
        String h = header();
        assertEquals(NativeLib.ABI_VERSION, define(h, "SOTER_ABI_VERSION"));
        assertEquals(NativeLib.ABI_VERSION, SoterFfi.soter_abi_version());
        assertEquals(ReplayGuard.DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
                define(h, "SOTER_GUARD_DEFAULT_MAX_CHALLENGES_PER_SUBJECT"));
        assertEquals(ReplayGuard.MAX_TIMEOUT, Duration.ofMillis(define(h, "SOTER_GUARD_MAX_TIMEOUT_MS")));
        assertEquals(ReplayGuard.DEFAULT_MAX_CHALLENGES, define(h, "SOTER_GUARD_DEFAULT_MAX_CHALLENGES"));
        assertEquals(ReplayGuard.DEFAULT_MAX_DEVICES, define(h, "SOTER_GUARD_DEFAULT_MAX_DEVICES"));
    }

    /**
     * Every function of the header is declared in the generated SoterFfi or TestingFfi (each
     * exactly once) and registers against the library.
     */
    @Test
    void everyFunctionOfTheHeaderIsDeclared() throws Exception {
        Matcher m = Pattern.compile("(?m)^[A-Za-z].*?\\b(soter_\\w+)\\(").matcher(header());
        Set<String> inHeader = new TreeSet<>();
        while (m.find()) {
            inHeader.add(m.group(1));
        }
        SoterFfi.load(); // registration fails for a function the library lacks
        Class<?> testing = Class.forName("io.soterverify.testing.TestingFfi");
        List<String> declared = new ArrayList<>();
        for (Class<?> c : List.of(SoterFfi.class, testing)) {
            Arrays.stream(c.getDeclaredMethods()).filter(x -> Modifier.isNative(x.getModifiers()))
                    .map(Method::getName).forEach(declared::add);
        }
        assertTrue(inHeader.contains("soter_replay_guard_new_redis_sentinel") && inHeader.size() > 100,
                inHeader.toString());
        assertEquals(inHeader, new TreeSet<>(declared));
        assertEquals(inHeader.size(), declared.size(), "declared twice: " + declared);
    }
}
