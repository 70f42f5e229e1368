//! `soter`: verify and inspect SOTER results from the command line.
//!
//! Exit codes: 0 success (valid), 1 verification failed, 2 unusable input or usage error.

use std::process::ExitCode;

use soter_verify::{AuthKeyJson, ChainOptions, ErrorKind, Expectations, PublicKey, ResultJson, SaltLen};

#[path = "soter/reserialize.rs"]
mod reserialize;

const USAGE: &str = "\
soter: verify WeChat SOTER results

Usage:
  soter verify --key FILE --json FILE --signature FILE [--salt-len N|auto] [--challenge TEXT] [--format text|json]
  soter verify --chain FILE --json FILE --signature FILE [--root FILE] [--at UNIX_SECONDS] [--format text|json]
  soter inspect --json FILE [--key FILE --signature FILE] [--auth-key FILE] [--salt-len N|auto] [--format text|json]
  soter inspect --chain FILE [--root FILE] [--at UNIX_SECONDS] [--format text|json]
  soter inspect --key-attestation FILE [--root FILE] [--at UNIX_SECONDS] [--format text|json]
  soter speed [--bits 2048|3072|4096] [--seconds N] [--threads N] [--backend aws-lc|pure-rust] [--format text|json]
  soter emulator --appid ID --secret SECRET [--listen ADDR (default 127.0.0.1:0)] [--token-lifetime SECONDS] [--open-api yes|no] [--reusable-tickets yes|no]
  soter help [COMMAND]

