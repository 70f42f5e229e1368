package com.example.soter;

import io.soterverify.*;
import java.time.Duration;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/soter")
public class SoterController {
    private final PublicKey ask;            // the app's ASK, from soter.ask-pem; thread-safe
    private final DeviceStore devices;      // your enrolment records: AuthKey PEM, cpu_id, uid
    private final ReplayGuard guard;        // challenges and counters, from soter.replay.*

    public SoterController(PublicKey ask, DeviceStore devices, ReplayGuard guard) {
        this.ask = ask;
        this.devices = devices;
        this.guard = guard;
    }

    /** Step 0: store the device's AuthKey after checking the ASK signed it. */
    @PostMapping("/register")
    public void register(@RequestBody RegisterRequest req, @SessionAttribute String userId) throws SoterException {
        try (AuthKey ak = Soter.verifyAuthKey(ask, req.authKeyJson(), req.authKeySignature())) {
            devices.save(userId, ak.publicKey().toPem(), ak.cpuId(), ak.uid());
        }
    }

    /** Step 1: a fresh challenge for wx.startSoterAuthentication: this user's, single use, 5 minutes. */
    @GetMapping("/challenge")
    public String challenge(@SessionAttribute String userId) throws SoterException {
        return guard.issueChallenge(userId, Duration.ofMinutes(5));
    }

    /** Step 2: verify resultJSON + resultJSONSignature exactly as the client received them. */
    @PostMapping("/login")
    public ResponseEntity<String> login(@RequestBody LoginRequest req, @SessionAttribute String userId)
            throws SoterException {
        Device d = devices.find(userId);
        try (PublicKey key = PublicKey.load(d.authKeyPem())) {  // or cache one PublicKey per device
            // Signature, then atomically: the challenge is this user's and unused (now used up),
            // the device is the enrolled one, the counter rose (and is stored).
            guard.authenticate(key, req.resultJSON(), req.resultJSONSignature(), userId, d.cpuId(), d.uid());
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
