package com.example.soter;

import io.soterverify.*;
import java.time.Duration;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.*;
import reactor.core.publisher.Mono;

@RestController
@RequestMapping("/reactive")
public class ReactiveLogin {
    private final WeChatClient wechat;      // from soter.wechat.*; one per app, thread-safe
    private final ReplayGuard guard;

    public ReactiveLogin(WeChatClient wechat, ReplayGuard guard) {
        this.wechat = wechat;
        this.guard = guard;
    }

    @PostMapping("/soter/challenge")
    public Mono<String> challenge(@SessionAttribute String openid) {   // from wx.login
        return Mono.fromFuture(() -> guard.issueChallengeAsync(openid, Duration.ofMinutes(5)));
    }

    @PostMapping("/soter/login")
    public Mono<ResponseEntity<String>> login(@RequestBody LoginRequest req, @SessionAttribute String openid) {
        // The ...Async call runs on soter-verify's own pool (Redis, WeChat's verify_signature):
        // this event-loop thread never waits. Its exceptions arrive as the Mono's errors.
        return Mono.fromFuture(() -> guard.authenticateViaWeChatAsync(wechat, openid, req.resultJSON(),
                        req.resultJSONSignature(), openid))
                .map(accepted -> ResponseEntity.ok("welcome"))
                .onErrorResume(VerificationFailedException.class,
                        e -> Mono.just(ResponseEntity.status(401).body("verification failed")))
                .onErrorResume(StoreUnavailableException.class,
                        e -> Mono.just(ResponseEntity.status(503).body("try again")));
    }
}
