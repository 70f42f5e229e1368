/**
 * Test helpers: {@link io.soterverify.testing.WeChatEmulator}, a WeChat-compatible API server on
 * loopback, and {@link io.soterverify.testing.Device}, a simulated SOTER device (TEE) that signs
 * results and exports its AuthKey signed by a {@link io.soterverify.testing.TestKeyPair} ASK. With
 * them your backend's SOTER and face verification flows run end to end in unit tests, without
 * WeChat or a phone.
 */
package io.soterverify.testing;
