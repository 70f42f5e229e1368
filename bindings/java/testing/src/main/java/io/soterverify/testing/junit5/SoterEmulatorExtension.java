package io.soterverify.testing.junit5;

import io.soterverify.WeChatClient;
import io.soterverify.testing.Device;
import io.soterverify.testing.WeChatEmulator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A {@link WeChatEmulator} per test class, injected with test devices into test methods,
 * lifecycle methods and constructors:
 *
 * <pre>{@code
 * @ExtendWith(SoterEmulatorExtension.class)
 * class LoginTest {
 *     @Test
 *     void login(WeChatEmulator wechat, WeChatClient client, Device phone) {
 *         // phone is registered with wechat under SoterEmulatorExtension.openid(phone)
 *     }
 * }
 * }</pre>
 *
 * <p>Parameters it resolves:
 * <ul>
 * <li>{@link WeChatEmulator}: the class's emulator (appid {@value #APP_ID}, secret
 *     {@value #SECRET}), started before the class's first test on a loopback port and stopped
 *     after its last;</li>
 * <li>{@link WeChatClient}: the class's client for it (closed after the class);</li>
 * <li>{@link Device}: a device from {@link Device#pooled()} (no key generation once the JVM's pool
 *     is warm), registered with the emulator under {@link #openid(Device)}. Pooled devices are
 *     shared between tests: their counters keep rising; use {@link Device#create()} when a test
 *     needs a key nobody else has seen.</li>
 * </ul>
 */
public final class SoterEmulatorExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    /** The appid the emulator and the injected client use. */
    public static final String APP_ID = "wx_soter_test";
    /** The app secret the emulator and the injected client use (a test value). */
    public static final String SECRET = "soter-test-secret";

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SoterEmulatorExtension.class);

    /** Creates the extension (JUnit does, for {@code @ExtendWith}). */
    public SoterEmulatorExtension() {
    }

    /**
     * The openid an injected device is registered under with the class's emulator.
     *
     * @param device the device
     * @return its openid
     */
    public static String openid(Device device) {
        return "o_" + device.cpuId();
    }

    /** The class's resources, closed by JUnit when the class's context closes (client first). */
    private static final class PerClass implements ExtensionContext.Store.CloseableResource {
        final WeChatEmulator emulator;
        final WeChatClient client;

        PerClass() {
            this.emulator = WeChatEmulator.start(APP_ID, SECRET);
            WeChatClient c;
            try {
                c = WeChatClient.builder(APP_ID, SECRET).baseUrl(emulator.baseUrl()).build();
            } catch (RuntimeException e) {
                emulator.close();
                throw e;
            }
            this.client = c;
        }

        @Override
        public void close() {
            try {
                client.close();
            } finally {
                emulator.close();
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // In the class's store: test methods' stores find it there, and it lives as long as the class.
        context.getStore(NS).getOrComputeIfAbsent(PerClass.class, k -> new PerClass(), PerClass.class);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        PerClass r = context.getStore(NS).remove(PerClass.class, PerClass.class);
        if (r != null) {
            r.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == WeChatEmulator.class || type == WeChatClient.class || type == Device.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        PerClass r = perClass(context);
        Class<?> type = parameter.getParameter().getType();
        if (type == WeChatEmulator.class) {
            return r.emulator;
        }
        if (type == WeChatClient.class) {
            return r.client;
        }
        Device d = Device.pooled();
        r.emulator.registerDevice(openid(d), d);
        return d;
    }

    /** The class's resources; a constructor parameter can ask before beforeAll ran. */
    private static PerClass perClass(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        PerClass r = c.getStore(NS).getOrComputeIfAbsent(PerClass.class, k -> new PerClass(), PerClass.class);
        if (r == null) {
            throw new ParameterResolutionException("the soter emulator could not be started");
        }
        return r;
    }
}
