/**
 * soter-verify for Java: verify WeChat SOTER biometric results (RSASSA-PSS signatures made in the
 * phone's TEE) and WeChat face verification results.
 *
 * <p>Start with {@link io.soterverify.Soter}: {@link io.soterverify.Soter#newChallenge()},
 * {@link io.soterverify.Soter#verifyAuthKey} and {@link io.soterverify.Soter#authenticate}. Keys are
 * {@link io.soterverify.PublicKey}. Every failure is an unchecked {@link io.soterverify.SoterException}
 * with one subclass per status of the C ABI.
 *
 * <p>{@link io.soterverify.WeChatClient} calls the WeChat server API (access tokens, SOTER
 * {@code verify_signature}, face verification). The WeChat emulator and the simulated device
 * for tests ({@code io.soterverify.testing}) are a separate artifact,
 * {@code io.soterverify:soter-verify-testing}, added with test scope: this jar carries no
 * emulator.
 *
 * <p>The native library {@code libsoter_verify.so} is bundled in the jar (the release jar: Linux
 * x86-64 and aarch64, each for glibc 2.17+ and musl, chosen at load time); set
 * {@code -Djna.library.path=DIR} to use another build.
 */
package io.soterverify;