Run `soter COMMAND --help` for details. Exit status: 0 success (valid), 1 not valid, 2 unusable input
or usage error; with --format json, errors too are one JSON object on stdout:
{\"status\": \"...\", \"error\": \"...\", \"exit_code\": 2}.
";

const VERIFY_HELP: &str = "\
soter verify: check a SOTER signature over the exact bytes of a resultJSON (or any file)

Usage:
  soter verify --key FILE --json FILE --signature FILE [--salt-len N|auto] [--challenge TEXT] [--format text|json]

Options:
  --key FILE         the public key (PEM, base64 or DER; the AuthKey for results, the ASK for AuthKey exports)
  --json FILE        the signed JSON, byte for byte as received
  --signature FILE   the signature: base64 text, hex text (2 digits per byte) or raw bytes
  --salt-len N|auto  PSS salt length (default: rsa_pss_saltlen from the JSON, else 20)
  --challenge TEXT   also require the signed `raw` to equal this challenge
  --format text|json output format (default text)

Exit status: 0 valid, 1 not valid, 2 unusable input.

With --chain, the JSON is an AuthKey export and the key is the ASK a certificate chain attests:
  soter verify --chain FILE --json FILE --signature FILE [--root FILE] [--at UNIX_SECONDS] [--format text|json]
The chain (the certs JSON a Huawei phone sends, a PEM bundle or DER) must verify up to a trusted
root (the Huawei CBG Root CA is built in; --root FILE adds one, PEM or DER), valid at --at (Unix
seconds; default now). The AuthKey must be signed by the chain's ASK with the attested salt length,
for the attested device (cpu_id, uid). Exit status: 0 valid, 1 chain or AuthKey not valid, 2
unusable input.
";

const INSPECT_HELP: &str = "\
soter inspect: show the fields of a resultJSON or AuthKey export, and diagnose a failing signature

Usage:
  soter inspect --json FILE [--key FILE --signature FILE] [--auth-key FILE] [--salt-len N|auto] [--format text|json]

With --key and --signature, a signature that does not verify is diagnosed: which salt length
would verify, whether the file gained CRLF line endings, a byte order mark or a trailing newline
after signing, whether the key signed the same JSON written another way (re-serialized: compact,
spaced or pretty-printed, with or without \\/ and \\uXXXX escapes, members as given or in the order
SOTER devices write them; other member orders cannot be recovered), the key size, and (with
--auth-key, an AuthKey export JSON) whether the key and the device identity match that AuthKey.
An AuthKey export is checked with the ASK as --key (the key that signed it, not its pub_key).

Exit status: 0 parsed (and verified, when a key is given), 1 signature not valid, 2 unusable input.

  soter inspect --chain FILE [--root FILE] [--at UNIX_SECONDS] [--format text|json]

shows each certificate of an ASK certificate chain (subject, issuer, validity, key, whether the
next certificate's key verifies its signature), the root's fingerprints and whether it is trusted
(the Huawei CBG Root CA is built in; --root FILE adds one), the leaf's attestation JSON, and the
verdict at --at (Unix seconds; default now). Exit status: 0 a trusted ASK, 1 not valid or not
trusted, 2 unusable input.

  soter inspect --key-attestation FILE [--root FILE] [--at UNIX_SECONDS] [--format text|json]

checks an Android key attestation chain (any vendor's; a PEM bundle, leaf first) as
verify_key_attestation does: up to Google's hardware attestation roots (RSA and the 2025 ECDSA
P-384 root are built in; --root FILE adds one), valid at --at, the KeyDescription decoded strictly.
Shows the certificates as --chain does, the decoded attestation, whether it meets the default
policy (TEE or StrongBox, origin GENERATED, purpose SIGN; information only: the verdict applies
no policy), and the verdict. Exit status: 0 a trusted attestation, 1 not valid or not trusted,
2 unusable input.
";

const SPEED_HELP: &str = "\
soter speed: how many verifications, resultJSON parses and key loads per second, in the spirit of
`openssl speed` (a key loaded once, a typical resultJSON signed with PSS salt 20)

Usage:
  soter speed [--bits 2048|3072|4096] [--seconds N] [--threads N] [--backend aws-lc|pure-rust] [--format text|json]

Options:
  --bits N        key size (default 2048)
  --seconds N     seconds per measurement (default 3; decimals allowed)
  --threads N     also run the verifications on N threads at once (default 1)
  --backend NAME  verification backend (default: the build's default)
  --format json   one JSON object: bits, backend, verify_per_s, parse_per_s, key_load_per_s,
                  authenticate_per_s, threads, and with --threads N > 1 verify_per_s_threads and
                  thread_scaling
";

const EMULATOR_HELP: &str = "\
soter emulator: run a WeChat-compatible API server on loopback, for tests

Usage:
  soter emulator --appid ID --secret SECRET [--listen ADDR (default 127.0.0.1:0)] [--token-lifetime SECONDS] [--open-api yes|no] [--reusable-tickets yes|no]

Serves /cgi-bin/token, /cgi-bin/stable_token, /cgi-bin/soter/verify_signature and the face
endpoints (getinfo, getverifyid, queryverifyinfo), plus an admin API under /__admin/ to register
devices and people, inject faults and read counters. Runs until killed. Loopback addresses only;
PORT 0 picks a free port. The first line of output is the base URL.

Options:
  --listen ADDR           loopback address and port (default 127.0.0.1:0)
  --appid ID              the app id clients must present (required)
  --secret SECRET         the app secret clients must present (required)
  --token-lifetime N      seconds an issued token is valid (default 7200)
  --open-api yes|no       accept calls without a token, as cloud hosting's open API service (default no)
  --reusable-tickets yes|no
                          let a legacy face ticket be redeemed again and again (default no: a second
                          getinfo of one ticket is errcode 84001, as in production)

Admin API (JSON bodies): POST /__admin/devices {openid, public_key}; POST /__admin/people
{openid, name, id_number, identify_ret?, verify_ret?}; POST /__admin/verify_results {openid};
POST /__admin/faults {kind, count?, delay_ms?, path?} with kind system_busy, invalid_token,
expired_token, http_500, delay, malformed_body or drop_connection (count -1: until cleared);
POST /__admin/faults/clear; GET /__admin/counters; POST /__admin/counters/reset;
POST /__admin/tokens {access_token, expires_in}; POST /__admin/tokens/expire;
POST /__admin/attk {public_key} (a test ATTK for /cgi-bin/soter_3rdapp/verify_ask);
POST /__admin/models {model_key, support_type} (for /cgi-bin/soter_3rdapp/is_support);
POST /__admin/reusable_tickets {enabled} (as --reusable-tickets, at run time).
Admin requests must name a loopback Host, and POSTs must send Content-Type: application/json
(so a web page on this machine cannot drive them). Limits: 128 connections, 30 s idle, 10 s per
request, 10 000 tokens, sessions and registrations (devices, people, ATTK keys, models) each.
";

/// A usage or input problem: one sentence, exit status 2. `status` names its kind for
/// `--format json` ("usage", "io", or the library's error kind, e.g. "invalid_key").
struct Fail {
    status: &'static str,
    message: String,
}

impl Fail {
    fn usage(message: impl Into<String>) -> Fail {
        Fail { status: "usage", message: message.into() }
    }
}

impl From<soter_verify::Error> for Fail {
    fn from(e: soter_verify::Error) -> Self {
        Fail { status: kind_word(e.kind()), message: e.message().to_string() }
    }
}

/// A subcommand: its help text, every option it takes (each takes one value), and its body.
struct Command {
    help: &'static str,
    options: &'static [&'static str],
    body: fn(&Opts) -> Result<u8, Fail>,
}

const VERIFY: Command = Command {
    help: VERIFY_HELP,
    options: &["key", "json", "signature", "salt-len", "challenge", "format", "chain", "root", "at"],
    body: verify,
};
const INSPECT: Command = Command {
    help: INSPECT_HELP,
    options: &["json", "key", "signature", "auth-key", "salt-len", "format", "chain", "key-attestation", "root", "at"],
    body: inspect,
};
const SPEED: Command =
    Command { help: SPEED_HELP, options: &["bits", "seconds", "threads", "backend", "format"], body: speed };
const EMULATOR: Command =
    Command { help: EMULATOR_HELP, options: &["listen", "appid", "secret", "token-lifetime", "open-api", "reusable-tickets"], body: emulator };

fn command(name: &str) -> Option<&'static Command> {
    match name {
        "verify" => Some(&VERIFY),
        "inspect" => Some(&INSPECT),
        "speed" => Some(&SPEED),
        "emulator" => Some(&EMULATOR),
        _ => None,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("help") | Some("--help") | Some("-h") => match args.get(1).map(String::as_str) {
            None => {
                print!("{USAGE}");
                Ok(0)
            }
            Some(name) => match command(name) {
                Some(c) => {
                    print!("{}", c.help);
                    Ok(0)
                }
                None => Err(Fail::usage(format!("unknown command `{name}`; run `soter --help`"))),
            },
        },
        Some("--version") => {
            println!("soter {}", env!("CARGO_PKG_VERSION"));
            Ok(0)
        }
        Some(name) => match command(name) {
            Some(c) => run(&args[1..], c),
            None => Err(Fail::usage(format!("unknown command `{name}`; run `soter --help`"))),
        },
        None => {
            eprint!("{USAGE}");
            Ok(2)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Fail { status, message }) => {
            // Machines asked for JSON read stdout; people read stderr. Both get the error.
            if wants_json(args.get(1..).unwrap_or(&[])) {
                println!("{}", serde_json::json!({ "status": status, "error": message, "exit_code": 2 }));
            }
            eprintln!("soter: {message}");
            ExitCode::from(2)
        }
    }
}

/// Whether the arguments ask for `--format json`, read before (and whatever the outcome of)
/// parsing them, so that an unusable command line still answers in JSON.
fn wants_json(args: &[String]) -> bool {
    args.iter().enumerate().any(|(i, a)| a == "--format=json" || (a == "--format" && args.get(i + 1).is_some_and(|v| v == "json")))
}

fn run(args: &[String], c: &Command) -> Result<u8, Fail> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", c.help);
        return Ok(0);
    }
    (c.body)(&Opts::parse(args, c.options)?)
}

