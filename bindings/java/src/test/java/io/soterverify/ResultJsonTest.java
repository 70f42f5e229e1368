package io.soterverify;

import static io.soterverify.TestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultJsonTest {
    @Test
    void everyField() throws Exception {
        ResultJson r = ResultJson.parse(utf8(TestSupport.resultJson("ch\\/al", Long.MAX_VALUE, "cpu1",
                "10115", ",\"bo_t\":{\"x\":[1]},\"fc_n\":\"face\",\"z\":1.5")));
        assertEquals("ch/al", r.raw());
        assertEquals("123", r.fid());
        assertEquals(Long.MAX_VALUE, r.counter());
        assertEquals("TEE", r.teeN());
        assertEquals("1", r.teeV());
        assertEquals("FPC", r.fpN());
        assertEquals("2", r.fpV());
        assertEquals("cpu1", r.cpuId());
        assertEquals("10115", r.uid());
        assertFalse(r.rsaPssSaltlen().isPresent());
        assertEquals(List.of("bo_t", "fc_n", "z"), List.copyOf(r.extra().keySet()));
        assertEquals(Map.of("bo_t", "{\"x\":[1]}", "fc_n", "\"face\"", "z", "1.5"), r.extra());
        assertThrows(UnsupportedOperationException.class, () -> r.extra().put("a", "b"));
        assertTrue(r.toString().contains("cpu1"));
    }

    @Test
    void optionalFieldsAndSaltLen() throws Exception {
        ResultJson r = ResultJson.parse(utf8("{\"raw\":\"c\",\"counter\":3,\"cpu_id\":\"x\",\"uid\":\"u\",\"rsa_pss_saltlen\":32}"));
        assertEquals("", r.fid());
        assertEquals("", r.teeN());
        assertEquals("", r.fpV());
        assertEquals(32, r.rsaPssSaltlen().getAsInt());
        assertTrue(r.extra().isEmpty());
    }

    @Test
    void counterIsUnsigned() throws Exception {
        ResultJson r = ResultJson.parse(utf8("{\"raw\":\"c\",\"counter\":18446744073709551615,\"cpu_id\":\"x\",\"uid\":\"u\"}"));
        assertEquals("18446744073709551615", Long.toUnsignedString(r.counter()));
    }

    @Test
    void literalNewlinesAndUnicode() throws Exception {
        ResultJson r = ResultJson.parse(utf8("{\"raw\":\"a\nb\",\"counter\":1,\"cpu_id\":\"\\u4e2d文\",\"uid\":\"u\"}"));
        assertEquals("a\nb", r.raw());
        assertEquals("中文", r.cpuId());
    }

    @Test
    void equalsAndHashCode() throws Exception {
        byte[] json = utf8(TestSupport.resultJson("c", 1, "x", "u", ""));
        ResultJson a = ResultJson.parse(json);
        ResultJson b = ResultJson.parse(json);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, ResultJson.parse(utf8(TestSupport.resultJson("c", 2, "x", "u", ""))));
    }

    @Test
    void badInput() {
        assertThrows(DuplicateFieldException.class,
                () -> ResultJson.parse(utf8("{\"raw\":\"c\",\"raw\":\"d\",\"counter\":1,\"cpu_id\":\"x\",\"uid\":\"u\"}")));
        assertThrows(InvalidJsonException.class, () -> ResultJson.parse(utf8("{\"raw\":\"c\"")));
        assertThrows(InvalidJsonException.class, () -> ResultJson.parse(utf8("{\"raw\":\"c\",\"counter\":1,\"uid\":\"u\"}")));
        assertThrows(InvalidJsonException.class,
                () -> ResultJson.parse(utf8("{\"raw\":\"c\",\"counter\":\"1\",\"cpu_id\":\"x\",\"uid\":\"u\"}")));
        assertThrows(InvalidJsonException.class, () -> ResultJson.parse(utf8("[1,2]")));
        assertThrows(InvalidJsonException.class,
                () -> ResultJson.parse(utf8(TestSupport.resultJson("c", 1, "x", "u", "") + " trailing")));
        assertThrows(InvalidInputException.class, () -> ResultJson.parse(new byte[0]));
        assertThrows(InvalidInputException.class, () -> ResultJson.parse(new byte[] {'{', (byte) 0xff, '}'}));
        assertThrows(InputTooLargeException.class, () -> ResultJson.parse(new byte[16 << 20]));
        assertThrows(NullPointerException.class, () -> ResultJson.parse(null));
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            deep.append('[');
        }
        assertThrows(InvalidJsonException.class, () -> ResultJson.parse(utf8(deep.toString())));
    }
}
