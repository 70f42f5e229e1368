package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every SOTER_STATUS_* of the header has its Status constant and its own exception class. */
class StatusMappingTest {
    static Map<String, Integer> headerStatuses() throws Exception {
        Path h = Paths.get(System.getProperty("soter.header", "../../include/soter_verify.h"));
        assumeTrue(Files.isRegularFile(h), "header not found at " + h.toAbsolutePath() + "; skipping");
        Matcher m = Pattern.compile("^\\s*SOTER_STATUS_([A-Z0-9_]+)\\s*=\\s*(\\d+)", Pattern.MULTILINE)
                .matcher(Files.readString(h));
        Map<String, Integer> out = new LinkedHashMap<>();
        while (m.find()) {
            out.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return out;
    }

    static String className(String status) {
        if (status.equals("WECHAT_API")) {
            return "WeChatApiException";
        }
        StringBuilder sb = new StringBuilder();
        for (String part : status.split("_")) {
            sb.append(part.charAt(0)).append(part.substring(1).toLowerCase());
        }
        return sb + "Exception";
    }

    @Test
    void everyHeaderStatusHasItsClass() throws Exception {
        Map<String, Integer> statuses = headerStatuses();
        assertTrue(statuses.size() >= 21, "parsed " + statuses);
        assertEquals(0, statuses.get("OK"));
        Set<Class<?>> seen = new HashSet<>();
        for (Map.Entry<String, Integer> e : statuses.entrySet()) {
            if (e.getKey().equals("OK")) {
                continue;
            }
            Status s = Status.valueOf(e.getKey());
            assertEquals(e.getValue(), s.code(), e.getKey());
            assertEquals(s, Status.of(e.getValue()));
            assertEquals("SOTER_STATUS_" + e.getKey(), NativeLib.statusName(e.getValue()));
            Class<?> cls = Class.forName("io.soterverify." + className(e.getKey()));
            assertTrue(SoterException.class.isAssignableFrom(cls), cls + " is not a SoterException");
            assertTrue(RuntimeException.class.isAssignableFrom(cls), cls + " must be unchecked (RuntimeException)");
            assertFalse(Modifier.isAbstract(cls.getModifiers()));
            SoterException ex = Errors.of(s, "m", 7L, "x", e.getValue());
            assertEquals(cls, ex.getClass(), e.getKey());
            assertEquals(s, ex.status());
            assertTrue(seen.add(cls), "two statuses map to " + cls);
        }
        assertEquals(statuses.size() - 1, Status.values().length, "Status has constants the header lacks");
    }

    @Test
    void verificationFailuresShareABase() {
        for (Status s : new Status[] {Status.SIGNATURE_INVALID, Status.CHALLENGE_MISMATCH, Status.DEVICE_MISMATCH,
                Status.COUNTER_REPLAY}) {
            assertInstanceOf(VerificationFailedException.class, Errors.of(s, "m", null, null, s.code()));
        }
        assertFalse(Errors.of(Status.INVALID_JSON, "m", null, null, 8) instanceof VerificationFailedException);
    }

    @Test
    void wechatDetailIsKept() {
        WeChatApiException w = (WeChatApiException) Errors.of(Status.WECHAT_API, "m", 40001L, "invalid credential", 16);
        assertEquals(40001L, w.errcode());
        assertEquals("invalid credential", w.errmsg());
        TokenException t = (TokenException) Errors.of(Status.TOKEN, "m", 40013L, "invalid appid", 17);
        assertEquals(40013L, t.errcode().getAsLong());
        assertEquals("invalid appid", t.errmsg());
        TokenException t2 = new TokenException("no token");
        assertFalse(t2.errcode().isPresent());
        assertEquals("", t2.errmsg());
    }

    @Test
    void unknownStatusIsInternal() {
        assertEquals(Status.INTERNAL, Status.of(1234));
        SoterException e = Errors.take(1234, 0);
        assertInstanceOf(InternalException.class, e);
        assertTrue(e.getMessage().contains("1234"), e.getMessage());
        assertEquals("SOTER_STATUS_UNKNOWN", NativeLib.statusName(1234));
    }
}