/// `--name value` (or `--name=value`) options; every option takes exactly one value. Parsed by
/// clap; the messages, help texts and exit statuses stay the CLI's own (a contract: scripts and
/// the bindings' tests read them), so clap's own help, version and error output are not used.
struct Opts(Vec<(String, String)>);

/// A bare `--` as clap is given it: clap would end the options there, while this CLI has always
/// read it as an option name (unknown) or as a value. No argument can hold a NUL.
const DASHES: &str = "--\0";

impl Opts {
    /// Parse `args` against the options a command takes: an unknown name is refused before its
    /// value is looked for, so `--frobnicate` last says "unknown option", not "needs a value".
    fn parse(args: &[String], known: &[&'static str]) -> Result<Opts, Fail> {
        use clap::{Arg, ArgAction};
        let options = known.iter().map(|n| Arg::new(*n).long(*n).num_args(1).allow_hyphen_values(true).action(ArgAction::Set));
        let cli = clap::Command::new("soter").no_binary_name(true).disable_help_flag(true).disable_version_flag(true).args(options);
        let args = args.iter().map(|a| if a == "--" { DASHES } else { a.as_str() });
        let m = cli.try_get_matches_from(args).map_err(clap_failure)?;
        let mut out: Vec<(usize, String, String)> = known
            .iter()
            .filter_map(|n| Some((m.index_of(n)?, n.to_string(), m.get_one::<String>(n)?.replace(DASHES, "--"))))
            .collect();
        // In command-line order: `only` names the first option that does not apply.
        out.sort();
        Ok(Opts(out.into_iter().map(|(_, n, v)| (n, v)).collect()))
    }

    /// Refuse options of the command's other form (`--key` with `--chain`, and so on).
    fn only(&self, allowed: &[&str], form: &str) -> Result<(), Fail> {
        match self.0.iter().find(|(n, _)| !allowed.contains(&n.as_str())) {
            Some((n, _)) => Err(Fail::usage(format!("--{n} does not apply {form}; run with --help"))),
            None => Ok(()),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn file(&self, name: &str) -> Result<Option<Vec<u8>>, Fail> {
        self.get(name)
            .map(|path| {
                std::fs::read(path).map_err(|e| Fail { status: "io", message: format!("cannot read --{name} file {path}: {e}") })
            })
            .transpose()
    }

    fn required_file(&self, name: &str, what: &str) -> Result<Vec<u8>, Fail> {
        self.file(name)?.ok_or_else(|| Fail::usage(format!("--{name}{what} is required; run with --help")))
    }

    fn salt(&self) -> Result<SaltLen, Fail> {
        self.get("salt-len").map_or(Ok(SaltLen::Default), |s| SaltLen::parse(s).map_err(Fail::from))
    }

    fn json_format(&self) -> Result<bool, Fail> {
        match self.get("format").unwrap_or("text") {
            "text" => Ok(false),
            "json" => Ok(true),
            other => Err(Fail::usage(format!("--format must be text or json, not `{other}`"))),
        }
    }
}

/// A command line clap refused, in this CLI's words.
fn clap_failure(e: clap::Error) -> Fail {
    use clap::error::{ContextKind, ContextValue, ErrorKind as Clap};
    let arg = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.replace(DASHES, "--"),
        _ => String::new(),
    };
    // "--key <key>" or "--frobnicate=1": the option's name.
    let name = arg.split([' ', '=']).next().unwrap_or("").trim_start_matches("--").to_owned();
    Fail::usage(match e.kind() {
        Clap::UnknownArgument if arg.starts_with("--") => format!("unknown option --{name}; run with --help"),
        Clap::UnknownArgument => format!("unexpected argument `{arg}`; run with --help"),
        Clap::ArgumentConflict => format!("--{name} is given twice"),
        Clap::InvalidValue | Clap::NoEquals | Clap::TooFewValues => format!("--{name} needs a value"),
        _ => format!("{}; run with --help", e.kind()),
    })
}

fn verify(o: &Opts) -> Result<u8, Fail> {
    if o.get("chain").is_some() {
        return verify_with_chain(o);
    }
    o.only(&["key", "json", "signature", "salt-len", "challenge", "format"], "without --chain")?;
    let as_json = o.json_format()?;
    let key = PublicKey::load(&o.required_file("key", "")?)?;
    let json = o.required_file("json", "")?;
    let sig = o.required_file("signature", "")?;
    let salt = o.salt()?;
    let outcome = match o.get("challenge") {
        Some(challenge) => {
            let expect = Expectations { salt_len: salt, ..Expectations::new(challenge) };
            soter_verify::authenticate(&key, &json, &sig, &expect).map(|_| ())
        }
        None => key.verify(&json, &sig, salt).map(|_| ()),
    };
    // The salt length that was used, for the report (recovered, so it also shows on failure).
    let salt_used = key.verify(&json, &sig, SaltLen::Auto).ok().map(|v| v.salt_len);
    let (code, verdict, reason) = match &outcome {
        Ok(()) => (0, "VALID", String::new()),
        Err(e) if e.kind().is_verification_failure() => (1, "INVALID", e.message().to_string()),
        Err(e) => return Err(e.clone().into()),
    };
    // A signature that does not verify: the first finding of `soter inspect`'s diagnosis.
    let hint = match outcome.as_ref().err().map(|e| e.kind()) {
        Some(ErrorKind::SignatureInvalid) => diagnose(&key, &json, &sig).into_iter().next().map(|d| d.2),
        _ => None,
    };
    if as_json {
        let v = serde_json::json!({
            "valid": code == 0,
            "status": kind_name(outcome.as_ref().err().map(|e| e.kind())),
            "reason": if reason.is_empty() { serde_json::Value::Null } else { reason.clone().into() },
            "diagnosis": hint,
            "key_bits": key.bits(),
            "salt_len": salt_used,
            "challenge_checked": o.get("challenge").is_some(),
        });
        println!("{v}");
    } else if code == 0 {
        let challenge = if o.get("challenge").is_some() { "; the challenge matches" } else { "" };
        println!("{verdict}: the signature verifies (RSA-{}, PSS salt {}){challenge}", key.bits(), salt_used.unwrap_or(0));
    } else {
        println!("{verdict}: {reason}");
        if let Some(h) = hint {
            println!("{h}");
        }
    }
    Ok(code)
}

fn kind_name(kind: Option<ErrorKind>) -> &'static str {
    kind.map_or("ok", kind_word)
}

/// The snake_case name of an error kind, as the C status names it (without the prefix).
fn kind_word(kind: ErrorKind) -> &'static str {
    kind.word()
}

