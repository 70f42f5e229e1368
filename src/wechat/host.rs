//! Host policy, shared by the client and the emulator: what counts as this machine's loopback,
//! and where plain http may go (the base URL, and through which proxy).

use crate::error::{Error, ErrorKind, Result};

/// Whether `host` (as in a URL authority, IPv6 in brackets) is a loopback address or localhost.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    h.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// Validate the base URL and return it without a trailing slash. Plain http only to loopback,
/// or when explicitly allowed, or to api.weixin.qq.com in cloud hosting's open API mode.
pub(crate) fn check_base_url(url: &str, allow_insecure: bool, open_api: bool) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let uri: ureq::http::Uri =
        url.parse().map_err(|_| Error::new(ErrorKind::Config, "the base URL is not a valid URL"))?;
    let host = uri.host().ok_or_else(|| Error::new(ErrorKind::Config, "the base URL has no host"))?;
    if uri.path() != "/" && !uri.path().is_empty() || uri.query().is_some() {
        return Err(Error::new(ErrorKind::Config, "the base URL must not have a path or query"));
    }
    if url.contains('@') {
        return Err(Error::new(ErrorKind::Config, "the base URL must not carry credentials"));
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") => {
            let ok = is_loopback_host(host) || allow_insecure || (open_api && host.eq_ignore_ascii_case("api.weixin.qq.com"));
            if !ok {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("plain http to {host} is refused (only loopback, unless allow_insecure_http is set)"),
                ));
            }
        }
        _ => return Err(Error::new(ErrorKind::Config, "the base URL must start with https:// (or http:// for loopback)")),
    }
    Ok(url.to_owned())
}

/// Plain http must not leave the machine: with an http:// base URL (loopback, or cloud hosting's
/// open API host), a proxy that is not on loopback would carry the request (the app secret, tokens,
/// personal data) in clear text over the network. Refused unless `allow_insecure_http`.
/// (An https:// base is tunnelled through any proxy with CONNECT: TLS end to end.)
pub(crate) fn check_proxy(base: &str, proxy_host: Option<&str>, allow_insecure: bool) -> Result<()> {
    let plain = base.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://"));
    match proxy_host {
        Some(host) if plain && !allow_insecure && !is_loopback_host(host) => Err(Error::new(
            ErrorKind::Config,
            "plain http through a proxy that is not on loopback is refused (the request would cross the network \
             in clear text); use https, a loopback proxy, or set allow_insecure_http",
        )),
        _ => Ok(()),
    }
}

/// Whether `host` (a Host header: name or IP, optional port, IPv6 in brackets) names this
/// machine's loopback. A DNS-rebound name never does.
pub(crate) fn is_loopback_host_header(host: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let name = match host.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((inner, tail)) if tail.is_empty() || tail.strip_prefix(':').is_some_and(digits) => inner,
            _ => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(h, port)| if digits(port) { h } else { host }),
    };
    // A stray bracket ("127.0.0.1]:80") is no host: the client-side check trims brackets, so it
    // must not see one here.
    !name.contains(['[', ']']) && is_loopback_host(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_policy() {
        assert!(check_base_url("https://api.weixin.qq.com", false, false).is_ok());
        assert!(check_base_url("http://127.0.0.1:8080/", false, false).is_ok());
        assert!(check_base_url("http://[::1]:8080", false, false).is_ok());
        assert!(check_base_url("http://localhost:1", false, false).is_ok());
        let e = check_base_url("http://wechat.invalid", false, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(check_base_url("http://wechat.invalid", true, false).is_ok());
        assert!(check_base_url("http://api.weixin.qq.com", false, true).is_ok());
        assert!(check_base_url("http://api.weixin.qq.com", false, false).is_err());
        assert!(check_base_url("http://other.invalid", false, true).is_err());
        assert!(check_base_url("ftp://127.0.0.1", false, false).is_err());
        assert!(check_base_url("https://h.invalid/path", false, false).is_err());
        assert!(check_base_url("https://u:p@h.invalid", false, false).is_err());
        assert!(check_base_url("http://127.0.0.2.invalid", false, false).is_err());
    }

    #[test]
    fn proxy_policy() {
        let remote = Some("proxy.example.invalid");
        assert_eq!(check_proxy("http://127.0.0.1:9", remote, false).unwrap_err().kind(), ErrorKind::Config);
        assert_eq!(check_proxy("HTTP://[::1]:9", remote, false).unwrap_err().kind(), ErrorKind::Config);
        assert_eq!(check_proxy("http://api.weixin.qq.com", remote, false).unwrap_err().kind(), ErrorKind::Config);
        assert!(check_proxy("http://127.0.0.1:9", remote, true).is_ok());
        assert!(check_proxy("http://127.0.0.1:9", Some("127.0.0.1"), false).is_ok());
        assert!(check_proxy("http://127.0.0.1:9", Some("localhost"), false).is_ok());
        assert!(check_proxy("http://127.0.0.1:9", None, false).is_ok());
        assert!(check_proxy("https://api.weixin.qq.com", remote, false).is_ok());
    }

    #[test]
    fn loopback_host_headers_are_exact() {
        for ok in ["127.0.0.1", "127.0.0.1:8080", "localhost:1", "[::1]", "[::1]:8080", "127.9.9.9"] {
            assert!(is_loopback_host_header(ok), "{ok}");
        }
        // Found by the emulator_request fuzz target: a stray bracket was trimmed away.
        for bad in ["127.0.0.1]:8080", "127.0.0.1]", "[127.0.0.1", "[::1]x", "[::1]:", "[::1]:8a", "::1", "example.invalid", ""] {
            assert!(!is_loopback_host_header(bad), "{bad}");
        }
    }

    #[test]
    fn loopback_host_headers() {
        for h in ["127.0.0.1:80", "127.0.0.1", "localhost:1", "LOCALHOST", "[::1]:9", "[::1]", "127.8.9.10:5"] {
            assert!(is_loopback_host_header(h), "{h}");
        }
        for h in ["evil.example.invalid:80", "evil.invalid", "10.0.0.1:80", "[::2]:1", "", "127.0.0.1.nip.invalid:1", "localhost.invalid"] {
            assert!(!is_loopback_host_header(h), "{h}");
        }
    }
}
