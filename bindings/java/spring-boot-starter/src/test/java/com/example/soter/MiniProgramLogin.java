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

    @PostMapping("/face/start")
    public String startFace(@RequestBody FaceRequest req) {
        CertInfo cert = CertInfo.identityCard(req.name(), req.idNumber());
        return wechat.faceGetVerifyId(req.outSeqNo(), cert, req.openid()).verifyId();
    }

    @PostMapping("/face/result")
    public boolean faceResult(@RequestBody FaceResult req) {
        CertInfo cert = CertInfo.identityCard(req.name(), req.idNumber());   // the same document
        VerifyInfo v = wechat.faceQueryVerifyInfo(req.verifyId(), req.outSeqNo(), cert, req.openid());
        return v.passed();                   // only verify_ret 10000; v.outcome() names the rest
    }
}