fn inspect(o: &Opts) -> Result<u8, Fail> {
    if o.get("chain").is_some() {
        return inspect_chain(o);
    }
    if o.get("key-attestation").is_some() {
        return inspect_key_attestation(o);
    }
    o.only(&["json", "key", "signature", "auth-key", "salt-len", "format"], "without --chain or --key-attestation")?;
    let as_json = o.json_format()?;
    let json = o.required_file("json", "")?;
    // Everything that can make the input unusable is checked before anything is printed.
    let key = o.file("key")?.map(|k| PublicKey::load(&k)).transpose()?;
    let sig = o.file("signature")?;
    if sig.is_some() && key.is_none() {
        return Err(Fail::usage("--signature needs --key"));
    }
    let salt = o.salt()?;
    let auth_key = match o.file("auth-key")? {
        Some(bytes) => Some(
            AuthKeyJson::parse(&bytes).map_err(|e| Fail { message: format!("--auth-key: {}", e.message()), ..Fail::from(e) })?,
        ),
        None => None,
    };
    let result = ResultJson::parse(&json);
    let auth_key_json = AuthKeyJson::parse(&json);
    if let (Err(e), Err(_)) = (&result, &auth_key_json) {
        return Err(Fail { message: format!("not a resultJSON or AuthKey export: {}", e.message()), ..Fail::from(e.clone()) });
    }

    let mut report = serde_json::Map::new();
    let mut lines: Vec<String> = Vec::new();
    let mut add = |key: &str, value: serde_json::Value, line: String| {
        report.insert(key.to_string(), value);
        lines.push(line);
    };

    // What the bytes are.
    match (&result, &auth_key_json) {
        (Ok(r), _) => {
            // Document order for people; the JSON report is a map.
            let mut ordered: Vec<(String, serde_json::Value)> = [
                ("raw", &r.raw), ("fid", &r.fid), ("tee_n", &r.tee_n), ("tee_v", &r.tee_v),
                ("fp_n", &r.fp_n), ("fp_v", &r.fp_v), ("cpu_id", &r.cpu_id), ("uid", &r.uid),
            ]
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.clone().into()))
            .collect();
            ordered.insert(2, ("counter".into(), r.counter.into()));
            ordered.push(("rsa_pss_saltlen".into(), r.rsa_pss_saltlen.into()));
            let text = ordered
                .iter()
                .map(|(k, v)| format!("  {k}: {v}"))
                .chain(r.extra.iter().map(|(n, v)| format!("  {n}: {v}  (extra field)")))
                .collect::<Vec<_>>()
                .join("\n");
            let mut fields: serde_json::Map<_, _> = ordered.into_iter().collect();
            let extra: serde_json::Map<_, _> = r.extra.iter().map(|(n, v)| (n.clone(), v.clone().into())).collect();
            fields.insert("extra".into(), extra.into());
            add("type", "resultJSON".into(), "resultJSON:".into());
            add("fields", fields.into(), text);
        }
        (Err(_), Ok(a)) => {
            add("type", "AuthKey export".into(), "AuthKey export JSON:".into());
            add("cpu_id", a.cpu_id.clone().into(), format!("  cpu_id: {}", a.cpu_id));
            add("uid", a.uid.clone().into(), format!("  uid: {}", a.uid));
            add("counter", a.counter.into(), format!("  counter: {}", a.counter));
            match PublicKey::load(a.pub_key.as_bytes()) {
                Ok(k) => add("pub_key_bits", k.bits().into(), format!("  pub_key: RSA-{}", k.bits())),
                Err(e) => add("pub_key_error", e.message().into(), format!("  pub_key: unusable ({})", e.message())),
            }
        }
        (Err(_), Err(_)) => unreachable!("refused above"),
    }
    add("bytes", json.len().into(), format!("size: {} bytes", json.len()));
    let quirks = byte_quirks(&json);
    if !quirks.is_empty() {
        add("quirks", quirks.clone().into(), format!("note: the file {}", quirks.join(", ")));
    }

    let mut code = 0;
    if let Some(key) = &key {
        add("key_bits", key.bits().into(), format!("key: RSA-{}", key.bits()));
        if let (Ok(a), Err(_)) = (&auth_key_json, &result) {
            // An AuthKey export is signed by the ASK, so --key is normally not its pub_key: that
            // is the expected case and says nothing; the key being its own pub_key is the mistake.
            let own = PublicKey::load(a.pub_key.as_bytes()).map(|k| &k == key).unwrap_or(false);
            let line = if own {
                "note: the key is this AuthKey's own pub_key; an AuthKey export is signed by the ASK: pass the ASK with --key"
            } else {
                "  (not this export's pub_key, as expected: an AuthKey export is signed by the ASK)"
            };
            add("key_is_this_auth_key", own.into(), line.into());
        }
        if let Some(sig) = &sig {
            match key.verify(&json, sig, salt) {
                Ok(v) => add("signature", "valid".into(), format!("signature: VALID (PSS salt {})", v.salt_len)),
                Err(e) if e.kind() == ErrorKind::SignatureInvalid => {
                    code = 1;
                    add("signature", "invalid".into(), "signature: INVALID".into());
                    for (k, v, line) in diagnose(key, &json, sig) {
                        add(&k, v, line);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    if let (Some(a), Ok(r)) = (&auth_key, &result) {
        let device = a.cpu_id == r.cpu_id && a.uid == r.uid;
        add("device_matches_auth_key", device.into(), format!(
            "cpu_id/uid {} the AuthKey's", if device { "match" } else { "do NOT match" }
        ));
        if let Some(key) = &key {
            let same = PublicKey::load(a.pub_key.as_bytes()).map(|k| &k == key).unwrap_or(false);
            add("key_is_auth_key", same.into(), format!("the key {} the AuthKey's pub_key", if same { "is" } else { "is NOT" }));
        }
    }
    if as_json {
        println!("{}", serde_json::Value::Object(report));
    } else {
        println!("{}", lines.join("\n"));
    }
    Ok(code)
}

/// Byte-level changes that break signatures when files pass through editors, git or HTTP layers.
fn byte_quirks(json: &[u8]) -> Vec<String> {
    let mut q = Vec::new();
    if json.starts_with(b"\xEF\xBB\xBF") {
        q.push("starts with a UTF-8 byte order mark".to_string());
    }
    if json.windows(2).any(|w| w == b"\r\n") {
        q.push("contains CRLF line endings".to_string());
    }
    if json.last() == Some(&b'\n') {
        q.push("ends with a newline".to_string());
    }
    q
}

/// The message when the key signed the same JSON written another way.
const RESERIALIZED: &str = "the JSON bytes are not the ones that were signed (re-serialized?)";

/// Why a signature fails: another salt length, bytes changed after signing, or the JSON written
/// out again by a parser (see `reserialize`). Each finding: (JSON key, JSON value, text line).
fn diagnose(key: &PublicKey, json: &[u8], sig: &[u8]) -> Vec<(String, serde_json::Value, String)> {
    let mut out = Vec::new();
    if let Ok(v) = key.verify(json, sig, SaltLen::Auto) {
        out.push((
            "verifies_with_salt_len".into(),
            v.salt_len.into(),
            format!("diagnosis: the signature verifies with PSS salt length {}; pass --salt-len {}", v.salt_len, v.salt_len),
        ));
        return out;
    }
    let mut fixed: Vec<(&str, Vec<u8>)> = Vec::new();
    if let Some(s) = json.strip_prefix(b"\xEF\xBB\xBF") {
        fixed.push(("without the byte order mark", s.to_vec()));
    }
    if json.windows(2).any(|w| w == b"\r\n") {
        fixed.push(("with CRLF turned back into LF", replace(json, b"\r\n", b"\n")));
    }
    let trimmed = json.strip_suffix(b"\r\n").or_else(|| json.strip_suffix(b"\n"));
    if let Some(t) = trimmed {
        fixed.push(("without the trailing newline", t.to_vec()));
    }
    if let Some((what, v)) = fixed.iter().find_map(|(what, bytes)| key.verify(bytes, sig, SaltLen::Auto).ok().map(|v| (what, v))) {
        out.push((
            "verifies_after".into(),
            (*what).into(),
            format!("diagnosis: the signature verifies {what} (salt {}): the file was changed after signing", v.salt_len),
        ));
        return out;
    }
    let found = reserialize::variants(json)
        .into_iter()
        .find_map(|(what, bytes)| key.verify(&bytes, sig, SaltLen::Auto).ok().map(|v| (what, v)));
    if let Some((what, v)) = found {
        out.push((
            "reserialized".into(),
            what.clone().into(),
            format!("diagnosis: {RESERIALIZED}: the key signed this JSON written {what} (salt {}); verify the bytes exactly as the device sent them", v.salt_len),
        ));
        return out;
    }
    out.push((
        "diagnosis".into(),
        "no salt length, byte fix or usual re-serialization verifies: another key, or other bytes".into(),
        format!(
            "diagnosis: no salt length, byte fix or usual re-serialization ({}) verifies: the key (RSA-{}) did not sign these bytes, \
             or they changed in another way (such as another member order, which cannot be recovered)",
            reserialize::TRIED,
            key.bits()
        ),
    ));
    out
}

fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// Calls of `f` per second over about `seconds` (after a short warm-up).
fn rate(seconds: f64, mut f: impl FnMut()) -> f64 {
    use std::time::Instant;
    let warm = Instant::now();
    while warm.elapsed().as_secs_f64() < seconds.min(0.2) {
        f();
    }
    let start = Instant::now();
    let mut n: u64 = 0;
    loop {
        for _ in 0..64 {
            f();
        }
        n += 64;
        let t = start.elapsed().as_secs_f64();
        if t >= seconds {
            return n as f64 / t;
        }
    }
}

fn speed(o: &Opts) -> Result<u8, Fail> {
    use soter_verify::testing::Device;
    use soter_verify::Backend;
    let as_json = o.json_format()?;
    let bits: usize = o.get("bits").unwrap_or("2048").parse().map_err(|_| Fail::usage("--bits must be 2048, 3072 or 4096"))?;
    if ![2048, 3072, 4096].contains(&bits) {
        return Err(Fail::usage("--bits must be 2048, 3072 or 4096"));
    }
    let seconds: f64 = o.get("seconds").unwrap_or("3").parse().ok().filter(|s: &f64| *s > 0.0 && *s <= 600.0)
        .ok_or_else(|| Fail::usage("--seconds must be a number of seconds between 0 and 600"))?;
    let threads: usize = o.get("threads").unwrap_or("1").parse().ok().filter(|t| (1..=256).contains(t))
        .ok_or_else(|| Fail::usage("--threads must be between 1 and 256"))?;
    let backend = match o.get("backend") {
        None => Backend::default(),
        Some(name) => Backend::by_name(name)
            .ok_or_else(|| Fail::usage(format!("backend `{name}` is not in this build")))?,
    };
    let device = Device::with_key(soter_verify::testing::KeyPair::generate(bits)?)?;
    let (json, sig) = device.sign_result("I'm a demo challenge string", 20)?;
    let pem = device.public_key_pem();
    let key = PublicKey::load(pem.as_bytes())?;
    let sig = soter_verify::base64::decode(sig.as_bytes()).map_err(|_| Fail::usage("internal: bad signature"))?;
    key.verify_with(backend, &json, &sig, SaltLen::Default)?;

    let verify_once = |key: &PublicKey| {
        let ok = key.verify_with(backend, &json, &sig, SaltLen::Default).is_ok();
        assert!(ok, "a valid signature failed to verify during the benchmark");
    };
    let verify_per_s = rate(seconds, || verify_once(&key));
    let parse_per_s = rate(seconds, || {
        std::hint::black_box(ResultJson::parse(std::hint::black_box(&json)).ok());
    });
    let key_load_per_s = rate(seconds, || {
        std::hint::black_box(PublicKey::load(std::hint::black_box(pem.as_bytes())).ok());
    });
    // The whole check a server makes per login (parse, verify, challenge), allocations included:
    // the figure that compares libc and allocator across builds (musl vs glibc).
    let expect = Expectations::new("I'm a demo challenge string");
    let authenticate_per_s = rate(seconds, || {
        let ok = soter_verify::authenticate(&key, std::hint::black_box(&json), &sig, &expect).is_ok();
        assert!(ok, "a valid result failed to authenticate during the benchmark");
    });
    let threaded = (threads > 1).then(|| {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|_| s.spawn(|| rate(seconds, || verify_once(&key)))).collect();
            handles.into_iter().map(|h| h.join().expect("benchmark thread")).sum::<f64>()
        })
    });
    if as_json {
        let mut v = serde_json::json!({
            "bits": bits,
            "backend": backend.name(),
            "verify_per_s": verify_per_s.round(),
            "verify_us": 1e6 / verify_per_s,
            "parse_per_s": parse_per_s.round(),
            "key_load_per_s": key_load_per_s.round(),
            "authenticate_per_s": authenticate_per_s.round(),
            "threads": threads,
        });
        if let Some(t) = threaded {
            v["verify_per_s_threads"] = t.round().into();
            v["thread_scaling"] = (t / verify_per_s).into();
        }
        println!("{v}");
    } else {
        println!("soter speed: RSA-{bits} PSS-SHA256 salt 20, backend {}, {seconds} s per figure", backend.name());
        println!("  verify      {:>12.0}/s  {:>8.2} us", verify_per_s, 1e6 / verify_per_s);
        println!("  parse       {:>12.0}/s  {:>8.2} us", parse_per_s, 1e6 / parse_per_s);
        println!("  key load    {:>12.0}/s  {:>8.2} us", key_load_per_s, 1e6 / key_load_per_s);
        println!("  authenticate{:>12.0}/s  {:>8.2} us", authenticate_per_s, 1e6 / authenticate_per_s);
        if let Some(t) = threaded {
            println!("  verify x{threads}   {:>12.0}/s  ({:.2}x one thread)", t, t / verify_per_s);
        }
    }
    Ok(0)
}

fn emulator(o: &Opts) -> Result<u8, Fail> {
    use soter_verify::emulator::{Emulator, EmulatorConfig};
    use std::io::Write;
    let appid = o.get("appid").ok_or_else(|| Fail::usage("--appid is required; run with --help"))?;
    let secret = o.get("secret").ok_or_else(|| Fail::usage("--secret is required; run with --help"))?;
    let mut cfg = EmulatorConfig::new(appid, secret);
    if let Some(l) = o.get("listen") {
        cfg.listen = l.parse().map_err(|_| Fail::usage(format!("--listen must be IP:PORT, not `{l}`")))?;
    }
    if let Some(t) = o.get("token-lifetime") {
        let secs: u64 = t.parse().map_err(|_| Fail::usage("--token-lifetime must be a number of seconds"))?;
        cfg.token_lifetime = std::time::Duration::from_secs(secs);
    }
    cfg.open_api = match o.get("open-api").unwrap_or("no") {
        "yes" | "true" | "1" => true,
        "no" | "false" | "0" => false,
        other => return Err(Fail::usage(format!("--open-api must be yes or no, not `{other}`"))),
    };
    cfg.reusable_tickets = match o.get("reusable-tickets").unwrap_or("no") {
        "yes" | "true" | "1" => true,
        "no" | "false" | "0" => false,
        other => return Err(Fail::usage(format!("--reusable-tickets must be yes or no, not `{other}`"))),
    };
    let emu = Emulator::start(cfg)?;
    println!("{}", emu.base_url());
    eprintln!("soter emulator: serving appid {appid} on {} (admin API under /__admin/); stop with Ctrl-C", emu.base_url());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

/// Trusted roots (built in, plus --root) and the time (--at) for chain checks.
fn chain_options(o: &Opts) -> Result<ChainOptions, Fail> {
    chain_options_of(o.file("root")?.as_deref(), at_option(o)?)
}

fn chain_options_of(root: Option<&[u8]>, at: Option<u64>) -> Result<ChainOptions, Fail> {
    let mut options = ChainOptions::new();
    if let Some(root) = root {
        options.add_root(root).map_err(|e| Fail { message: format!("--root: {}", e.message()), ..Fail::from(e) })?;
    }
    options.set_at(at);
    Ok(options)
}

/// --at, in Unix seconds, when given.
fn at_option(o: &Opts) -> Result<Option<u64>, Fail> {
    o.get("at")
        .map(|at| at.parse().map_err(|_| Fail::usage(format!("--at must be a Unix time in seconds, not `{at}`"))))
        .transpose()
}

fn chain_failure(e: &soter_verify::Error) -> bool {
    matches!(e.kind(), ErrorKind::CertificateInvalid | ErrorKind::UntrustedRoot | ErrorKind::CertificateRevoked)
}

fn inspect_chain(o: &Opts) -> Result<u8, Fail> {
    o.only(&["chain", "root", "at", "format"], "with --chain")?;
    let as_json = o.json_format()?;
    let chain = o.file("chain")?.expect("checked by the caller");
    let options = chain_options(o)?;
    let r = soter_verify::attestation::inspect_ask_chain(&chain, &options)?;
    let code = match &r.verdict {
        Ok(_) => 0,
        Err(e) if chain_failure(e) => 1,
        Err(e) => return Err(e.clone().into()),
    };
    if as_json {
        let verdict = match &r.verdict {
            Ok(a) => serde_json::json!({
                "trusted": true, "cpu_id": a.cpu_id, "uid": a.uid, "counter": a.counter,
                "rsa_pss_saltlen": a.rsa_pss_saltlen, "ask_pem": a.public_key.to_pem(),
            }),
            Err(e) => serde_json::json!({ "trusted": false, "status": kind_word(e.kind()), "reason": e.message() }),
        };
        let mut v = chain_json(&r, r.root_trusted);
        v["attestation"] = serde_json::json!(r.attestation_json);
        v["verdict"] = verdict;
        println!("{v}");
        return Ok(code);
    }
    let builtin = r.root_spki_sha256 == soter_verify::attestation::HUAWEI_CBG_ROOT_SPKI_SHA256;
    print_chain(&r, match (r.root_trusted, builtin) {
        (true, true) => "yes, the built-in Huawei CBG Root CA",
        (true, false) => "yes, given with --root",
        // An engineer holding an Android key attestation chain should not be sent to --root.
        (false, _) if is_google_root(&r.root_spki_sha256) => {
            "NO for an ASK; it is Google's hardware attestation root: see --key-attestation"
        }
        (false, _) => "NO",
    });
    match &r.attestation_json {
        Some(a) => println!("attestation: {a}"),
        None => println!("attestation: none (the leaf has no key-attestation extension)"),
    }
    print_key_description(&r);
    match &r.verdict {
        Ok(a) => println!(
            "TRUSTED ASK: RSA-{}, cpu_id {}, uid {}, counter {}, rsa_pss_saltlen {}",
            a.public_key.bits(),
            a.cpu_id,
            a.uid,
            a.counter,
            a.rsa_pss_saltlen.map_or("absent (20)".to_string(), |s| s.to_string())
        ),
        Err(e) => println!("NOT TRUSTED ({}): {}", kind_word(e.kind()), e.message()),
    }
    Ok(code)
}

fn is_google_root(spki_sha256: &str) -> bool {
    use soter_verify::attestation::{GOOGLE_ROOT_EC_2025_SPKI_SHA256, GOOGLE_ROOT_RSA_SPKI_SHA256};
    spki_sha256 == GOOGLE_ROOT_RSA_SPKI_SHA256 || spki_sha256 == GOOGLE_ROOT_EC_2025_SPKI_SHA256
}

/// An Android key attestation chain as `verify_key_attestation` checks it; the certificates and
/// the KeyDescription shown as for `--chain` (the same report, which reads any chain).
fn inspect_key_attestation(o: &Opts) -> Result<u8, Fail> {
    o.only(&["key-attestation", "root", "at", "format"], "with --key-attestation")?;
    let as_json = o.json_format()?;
    let chain = o.file("key-attestation")?.expect("checked by the caller");
    let (root, at) = (o.file("root")?, at_option(o)?);
    let options = chain_options_of(root.as_deref(), at)?;
    let roots: Vec<&[u8]> = root.as_deref().into_iter().collect();
    let verdict = soter_verify::attestation::verify_key_attestation(&[&chain], &roots, at, None);
    let code = match &verdict {
        Ok(_) => 0,
        Err(e) if chain_failure(e) => 1,
        Err(e) => return Err(e.clone().into()),
    };
    // The listing: what the chain holds even when it is refused.
    let r = soter_verify::attestation::inspect_ask_chain(&chain, &options)?;
    let google = is_google_root(&r.root_spki_sha256);
    let given = root.is_some() && r.root_trusted;
    if as_json {
        let mut v = chain_json(&r, google || given);
        v["verdict"] = match &verdict {
            Ok(ka) => {
                let attestation: serde_json::Value = serde_json::from_str(&ka.to_json()).expect("to_json writes JSON");
                serde_json::json!({ "trusted": true, "key_attestation": attestation })
            }
            Err(e) => serde_json::json!({ "trusted": false, "status": kind_word(e.kind()), "reason": e.message() }),
        };
        println!("{v}");
        return Ok(code);
    }
    print_chain(&r, match (google, given) {
        (true, _) => "yes, Google's hardware attestation root, built in",
        (false, true) => "yes, given with --root",
        (false, false) => "NO",
    });
    print_key_description(&r);
    match &verdict {
        Ok(ka) => println!(
            "TRUSTED KEY ATTESTATION: {} key, attestation at {}, KeyMint at {}, challenge {}",
            ka.public_key_algorithm,
            ka.attestation_security_level.name(),
            ka.keymint_security_level.name(),
            shown_bytes(&ka.attestation_challenge)
        ),
        Err(e) => println!("NOT TRUSTED ({}): {}", kind_word(e.kind()), e.message()),
    }
    Ok(code)
}

/// Bytes as quoted text when they are printable UTF-8 (a SOTER attestation challenge is JSON),
/// else as hex.
fn shown_bytes(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(t) if !t.chars().any(char::is_control) => format!("{t:?}"),
        _ => format!("0x{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
    }
}

/// The certificates, the root's fingerprints and what `trusted` says of the root.
fn print_chain(r: &soter_verify::attestation::ChainReport, trusted: &str) {
    let n = r.certs.len();
    println!("certificate chain: {n} certificate{}", if n == 1 { "" } else { "s" });
    for (i, c) in r.certs.iter().enumerate() {
        let by = if i + 1 < n { format!("#{}", i + 1) } else { "itself".into() };
        let verdict = match &c.signature_problem {
            None => "yes".to_string(),
            Some(p) => format!("NO ({p})"),
        };
        println!("#{i} {}", c.subject);
        println!("   issuer:    {}", c.issuer);
        println!("   valid:     {} to {}", c.not_before, c.not_after);
        println!("   key:       {}", c.key);
        println!("   signature: {}, signed by {by}: {verdict}", c.signature_algorithm);
    }
    println!("root SPKI SHA-256: {} (trusted: {trusted})", r.root_spki_sha256);
    println!("root certificate SHA-256: {}", r.root_cert_sha256);
}

/// The leaf's KeyDescription and the default policy's verdict on it, when it has one.
fn print_key_description(r: &soter_verify::attestation::ChainReport) {
    match &r.key_description {
        Some(Ok(kd)) => {
            println!(
                "key description: attestation v{} at {}, KeyMint v{} at {}",
                kd.attestation_version,
                kd.attestation_security_level.name(),
                kd.keymint_version,
                kd.keymint_security_level.name()
            );
            let v = soter_verify::attestation::key_description_json(kd);
            println!("   hardware-enforced: {}", v["hardware_enforced"]);
            println!("   software-enforced: {}", v["software_enforced"]);
        }
        Some(Err(why)) => println!("key description: MALFORMED at {why}"),
        None => {}
    }
    match &r.policy_verdict {
        Some(Ok(())) => println!("policy: meets the default policy (TEE or StrongBox, origin GENERATED, purpose SIGN)"),
        Some(Err(e)) => println!("policy: REFUSED: {}", e.message()),
        None => {}
    }
}

/// The JSON both chain views share: certificates, root, KeyDescription, default policy.
fn chain_json(r: &soter_verify::attestation::ChainReport, root_trusted: bool) -> serde_json::Value {
    let n = r.certs.len();
    let certs: Vec<serde_json::Value> = r
        .certs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            serde_json::json!({
                "index": i, "subject": c.subject, "issuer": c.issuer, "not_before": c.not_before,
                "not_after": c.not_after, "key": c.key, "signature_algorithm": c.signature_algorithm,
                "signed_by": if i + 1 < n { serde_json::json!(i + 1) } else { "self".into() },
                "signature_verifies": c.signed_by_next, "signature_problem": c.signature_problem,
            })
        })
        .collect();
    serde_json::json!({
        "certificates": certs,
        "root_spki_sha256": r.root_spki_sha256,
        "root_cert_sha256": r.root_cert_sha256,
        "root_trusted": root_trusted,
        "key_description": match &r.key_description {
            Some(Ok(kd)) => soter_verify::attestation::key_description_json(kd),
            Some(Err(why)) => serde_json::json!({ "malformed": why }),
            None => serde_json::Value::Null,
        },
        "policy": match &r.policy_verdict {
            Some(Ok(())) => serde_json::json!({ "meets": true }),
            Some(Err(e)) => serde_json::json!({ "meets": false, "reason": e.message() }),
            None => serde_json::Value::Null,
        },
    })
}

