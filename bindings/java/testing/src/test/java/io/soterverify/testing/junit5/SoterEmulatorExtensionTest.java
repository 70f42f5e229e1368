package io.soterverify.testing.junit5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.SignatureInvalidException;
import io.soterverify.WeChatClient;
import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/** The extension as a user's test class meets it: one emulator for the class, devices registered. */
@ExtendWith(SoterEmulatorExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SoterEmulatorExtensionTest {
    private static WeChatEmulator first;
    private static WeChatClient firstClient;

    private final WeChatEmulator fromConstructor;

    SoterEmulatorExtensionTest(WeChatEmulator emulator) {
        this.fromConstructor = emulator;
    }

    @Test
    @Order(1)
    void injectsARegisteredDeviceAndAClientForTheEmulator(WeChatEmulator wechat, WeChatClient client, Device phone)
            throws Exception {
        first = wechat;
        firstClient = client;
        assertSame(wechat, fromConstructor);
        assertTrue(wechat.baseUrl().startsWith("http://127.0.0.1:"));
        assertEquals(SoterEmulatorExtension.APP_ID, client.appId());
        SignedData s = phone.signResult("challenge-1");
        // The device is registered: WeChat verifies its signature, and refuses a tampered result.
        assertTrue(client.soterVerifySignatureAsync(SoterEmulatorExtension.openid(phone), s.json(), s.signature())
                .get(10, TimeUnit.SECONDS));
        assertFalse(client.soterVerifySignature(SoterEmulatorExtension.openid(phone),
                s.json().replace("\"fid\":\"", "\"fid\":\"9"), s.signature()));
    }

    @Test
    @Order(2)
    void theSameEmulatorForTheWholeClass(WeChatEmulator wechat, WeChatClient client, Device a, Device b) {
        assertSame(first, wechat);
        assertSame(firstClient, client);
        assertTrue(a != b, "two Device parameters are two devices");
        try (ReplayGuard g = ReplayGuard.memory(); PublicKey k = a.publicKey()) {
            SignedData s = b.signResult(g.issueChallenge("u"));
            assertThrows(SignatureInvalidException.class, () -> g.authenticate(k, s.json(), s.signature(), "u"));
        }
    }

    @AfterAll
    static void stillRunningUntilAfterTheClass() {
        // Class-scoped: the emulator serves until the class's context closes, after this method.
        assertFalse(firstClient.isClosed());
    }
}
