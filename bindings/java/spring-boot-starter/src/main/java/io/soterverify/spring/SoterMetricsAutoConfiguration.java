package io.soterverify.spring;

import io.soterverify.ReplayGuard;
import io.soterverify.WeChatClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With Micrometer on the class path (the starter does not bring it): {@link SoterMetrics}, which
 * Spring Boot binds to the application's meter registry. It sees the context's
 * {@link ReplayGuard} and {@link WeChatClient}, the starter's or the application's.
 */
@AutoConfiguration(after = SoterAutoConfiguration.class)
@ConditionalOnClass(name = {"io.soterverify.ReplayGuard", "io.micrometer.core.instrument.MeterRegistry"})
public class SoterMetricsAutoConfiguration {
    /** Created by Spring Boot. */
    public SoterMetricsAutoConfiguration() {}

    /**
     * The meters.
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
