package com.example.soter;

import io.soterverify.*;
import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/soter")
public class SoterController {
    private final DeviceStore devices;      // your storage: each device's trusted ASK, each user's AuthKey
    private final WeChatClient wechat;      // checks classic ASKs (verify_ask); one per app, thread-safe
    private final ReplayGuard guard;        // challenges and counters (in Redis: shared by every instance)
    private final List<String> askRoots;    // roots (PEM) trusted besides the built-in Huawei CBG Root CA

    public SoterController(DeviceStore devices, WeChatClient wechat, ReplayGuard guard,
            @Value("${app.ask-roots:}") List<String> askRoots) {
        this.devices = devices;
        this.wechat = wechat;
        this.guard = guard;
        this.askRoots = askRoots;
    }

    /** Enrollment 1, once per device: its ASK, stored by device (cpu_id + uid) only once trusted. */
    @PostMapping("/ask")
    public ResponseEntity<String> enrollAsk(@RequestBody AskRequest req) {
        try (Ask ask = req.certsJson() != null
                ? Soter.verifyAskChain(req.certsJson(), askRoots, null)             // a chain: checked here
                : wechat.soterVerifyAsk(req.askJson(), req.askJsonSignature())) {   // classic: WeChat checks it
            devices.saveAsk(new StoredAsk(ask.publicKey().toPem(), ask.cpuId(), ask.uid(), ask.counter(),
                    ask.rsaPssSaltlen(), ask.format()));
            return ResponseEntity.ok("ASK enrolled");
        } catch (CertificateInvalidException | VerificationFailedException e) {
            // UntrustedRootException, CertificateInvalidException (chain); SignatureInvalidException (classic)
            return ResponseEntity.status(403).body("ASK refused: " + e.status());
        }
    }

    /** Enrollment 2: a user's AuthKey, checked with the stored ASK of its device. */
    @PostMapping("/auth-key")
    public ResponseEntity<String> enrollAuthKey(@RequestBody AuthKeyRequest req, @SessionAttribute String userId) {
        StoredAsk s = devices.findAsk(req.cpuId(), req.uid());
        if (s == null) {
            return ResponseEntity.status(403).body("AuthKey refused: no trusted ASK for this device");
        }
        try (PublicKey askKey = PublicKey.load(s.publicKeyPem());
                Ask ask = Ask.fromStored(askKey, s.cpuId(), s.uid(), s.counter(), s.rsaPssSaltlen(), s.format());
                // The ASK signed it (with its attested salt length), and it is for the ASK's device.
                AuthKey ak = Soter.verifyAuthKey(ask, req.authKeyJson(), req.authKeySignature())) {
            devices.saveAuthKey(userId, new StoredAuthKey(ak.publicKey().toPem(), ak.cpuId(), ak.uid()));
            return ResponseEntity.ok("AuthKey enrolled");
        } catch (VerificationFailedException e) {
            // SignatureInvalidException (another ASK signed it), DeviceMismatchException (another device's)
            return ResponseEntity.status(403).body("AuthKey refused: " + e.status());
        }
    }

    /** Step 1: a fresh challenge for wx.startSoterAuthentication: this user's, single use, 5 minutes. */
    @GetMapping("/challenge")
    public String challenge(@SessionAttribute String userId) {
        return guard.issueChallenge(userId, Duration.ofMinutes(5));
    }

    /** Step 2: verify resultJSON + resultJSONSignature exactly as the client received them. */
    @PostMapping("/login")
    public ResponseEntity<String> login(@RequestBody LoginRequest req, @SessionAttribute String userId) {
        StoredAuthKey k = devices.findAuthKey(userId);
        if (k == null) {
            return ResponseEntity.status(401).body("no enrolled device");
        }
        try (PublicKey key = PublicKey.load(k.authKeyPem())) {  // or cache one PublicKey per device
            // Signature, then atomically: the challenge is this user's and unused (now used up),
            // the device is the enrolled one, the counter rose (and is stored).
            guard.authenticate(key, req.resultJSON(), req.resultJSONSignature(), userId, k.cpuId(), k.uid());
            return ResponseEntity.ok("welcome");
        } catch (VerificationFailedException e) {
            // SignatureInvalidException, ChallengeMismatchException, DeviceMismatchException,
            // CounterReplayException: log e.status(), answer plainly
            return ResponseEntity.status(401).body("verification failed");
        } catch (StoreUnavailableException e) {
            return ResponseEntity.status(503).body("try again");   // Redis did not answer: nothing accepted
        }
    }
}
