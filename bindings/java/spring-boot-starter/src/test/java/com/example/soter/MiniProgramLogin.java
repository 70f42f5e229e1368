package com.example.soter;

import io.soterverify.*;
import java.time.Duration;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/mini-program")
public class MiniProgramLogin {
    private final WeChatClient wechat;      // from soter.wechat.*; one per app, thread-safe
    private final ReplayGuard guard;

    public MiniProgramLogin(WeChatClient wechat, ReplayGuard guard) {
        this.wechat = wechat;
        this.guard = guard;
    }

    @PostMapping("/soter/challenge")
    public String challenge(@SessionAttribute String openid) {   // from wx.login
        return guard.issueChallenge(openid, Duration.ofMinutes(5));
    }

    @PostMapping("/soter/login")
    public ResponseEntity<String> login(@RequestBody LoginRequest req, @SessionAttribute String openid) {
        try {
            // WeChat's verify_signature first (is_ok false: SignatureInvalidException, nothing used up),
            // then the guard's step: this user's unused challenge, a rising counter.
            guard.authenticateViaWeChat(wechat, openid, req.resultJSON(), req.resultJSONSignature(), openid);
            return ResponseEntity.ok("welcome");
        } catch (VerificationFailedException e) {
            return ResponseEntity.status(401).body("verification failed");
        } catch (StoreUnavailableException e) {
            return ResponseEntity.status(503).body("try again");
        }
    }

    // Face verification through the guard: each result used once and bound to this user (a
    // leaked verify_id or ticket passes nobody else, and nothing twice).
    @PostMapping("/face/start")
    public String startFace(@RequestBody FaceRequest req, @SessionAttribute String openid) {
        CertInfo cert = CertInfo.identityCard(req.name(), req.idNumber());
        return guard.faceStart(wechat, openid, cert).verifyId();      // recorded for this user, 1 h
    }

    @PostMapping("/face/result")
    public boolean faceResult(@RequestBody FaceResult req, @SessionAttribute String openid) {
        CertInfo cert = CertInfo.identityCard(req.name(), req.idNumber());   // the same document
        try {
            guard.faceFinish(wechat, req.verifyId(), openid, cert);  // verify_ret 10000, once
            return true;
        } catch (VerificationFailedException e) {  // not this user's, used, another document, not passed
            return false;
        }
    }

    @PostMapping("/face/legacy")
    public boolean faceLegacy(@RequestBody LegacyFace req, @SessionAttribute String openid) {
        try (FaceInfo info = guard.faceGetInfo(wechat, req.verifyResult(), openid)) {   // max age 10 min
            return info.passedFor(req.name(), req.idNumber());
        } catch (VerificationFailedException e) {  // used, another user's, not passed, too old
            return false;
        }
    }
}