fn verify_with_chain(o: &Opts) -> Result<u8, Fail> {
    o.only(&["chain", "json", "signature", "root", "at", "format"], "with --chain")?;
    let as_json = o.json_format()?;
    let chain = o.file("chain")?.expect("checked by the caller");
    let json = o.required_file("json", " (the AuthKey export)")?;
    let sig = o.required_file("signature", "")?;
    let options = chain_options(o)?;
    let outcome = soter_verify::verify_ask_chain(&chain, &options).and_then(|ask| {
        let ak = soter_verify::verify_auth_key(&ask, &json, &sig)?;
        Ok((ask, ak))
    });
    let code = match &outcome {
        Ok(_) => 0,
        Err(e) if chain_failure(e) || e.kind().is_verification_failure() => {
            // A chain that cannot even be read is unusable input (2), as for `inspect --chain`;
            // one that reads but does not hold is not valid (1).
            soter_verify::attestation::inspect_ask_chain(&chain, &options)?;
            1
        }
        Err(e) => return Err(e.clone().into()),
    };
    match (&outcome, as_json) {
        (Ok((ask, ak)), true) => println!(
            "{}",
            serde_json::json!({
                "valid": true, "cpu_id": ak.cpu_id, "uid": ak.uid, "counter": ak.counter,
                "auth_key_bits": ak.public_key.bits(), "auth_key_pem": ak.public_key.to_pem(),
                "ask_rsa_pss_saltlen": ask.rsa_pss_saltlen,
            })
        ),
        (Ok((ask, ak)), false) => println!(
            "VALID: the AuthKey (RSA-{}) is signed by the chain's ASK for the attested device (cpu_id {}, uid {}; salt {})",
            ak.public_key.bits(),
            ak.cpu_id,
            ak.uid,
            ask.rsa_pss_saltlen.unwrap_or(20)
        ),
        (Err(e), true) => println!(
            "{}",
            serde_json::json!({ "valid": false, "status": kind_word(e.kind()), "reason": e.message() })
        ),
        (Err(e), false) => println!("INVALID ({}): {}", kind_word(e.kind()), e.message()),
    }
    Ok(code)
}
