package io.soterverify.spring;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.WeChatClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Closing the application context closes the three beans (their native memory is freed). */
class LifecycleTest {
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {}

    @Test
    void beansCloseWithTheContext() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "soter.wechat.app-id=wx-lifecycle",
                        "soter.wechat.token-source=fixed", "soter.wechat.fixed-token=LIFECYCLE-TOKEN",
                        "soter.ask-pem=classpath:soter/ask.pem")
                .run();
        WeChatClient wechat = context.getBean(WeChatClient.class);
        ReplayGuard guard = context.getBean(ReplayGuard.class);
        PublicKey ask = context.getBean(PublicKey.class);
        guard.issueChallenge("user", Duration.ofMinutes(1));
        assertFalse(wechat.isClosed() || guard.isClosed() || ask.isClosed());

        context.close();
        assertTrue(wechat.isClosed(), "WeChatClient not closed");
        assertTrue(guard.isClosed(), "ReplayGuard not closed");
        assertTrue(ask.isClosed(), "PublicKey not closed");
        assertThrows(IllegalStateException.class, () -> guard.issueChallenge("user", Duration.ofMinutes(1)));
    }
}
