/**
 * JUnit 5 support for soter-verify: {@link io.soterverify.testing.junit5.SoterEmulatorExtension}
 * starts a WeChat emulator per test class and injects it, a client for it and test devices.
 */
package io.soterverify.testing.junit5;
