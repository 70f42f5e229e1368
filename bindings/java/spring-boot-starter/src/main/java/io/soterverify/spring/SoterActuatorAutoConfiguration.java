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
import org.springframework.context.annotation.Configuration;

/**
 * Actuator and Micrometer support, each only when the application has it on its class path (the
 * starter depends on neither): a health contributor {@code soter} ({@code store}: the guard's
 * {@link ReplayGuard#ping()}; {@code wechat}: the client's token state, no request per probe),
 * switched by {@code management.health.soter.enabled}; and {@link SoterMetrics}. Both see the
 * context's {@link ReplayGuard} and {@link WeChatClient} beans, the starter's or the application's.
 */
@AutoConfiguration(after = SoterAutoConfiguration.class)
@ConditionalOnClass(ReplayGuard.class)
public class SoterActuatorAutoConfiguration {
    /** Created by Spring Boot. */
    public SoterActuatorAutoConfiguration() {}

    /** The health contributor, with Actuator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthContributor")
    @ConditionalOnEnabledHealthIndicator("soter")
    public static class Health {
        /** Created by Spring Boot. */
        public Health() {}

        /**
         * {@code soter}: {@code store} and {@code wechat}, for the beans the context has.
         *
         * @param guards the guard, if any
         * @param clients the client, if any
         * @return the contributor (named after the bean: /actuator/health/soter)
         */
        @Bean
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

    /** The meters, with Micrometer. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    public static class Metrics {
        /** Created by Spring Boot. */
        public Metrics() {}

        /**
         * The meters, bound to the application's registries by Spring Boot.
         *
         * @param guards the guard, if any
         * @param clients the client, if any
         * @return the binder
         */
        @Bean
        @ConditionalOnMissingBean
        public SoterMetrics soterMetrics(ObjectProvider<ReplayGuard> guards, ObjectProvider<WeChatClient> clients) {
            return new SoterMetrics(guards.getIfUnique(), clients.getIfUnique());
        }
    }
}
