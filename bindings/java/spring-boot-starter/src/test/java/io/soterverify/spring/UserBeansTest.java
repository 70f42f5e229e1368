package io.soterverify.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.SoterException;
import io.soterverify.TokenSource;
import io.soterverify.WeChatClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The application's own beans win: the auto-configured ones back off, even with soter.* properties
 * that would configure them (or, for the guard, fail to).
 */
@SpringBootTest(classes = UserBeansTest.App.class, properties = {
        "soter.wechat.app-id=wx-from-properties",
        "soter.wechat.app-secret=user-beans-secret",
        "soter.ask-pem=classpath:soter/ask.pem",
        "soter.replay.redis-url=not a usable url"})
class UserBeansTest {
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean(destroyMethod = "close")
        WeChatClient myWeChat() {
            return WeChatClient.builder("wx-mine", "").tokenSource(TokenSource.fixed("MY-TOKEN")).build();
        }

        @Bean(destroyMethod = "close")
        ReplayGuard myGuard() {
            return ReplayGuard.memory(10, 10);
        }

        @Bean(destroyMethod = "close")
        PublicKey myAsk() throws SoterException, IOException {
            try (InputStream in = UserBeansTest.class.getResourceAsStream("/soter/ask.pem")) {
                return PublicKey.load(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
    }

    @Autowired
    ApplicationContext context;

    @Test
    void applicationBeansWin() {
        assertEquals(Set.of("myWeChat"), context.getBeansOfType(WeChatClient.class).keySet());
        assertEquals(Set.of("myGuard"), context.getBeansOfType(ReplayGuard.class).keySet());
        assertEquals(Set.of("myAsk"), context.getBeansOfType(PublicKey.class).keySet());
        assertEquals("wx-mine", context.getBean(WeChatClient.class).appId());
        assertSame(context.getBean("myGuard"), context.getBean(ReplayGuard.class));
        assertFalse(context.containsBean("soterWeChatClient"));
        assertFalse(context.containsBean("soterReplayGuard"));
        assertFalse(context.containsBean("soterAsk"));
    }
}
