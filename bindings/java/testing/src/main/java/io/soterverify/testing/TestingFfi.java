// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.testing;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.soterverify.Internal;

/**
 * The test-support functions of {@code soter_verify.h}, direct-mapped (JNA {@code Native.register}).
 * Conventions: C {@code bool} as {@code byte}, {@code size_t} as {@code long}, handles and
 * returned strings as {@code long}, out-parameters as one-element arrays, structs as
 * {@link Pointer} (laid out by the {@code ffi} classes).
 */
final class TestingFfi {
    static {
        Native.register(TestingFfi.class, Internal.library());
    }

    private TestingFfi() {}

    /** Forces registration. */
    static void load() {}

    static final int TEST_CHAIN_NO_ATTESTATION = 1;

    static native int soter_emulator_start(byte[] appid, long appidLen, byte[] secret, long secretLen, Pointer opts, long[] out, long[] err);
    static native int soter_emulator_api_security(long emu, long[] out, long[] err);
    static native void soter_emulator_stop(long emu);
    static native void soter_emulator_free(long emu);
    static native long soter_emulator_base_url(long emu);
    static native int soter_emulator_register_device(long emu, byte[] openid, long openidLen, byte[] publicKey, long publicKeyLen, long[] err);
    static native int soter_emulator_register_person(long emu, byte[] openid, long openidLen, byte[] name, long nameLen, byte[] idNumber, long idNumberLen, long identifyRet, long verifyRet, long[] err);
    static native int soter_emulator_issue_verify_result(long emu, byte[] openid, long openidLen, long[] out, long[] err);
    static native void soter_emulator_set_reusable_tickets(long emu, byte reusable);
    static native int soter_emulator_inject_fault(long emu, int fault, long count, int delayMs, byte[] path, long pathLen, long[] err);
    static native void soter_emulator_clear_faults(long emu);
    static native int soter_emulator_counters(long emu, Pointer out, long[] err);
    static native long soter_emulator_requests_to(long emu, byte[] path, long pathLen);
    static native void soter_emulator_reset_counters(long emu);
    static native int soter_emulator_add_token(long emu, byte[] token, long tokenLen, int lifetimeS, long[] err);
    static native void soter_emulator_expire_tokens(long emu);
    static native int soter_emulator_register_attk(long emu, byte[] publicKey, long publicKeyLen, long[] err);
    static native int soter_emulator_register_model(long emu, byte[] modelKey, long modelKeyLen, int supportType, long[] err);
    static native int soter_test_key_pair_generate(int bits, long[] out, long[] err);
    static native void soter_test_key_pair_free(long pair);
    static native int soter_test_key_pair_public_key_pem(long pair, long[] out, long[] outLen, long[] err);
    static native int soter_device_new(int bits, long[] out, long[] err);
    static native void soter_device_free(long device);
    static native long soter_device_cpu_id(long device);
    static native long soter_device_uid(long device);
    static native int soter_device_public_key_pem(long device, long[] out, long[] outLen, long[] err);
    static native int soter_device_sign_result(long device, byte[] challenge, long challengeLen, int saltLen, long[] json, long[] jsonLen, long[] signature, long[] signatureLen, long[] err);
    static native int soter_device_signed_auth_key(long device, long ask, long[] json, long[] jsonLen, long[] signature, long[] signatureLen, long[] err);
    static native int soter_test_root_generate(long[] out, long[] err);
    static native void soter_test_root_free(long root);
    static native int soter_test_root_pem(long root, long[] out, long[] outLen, long[] err);
    static native int soter_device_classic_ask(long device, long ask, long attk, long[] json, long[] jsonLen, long[] signature, long[] signatureLen, long[] err);
    static native int soter_device_ask_chain(long device, long ask, long root, int flags, int rsaPssSaltlen, long[] out, long[] outLen, long[] err);
    static native int soter_device_signed_auth_key_with_salt(long device, long ask, int saltLen, long[] json, long[] jsonLen, long[] signature, long[] signatureLen, long[] err);
}
