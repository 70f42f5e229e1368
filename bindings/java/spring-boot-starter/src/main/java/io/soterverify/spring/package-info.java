/**
 * Spring Boot auto-configuration of soter-verify: a {@link io.soterverify.WeChatClient}, a
 * {@link io.soterverify.ReplayGuard} and optionally one ASK key ({@link io.soterverify.PublicKey})
 * from the {@code soter.*} properties ({@link io.soterverify.spring.SoterProperties}). Add the artifact
 * {@code io.soterverify:soter-verify-spring-boot-starter} and inject the beans.
 */
package io.soterverify.spring;
