package io.soterverify.spring;

import io.soterverify.ReplayGuard;
import io.soterverify.WeChatClient;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With Spring Boot Actuator on the class path (the starter does not bring it): the health
 * contributor {@code soter}, switched by {@code management.health.soter.enabled}: {@code store}
 * (the guard's {@link ReplayGuard#ping()}, one round trip per probe) and {@code wechat} (the
 * client's token state, from the calls the application makes: no request per probe). It sees the
 * context's {@link ReplayGuard} and {@link WeChatClient}, the starter's or the application's.
 */
// The class-level condition by name: the class is skipped before its methods' Actuator types are read.
@AutoConfiguration(after = SoterAutoConfiguration.class)
@ConditionalOnClass(name = {"io.soterverify.ReplayGuard", "org.springframework.boot.actuate.health.HealthContributor",
        "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator"})
public class SoterHealthAutoConfiguration {
    /** Created by Spring Boot. */
    public SoterHealthAutoConfiguration() {}

    /**
     * {@code soter}: {@code store} and {@code wechat}, for the beans the context has.
     *
     * @param guards the guard, if any
     * @param clients the client, if any
     * @return the contributor (named after the bean: /actuator/health/soter)
     */
    @Bean
    @ConditionalOnEnabledHealthIndicator("soter")
    @ConditionalOnMissingBean(name = "soterHealthContributor")
    public HealthContributor soterHealthContributor(ObjectProvider<ReplayGuard> guards,
            ObjectProvider<WeChatClient> clients) {
        Map<String, HealthContributor> parts = new LinkedHashMap<>();
        ReplayGuard guard = guards.getIfUnique();
        if (guard != null) {
            parts.put("store", new SoterStoreHealthIndicator(guard));
        }
        WeChatClient client = clients.getIfUnique();
        if (client != null) {
            parts.put("wechat", new SoterWeChatHealthIndicator(client));
        }
        return CompositeHealthContributor.fromMap(parts);
    }
}
