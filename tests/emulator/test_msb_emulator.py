#!/usr/bin/env python3
"""Self-tests of tests/emulator/msb_emulator.py, the TEST EMULATOR of microsandbox 0.2.x.

Every test starts the emulator as a subprocess on port 0 and talks to it over real HTTP
(urllib, with proxies disabled; http.client/raw sockets where a test needs exact bytes on
the wire or a broken connection). The expected bytes come from
/work/shared/docs/microsandbox-0.2-protocol.md (section numbers in the test names/comments).
A few unit tests import the module for its serde_json/JWT emulation.

The emulator runs snippets UNSANDBOXED; these tests only send harmless snippets.
"""
import atexit
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "msb_emulator.py")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
import msb_emulator as M  # noqa: E402

PY = sys.executable
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # never a proxy (section 7)
ENVELOPE_500 = b'{"error":"Internal server error","code":5002}'
ENVELOPE_1001 = b'{"error":"Invalid credentials","code":1001}'
ENVELOPE_1004 = b'{"error":"Invalid or expired token","code":1004}'
ENVELOPE_3001 = b'{"error":"Access denied","code":3001}'
DOC_KEY = "0123456789abcdefABCDEF0123456789"
DOC_TOKEN = ("msb_eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3NjcyMjU2MDAsImlhdCI6MTc2NzEzOTIwMCwibmFtZXNwYWNlIjoiKiJ9"
             ".2I3Nnj9kRq2GhOTssZlu0tTwAK8ETLIhgycImTzXo6w")


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def envelope(msg, code=2001):
    return json.dumps({"error": msg, "code": code}, separators=(",", ":"), ensure_ascii=False).encode()


_LIVE = []          # every emulator started; whatever a failed test left running dies at exit


@atexit.register
def _kill_leftovers():
    for emu in list(_LIVE):
        emu.close()


class Emu:
    """An emulator subprocess. Default: dev mode, 100x faster protocol timers, REPL/command
    timeouts 10x faster (a `timeout` of 1 s lasts 0.1 s)."""

    def __init__(self, *extra, dev=True, scale="0.01", exec_scale="0.1", home=None, env=None):
        # home=None: a fresh temporary --home (removed by close); home=False: no --home at all
        # (the emulator makes and removes its own); else that directory.
        self.own_home = home is None
        self.home = tempfile.mkdtemp(prefix="msb-emu-test-") if home is None else home
        args = [PY, EMULATOR, "--port", "0", "--time-scale", scale, "--exec-time-scale", exec_scale]
        if self.home:
            args += ["--home", self.home]
        if dev:
            args.append("--dev")
        args += list(extra)
        self.errlog = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.errlog, env=env)
        _LIVE.append(self)
        r, _, _ = select.select([self.proc.stdout], [], [], 15)
        if not r:
            self.proc.kill()
            raise AssertionError("emulator did not print its LISTENING line")
        self.first_line = self.proc.stdout.readline().decode()
        m = re.fullmatch(r"MSB-EMULATOR LISTENING (\d+)\n", self.first_line)
        if not m:
            self.proc.kill()
            raise AssertionError("unexpected first line %r; stderr: %s" % (self.first_line, self.stderr_text()))
        self.port = int(m.group(1))
        self.base = "http://127.0.0.1:%d" % self.port

    def stderr_text(self):
        self.errlog.seek(0)
        return self.errlog.read().decode("utf-8", "replace")

    # ---- HTTP ---------------------------------------------------------------------------
    def http(self, method, path, body=None, headers=None, timeout=30):
        """-> (status, lower-case headers dict, body bytes); never raises for 4xx/5xx."""
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with OPENER.open(req, timeout=timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def raw(self, method, path, body=None, headers=None, timeout=30):
        """http.client: full control over headers (no default Content-Type)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                c.putheader(k, v)
            if body is not None:
                c.putheader("Content-Length", str(len(body)))
            c.endheaders(body)
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def post(self, body, token=None, headers=None, timeout=60):
        h = {"Content-Type": "application/json"}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        h.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        return self.http("POST", "/api/v1/rpc", body, h, timeout)

    def rpc(self, method, params, rid=1, token=None, timeout=60):
        """-> (status, decoded JSON body, raw body)."""
        body = {"jsonrpc": "2.0", "method": method, "params": params}
        if rid is not None:
            body["id"] = rid
        status, _, raw = self.post(body, token, timeout=timeout)
        return status, json.loads(raw) if raw else None, raw

    def start(self, name, ns="default", image="microsandbox/python", token=None, **config):
        cfg = dict(config)
        if image is not None:
            cfg["image"] = image
        params = {"namespace": ns, "sandbox": name}
        if cfg:
            params["config"] = cfg
        return self.rpc("sandbox.start", params, token=token)

    def repl(self, name, code, ns="default", timeout=20, language="python", token=None):
        params = {"namespace": ns, "sandbox": name, "language": language, "code": code}
        if timeout is not None:
            params["timeout"] = timeout
        return self.rpc("sandbox.repl.run", params, token=token)

    def lines(self, name, code, **kw):
        status, body, raw = self.repl(name, code, **kw)
        assert status == 200, (status, raw)
        return [(o["stream"], o["text"]) for o in body["result"]["output"]]

    def command(self, name, command, args=None, ns="default", timeout=None):
        params = {"namespace": ns, "sandbox": name, "command": command}
        if args is not None:
            params["args"] = args
        if timeout is not None:
            params["timeout"] = timeout
        return self.rpc("sandbox.command.run", params)

    def control(self, method, path, obj=None):
        body = json.dumps(obj).encode() if obj is not None else None
        status, _, raw = self.http(method, "/__emulator/" + path, body, {"Content-Type": "application/json"})
        return status, json.loads(raw)

    def fault(self, **spec):
        status, body = self.control("POST", "fault", spec)
        assert status == 200, body
        return body["ids"][0]

    def state(self):
        return self.control("GET", "state")[1]

    def sandbox_state(self, name, ns="default"):
        for s in self.state()["sandboxes"]:
            if s["name"] == name and s["namespace"] == ns:
                return s
        return None

    def wait_portal(self, name, ns="default", limit=5.0):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            s = self.sandbox_state(name, ns)
            if s and s["portal_ready"]:
                return
            time.sleep(0.01)
        raise AssertionError("portal of %s/%s never became ready" % (ns, name))

    def wait_stopped(self, name, ns="default", limit=5.0):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            s = self.sandbox_state(name, ns)
            if s and s["state"] == "STOPPED":
                return
            time.sleep(0.01)
        raise AssertionError("%s/%s did not stop" % (ns, name))

    def last_internal_error(self):
        errs = self.state()["internal_errors"]
        return errs[-1]["detail"] if errs else None

    def close(self):
        if self in _LIVE:
            _LIVE.remove(self)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.proc.stdout.closed:
            self.proc.stdout.close()
        if hasattr(self, "errlog") and not self.errlog.closed:
            text = self.stderr_text()
            self.errlog.close()
            if "Traceback" in text:
                sys.stderr.write("\n--- emulator stderr (port %d) ---\n%s\n" % (self.port, text))
        if getattr(self, "own_home", False):
            shutil.rmtree(self.home, ignore_errors=True)
        return self.proc.returncode


class EmuCase(unittest.TestCase):
    """One shared dev-mode emulator per test class."""
    EXTRA = ()
    DEV = True

    @classmethod
    def setUpClass(cls):
        cls.emu = Emu(*cls.EXTRA, dev=cls.DEV)
        cls.addClassCleanup(cls.emu.close)

    def started(self, name, ns="default", **kw):
        status, body, raw = self.emu.start(name, ns, **kw)
        self.assertEqual(status, 200, raw)
        self.assertEqual(body["result"], "Sandbox %s started successfully" % name)
        self.emu.wait_portal(name, ns)
        return name


# =====================================================================================
#  Unit tests of the serde_json / JWT emulation (imported module)
# =====================================================================================

class TestUnits(unittest.TestCase):
    def test_doc_jwt_test_vector_section_3_2(self):
        self.assertEqual(M.mint_api_key(DOC_KEY, 1767225600, 1767139200, "*"), DOC_TOKEN)
        claims = M.decode_jwt(DOC_TOKEN[4:], DOC_KEY, 1767139200)
        self.assertEqual(claims, {"exp": 1767225600, "iat": 1767139200, "namespace": "*"})

    def test_jwt_validation_rules_section_3_3_and_12_5(self):
        jwt = DOC_TOKEN[4:]
        M.decode_jwt(jwt, DOC_KEY, 1767225600 + 60)            # 60 s leeway
        with self.assertRaisesRegex(ValueError, "Token expired"):
            M.decode_jwt(jwt, DOC_KEY, 1767225600 + 61)
        with self.assertRaisesRegex(ValueError, "signature"):
            M.decode_jwt(jwt, DOC_KEY + "x", 1767139200)
        h, p, s = jwt.split(".")
        with self.assertRaises(ValueError):                    # padded segment
            M.decode_jwt(h + "." + p + "==." + s, DOC_KEY, 1767139200)

        def sign(header, claims):
            msg = M.b64url(header) + "." + M.b64url(claims)
            import hashlib
            import hmac
            return msg + "." + M.b64url(hmac.new(DOC_KEY.encode(), msg.encode(), hashlib.sha256).digest())

        hdr = b'{"typ":"JWT","alg":"HS256"}'
        M.decode_jwt(sign(b'{"alg":"HS256"}', b'{"exp":1767225600,"iat":1,"namespace":"a","extra":1}'), DOC_KEY, 0)
        for bad in (b'{"exp":1767225600,"iat":1,"namespace":"a","aud":"x"}',     # aud -> rejected
                    b'{"exp":1767225600,"iat":1}',                                # no namespace
                    b'{"iat":1,"namespace":"*"}',                                 # no exp
                    b'{"exp":1.5e9,"iat":1,"namespace":"*"}'):                    # exp not u64
            with self.assertRaises(ValueError, msg=bad):
                M.decode_jwt(sign(hdr, bad), DOC_KEY, 0)
        with self.assertRaises(ValueError):
            M.decode_jwt(sign(b'{"typ":"JWT","alg":"HS512"}', b'{"exp":1767225600,"iat":1,"namespace":"*"}'), DOC_KEY, 0)

    def test_v020_key_format(self):
        tok = M.mint_api_key(DOC_KEY, 1767225600, 1767139200, "*", "0.2.0")
        self.assertEqual(tok, "msb_" + DOC_TOKEN[4:].split(".", 1)[1])

    def test_serde_json_float_format(self):
        for f, s in ((1.0, "1.0"), (0.1, "0.1"), (1e20, "1e20"), (1e16, "1e16"), (1e15, "1000000000000000.0"),
                     (1e-5, "0.00001"), (1e-6, "1e-6"), (-0.0, "-0.0"), (123.456, "123.456"), (1.5e-7, "1.5e-7")):
            self.assertEqual(M.ryu_f64(f), s)

    def test_axum_json_rejection_texts(self):
        def err(body):
            try:
                M.parse_rpc_request(body)
            except M.JsonError as e:
                return e.category, e.path_text()
            return None
        self.assertEqual(err(b""), ("eof", "EOF while parsing a value at line 1 column 0"))
        self.assertEqual(err(b"{}"), ("data", "missing field `jsonrpc` at line 1 column 2"))
        self.assertEqual(err(b'{"jsonrpc":2,"method":"x"}'),
                         ("data", "jsonrpc: invalid type: integer `2`, expected a string at line 1 column 12"))
        self.assertEqual(err(b"null"), ("data", "invalid type: null, expected struct JsonRpcRequest at line 1 column 4"))
        self.assertEqual(err(b'{"jsonrpc":"2.0","method":"a","method":"b"}'),
                         ("data", "duplicate field `method` at line 1 column 38"))
        body = b'{"jsonrpc":"2.0","method":"m","params":{"a":}}'
        self.assertEqual(err(body), ("syntax", "params.a: expected value at line 1 column %d" % (body.index(b":}") + 2)))
        self.assertEqual(err(b'{"jsonrpc":"2.0" "method":"m"}'),
                         ("syntax", "expected `,` or `}` at line 1 column 18"))
        self.assertEqual(err(b'{"jsonrpc":"2.0",\n "method":"m\x01"}'),
                         ("syntax", "method: control character (\\u0000-\\u001F) found while parsing a string at line 2 column 13"))
        self.assertEqual(err(b'["2.0","m"]'), ("data", "invalid length 3, expected struct JsonRpcRequest with 4 elements at line 1 column 11"))
        self.assertIsNone(err(b'{"jsonrpc":"2.0","method":"m"} trailing garbage is accepted by axum 0.8.1'))
        self.assertEqual(M.parse_rpc_request(b'["2.0","m",{"x":1},7]')["id"], 7)

    def test_from_value_texts(self):
        spec = M._START_SPEC
        cases = [(None, "invalid type: null, expected struct SandboxStartParams"),
                 ({"sandbox": "a"}, "missing field `namespace`"),
                 ({"sandbox": "a", "namespace": "b", "config": {"cpus": 1.0}}, "invalid type: floating point `1.0`, expected u8"),
                 ({"sandbox": "a", "namespace": "b", "config": {"cpus": 300}}, "invalid value: integer `300`, expected u8"),
                 ({"sandbox": "a", "namespace": "b", "config": {"memory": -1}}, "invalid value: integer `-1`, expected u32"),
                 ({"sandbox": 5, "namespace": "b"}, "invalid type: integer `5`, expected a string"),
                 ({"sandbox": "a", "namespace": "b", "config": {"ports": "80"}}, 'invalid type: string "80", expected a sequence'),
                 ("x\ny", 'invalid type: string "x\\ny", expected struct SandboxStartParams')]
        for value, text in cases:
            with self.assertRaises(M.JsonError) as cm:
                M.from_value(spec, value)
            self.assertEqual(cm.exception.text(), text)

    def test_keygen_helpers_section_4_3(self):
        self.assertEqual(M.parse_duration("1y"), 365 * 86400)
        self.assertEqual(M.parse_duration("2mo"), 60 * 86400)
        self.assertEqual(M.parse_duration("5"), 5 * 3600)
        with self.assertRaisesRegex(ValueError, r"^Invalid duration unit: x\. Expected one of: s, m, h, d, w, mo, y$"):
            M.parse_duration("3x")
        self.assertEqual(M.rfc3339_ns(1767139200 * 10 ** 9 + 123456789), "2025-12-31T00:00:00.123456789+00:00")
        self.assertEqual(M.rfc3339_ns(1767139200 * 10 ** 9), "2025-12-31T00:00:00+00:00")
        self.assertEqual(M.rfc3339_ns(1767139200 * 10 ** 9 + 5 * 10 ** 8), "2025-12-31T00:00:00.500+00:00")


# =====================================================================================
#  HTTP surface: routes, content types, the three error shapes (sections 2.1-2.3, 12)
# =====================================================================================

class TestHttpSurface(EmuCase):
    def test_listening_line_and_loopback_only(self):
        self.assertRegex(self.emu.first_line, r"^MSB-EMULATOR LISTENING \d+\n$")
        s = self.emu.state()
        self.assertTrue(s["dev"])

    def test_health_get_and_head(self):
        status, h, body = self.emu.http("GET", "/api/v1/health")
        self.assertEqual((status, body), (200, b'{"message":"Service is healthy"}'))
        self.assertEqual(h["content-type"], "application/json")
        self.assertEqual(h["access-control-allow-origin"], "*")
        self.assertEqual(h["vary"], "origin, access-control-request-method, access-control-request-headers")
        status, h, body = self.emu.raw("HEAD", "/api/v1/health")
        self.assertEqual((status, body, h["content-length"]), (200, b"", "32"))

    def test_unknown_routes_and_methods(self):
        for path in ("/", "/nope", "/api/v1/rpc/", "/api/v1/health/", "/mcp", "/api/v1"):
            status, h, body = self.emu.raw("GET", path)
            self.assertEqual((status, body), (404, b""), path)
            self.assertEqual(h["content-length"], "0")
            self.assertNotIn("content-type", h)
        status, h, body = self.emu.raw("POST", "/api/v1/health", b"{}")
        self.assertEqual((status, body, h["allow"]), (405, b"", "GET,HEAD"))
        status, h, body = self.emu.raw("GET", "/api/v1/rpc")        # dev mode: no auth first
        self.assertEqual((status, body, h["allow"]), (405, b"", "POST"))
        status, h, body = self.emu.raw("PUT", "/api/v1/rpc", b"{}")
        self.assertEqual((status, h["allow"]), (405, "POST"))

    def test_cors_preflight(self):
        status, h, body = self.emu.raw("OPTIONS", "/api/v1/rpc", headers={"Origin": "http://x", "Access-Control-Request-Method": "POST"})
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(h["access-control-allow-methods"], "GET,POST,PUT,DELETE")
        self.assertEqual(h["access-control-allow-headers"], "authorization,accept,content-type")
        self.assertEqual(h["access-control-allow-origin"], "*")

    def test_415_content_type(self):
        good = b'{"jsonrpc":"2.0","method":"sandbox.metrics.get","params":{"namespace":"*"},"id":1}'
        for headers in ({}, {"Content-Type": "text/json"}, {"Content-Type": "application/x-www-form-urlencoded"},
                        {"Content-Type": "application/json; charset"}):
            status, h, body = self.emu.raw("POST", "/api/v1/rpc", good, headers)
            self.assertEqual((status, body), (415, b"Expected request with `Content-Type: application/json`"), headers)
            self.assertEqual(h["content-type"], "text/plain; charset=utf-8")
        for ct in ("application/json; charset=utf-8", "Application/JSON", "application/cloudevents+json"):
            status, _, body = self.emu.raw("POST", "/api/v1/rpc", good, {"Content-Type": ct})
            self.assertEqual(status, 200, (ct, body))

    def test_400_422_413_texts(self):
        status, h, body = self.emu.post(b'{"jsonrpc":"2.0","method":')
        self.assertEqual((status, body), (400, b"Failed to parse the request body as JSON: method: EOF while parsing a value at line 1 column 26"))
        self.assertEqual(h["content-type"], "text/plain; charset=utf-8")
        status, _, body = self.emu.post(b"")
        self.assertEqual((status, body), (400, b"Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 0"))
        status, _, body = self.emu.post(b'[{"jsonrpc":"2.0","method":"sandbox.stop","params":{},"id":1}]')   # no batch support
        self.assertEqual((status, body), (422, b"Failed to deserialize the JSON body into the target type: [0]: invalid type: map, expected a string at line 1 column 1"))
        status, _, body = self.emu.post(b'{"jsonrpc":"2.0","id":1}')
        self.assertEqual((status, body), (422, b"Failed to deserialize the JSON body into the target type: missing field `method` at line 1 column 24"))
        big = b'{"jsonrpc":"2.0","method":"sandbox.repl.run","params":{"code":"' + b"x" * (2 * 1024 * 1024) + b'"}}'
        status, h, body = self.emu.post(big)
        self.assertEqual((status, body), (413, b"Failed to buffer the request body: length limit exceeded"))

    def test_jsonrpc_error_objects(self):
        status, h, body = self.emu.post(b'{"jsonrpc":"1.0","method":"sandbox.start","id":7}')
        self.assertEqual((status, body), (400, b'{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid or missing jsonrpc version field"},"id":7}'))
        self.assertEqual(h["content-type"], "application/json")
        status, _, body = self.emu.post(b'{"jsonrpc":"2.0","method":"sandbox.getStatus","id":"x"}')
        self.assertEqual((status, body), (404, b'{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found: sandbox.getStatus"},"id":"x"}'))

    def test_id_echo_rules_section_2_2_and_12_2(self):
        req = b'{"jsonrpc":"2.0","method":"sandbox.metrics.get","params":{"namespace":"nothing-here"}%s}'
        status, _, body = self.emu.post(req % b"")
        self.assertEqual(status, 400)
        self.assertEqual(body, envelope("Namespace directory 'nothing-here' does not exist"))   # no jsonrpc, no id
        ok = b'{"jsonrpc":"2.0","method":"sandbox.metrics.get","params":{"namespace":"*"}%s}'
        self.assertEqual(self.emu.post(ok % b"")[2], b'{"jsonrpc":"2.0","result":{"sandboxes":[]}}')
        self.assertEqual(self.emu.post(ok % b',"id":null')[2], b'{"jsonrpc":"2.0","result":{"sandboxes":[]}}')
        self.assertEqual(self.emu.post(ok % b',"id":{"b":1,"a":[1.0,-0,2e3]}')[2],
                         b'{"jsonrpc":"2.0","result":{"sandboxes":[]},"id":{"a":[1.0,-0.0,2000.0],"b":1}}')
        self.assertEqual(self.emu.post(ok % b',"id":"\xc3\xa9\\u0001"')[2],
                         b'{"jsonrpc":"2.0","result":{"sandboxes":[]},"id":"\xc3\xa9\\u0001"}')

    def test_param_errors_section_2_4(self):
        status, _, body = self.emu.post(b'{"jsonrpc":"2.0","method":"sandbox.start","id":1}')
        self.assertEqual((status, body), (400, envelope("Invalid params for sandbox.start: invalid type: null, expected struct SandboxStartParams")))
        status, _, body = self.emu.post(b'{"jsonrpc":"2.0","method":"sandbox.stop","params":{"sandbox":"a"},"id":1}')
        self.assertEqual((status, body), (400, envelope("Invalid params for sandbox.stop: missing field `namespace`")))
        status, _, body = self.emu.post(b'{"jsonrpc":"2.0","method":"sandbox.metrics.get","params":{},"id":1}')
        self.assertEqual((status, body), (400, envelope("Invalid params for sandbox.metrics.get: missing field `namespace`")))
        status, body, _ = self.emu.start("floaty", cpus=1.0)
        self.assertEqual(status, 400)
        self.assertEqual(body["error"], "Invalid params for sandbox.start: invalid type: floating point `1.0`, expected u8")

    def test_name_validation_section_2_4(self):
        cases = [("", "default", "Sandbox name cannot be empty"),
                 ("a" * 64, "default", "Sandbox name cannot exceed 63 characters"),
                 ("a b", "default", "Sandbox name can only contain alphanumeric characters, hyphens, or underscores"),
                 ("\u00e9t\u00e9", "default", "Sandbox name can only contain alphanumeric characters, hyphens, or underscores"),
                 ("-ab", "default", "Sandbox name must start with an alphanumeric character"),
                 ("ok", "", "Namespace cannot be empty"),
                 ("ok", "n" * 64, "Namespace cannot exceed 63 characters"),
                 ("ok", "*", "Wildcard namespace (*) is not valid for sandbox creation"),
                 ("ok", "a.b", "Namespace can only contain alphanumeric characters, hyphens, or underscores"),
                 ("ok", "_a", "Namespace must start with an alphanumeric character")]
        for name, ns, msg in cases:
            for method in ("sandbox.start", "sandbox.stop"):
                params = {"sandbox": name, "namespace": ns, "config": {"image": "microsandbox/python"}}
                status, _, raw = self.emu.rpc(method, params)
                self.assertEqual((status, raw), (400, envelope(msg)), (method, name, ns))
        status, _, raw = self.emu.rpc("sandbox.metrics.get", {"namespace": "*", "sandbox": "-x"})
        self.assertEqual((status, raw), (400, envelope("Sandbox name must start with an alphanumeric character")))

    def test_start_stop_metrics_errors(self):
        status, _, raw = self.emu.start("fresh", ns="brand-new-ns", image=None)
        self.assertEqual((status, raw), (400, envelope("Sandbox 'fresh' not found in existing configuration")))
        status, _, raw = self.emu.start("fresh", ns="brand-new-ns2", image=None, memory=256)   # config without image ignored
        self.assertEqual((status, raw), (400, envelope("Sandbox 'fresh' not found in existing configuration")))
        status, _, raw = self.emu.rpc("sandbox.stop", {"sandbox": "a", "namespace": "never"})
        self.assertEqual((status, raw), (400, envelope("Namespace directory 'never' does not exist")))
        status, _, raw = self.emu.rpc("sandbox.stop", {"sandbox": "ghost", "namespace": "brand-new-ns"})
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        self.assertIn("cannot find sandbox: 'ghost'", self.emu.last_internal_error())
        status, _, raw = self.emu.rpc("sandbox.metrics.get", {"namespace": "brand-new-ns", "sandbox": "ghost"})
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        status, body, _ = self.emu.rpc("sandbox.metrics.get", {"namespace": "brand-new-ns"})
        self.assertEqual((status, body["result"]), (200, {"sandboxes": []}))

    def test_forward_param_checks(self):
        for params, msg in ((None, "Request parameters must be an object containing 'sandbox' and 'namespace'"),
                            ([], "Request parameters must be an object containing 'sandbox' and 'namespace'"),
                            ({"namespace": "default"}, "Missing required 'sandbox' parameter for portal request"),
                            ({"sandbox": "x"}, "Missing required 'namespace' parameter for portal request")):
            for method in ("sandbox.repl.run", "sandbox.command.run"):
                status, _, raw = self.emu.rpc(method, params)
                self.assertEqual((status, raw), (400, envelope(msg)), (method, params))
        status, _, raw = self.emu.repl("never-started", "1")
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        self.assertEqual(self.emu.last_internal_error(), "No portal port assigned for sandbox default/never-started")

    def test_malformed_http_gets_bare_400(self):
        s = socket.create_connection(("127.0.0.1", self.emu.port), timeout=5)
        s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        data = s.recv(4096)
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n"), data)

    def test_keep_alive_and_chunked_body(self):
        c = http.client.HTTPConnection("127.0.0.1", self.emu.port, timeout=10)
        for _ in range(3):
            c.request("GET", "/api/v1/health")
            self.assertEqual(c.getresponse().read(), b'{"message":"Service is healthy"}')
        body = b'{"jsonrpc":"2.0","method":"sandbox.metrics.get","params":{"namespace":"*"},"id":3}'
        c.request("POST", "/api/v1/rpc", body=iter([body[:10], body[10:]]),
                  headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, encode_chunked=True)
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        self.assertIn(b'"id":3', r.read())
        c.close()


# =====================================================================================
#  Sandbox lifecycle and persistence (section 2.4, 2.6, 6, 7)
# =====================================================================================

class TestLifecycle(EmuCase):
    def test_start_metrics_stop_restart(self):
        emu = self.emu
        self.started("lc1", memory=512, cpus=1)
        status, _, raw = emu.rpc("sandbox.metrics.get", {"namespace": "default", "sandbox": "lc1"}, rid="m")
        self.assertEqual(status, 200)
        # keys alphabetical (section 12.1)
        self.assertRegex(raw, rb'^\{"jsonrpc":"2\.0","result":\{"sandboxes":\[\{"cpu_usage":0\.0,"disk_usage":\d+,'
                              rb'"memory_usage":\d+,"name":"lc1","namespace":"default","running":true\}\]\},"id":"m"\}$')
        # state and files
        self.assertEqual(emu.lines("lc1", "x = 41\nopen('keep.txt','w').write('kept')"), [("stdout", "4")])
        self.assertEqual(emu.lines("lc1", "print(x + 1)"), [("stdout", "42")])
        sandboxfile = read(os.path.join(emu.home, "namespaces", "default", "Sandboxfile"))
        port = emu.sandbox_state("lc1")["mapped_port"]
        self.assertIn("  lc1:\n    image: microsandbox/python\n    memory: 512\n    cpus: 1\n    ports:\n    - %d:4444\n" % port, sandboxfile)
        ports = json.loads(read(os.path.join(emu.home, "namespaces", "portal.ports")))
        self.assertEqual(ports["mappings"]["default/lc1"], port)
        # stop
        status, body, _ = emu.rpc("sandbox.stop", {"sandbox": "lc1", "namespace": "default"})
        self.assertEqual(body["result"], "Sandbox lc1 stopped successfully")
        status, _, raw = emu.repl("lc1", "1")                  # port released at once
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        emu.wait_stopped("lc1")
        _, _, raw = emu.rpc("sandbox.metrics.get", {"namespace": "default", "sandbox": "lc1"}, rid=None)
        self.assertEqual(raw, b'{"jsonrpc":"2.0","result":{"sandboxes":[{"cpu_usage":null,"disk_usage":null,'
                              b'"memory_usage":null,"name":"lc1","namespace":"default","running":false}]}}')
        status, body, _ = emu.rpc("sandbox.stop", {"sandbox": "lc1", "namespace": "default"})   # not running: fine
        self.assertEqual(body["result"], "Sandbox lc1 stopped successfully")
        # restart by name: stored entry reused, REPL state lost, writable layer kept
        status, body, _ = emu.start("lc1", image=None)
        self.assertEqual(body["result"], "Sandbox lc1 started successfully")
        emu.wait_portal("lc1")
        out = emu.lines("lc1", "print(open('keep.txt').read())\nprint('x' in dir())")
        self.assertEqual(out, [("stdout", "kept"), ("stdout", "False")])

    def test_portal_not_ready_right_after_start(self):
        emu = Emu("--boot-delay", "60")         # 0.6 s until the portal listens
        try:
            status, body, _ = emu.start("slowboot")
            self.assertEqual(body["result"], "Sandbox slowboot started successfully")
            t0 = time.monotonic()
            status, _, raw = emu.repl("slowboot", "1")
            self.assertEqual((status, raw), (500, ENVELOPE_500))
            self.assertLess(time.monotonic() - t0, 0.5)        # ~150 ms of refused probes
            self.assertIn("Failed to connect to portal after 10000 retries", emu.last_internal_error())
            emu.wait_portal("slowboot")
            self.assertEqual(emu.lines("slowboot", "1"), [("stdout", "1")])
        finally:
            emu.close()

    def test_restart_of_running_sandbox_loses_portal(self):
        emu = self.emu
        self.started("again")
        old = emu.sandbox_state("again")["mapped_port"]
        status, body, _ = emu.start("again")
        self.assertEqual(body["result"], "Sandbox again started successfully")
        st = emu.sandbox_state("again")
        self.assertNotEqual(st["mapped_port"], old)
        self.assertEqual(st["vm_port"], old)
        status, _, raw = emu.repl("again", "1")
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        _, body, _ = emu.rpc("sandbox.metrics.get", {"namespace": "default", "sandbox": "again"})
        self.assertTrue(body["result"]["sandboxes"][0]["running"])

    def test_namespaces_are_separate(self):
        self.started("twin", ns="ns-a")
        self.started("twin", ns="ns-b")
        self.emu.lines("twin", "v = 'a'", ns="ns-a")
        self.assertEqual(self.emu.lines("twin", "print('v' in dir())", ns="ns-b"), [("stdout", "False")])
        _, body, _ = self.emu.rpc("sandbox.metrics.get", {"namespace": "*", "sandbox": "twin"})
        self.assertEqual(sorted(s["namespace"] for s in body["result"]["sandboxes"]), ["ns-a", "ns-b"])

    def test_bad_config_strings_break_the_namespace(self):
        emu = self.emu
        self.started("fine", ns="broken-ns")
        status, _, raw = emu.start("bad", ns="broken-ns", ports=["not-a-port"])
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        status, _, _ = emu.start("fine2", ns="broken-ns")
        self.assertEqual(status, 500)
        status, _, _ = emu.rpc("sandbox.metrics.get", {"namespace": "broken-ns"})
        self.assertEqual(status, 500)
        status, _, _ = emu.rpc("sandbox.stop", {"namespace": "broken-ns", "sandbox": "fine"})
        self.assertEqual(status, 500)
        status, body, _ = emu.rpc("sandbox.metrics.get", {"namespace": "*"})
        self.assertEqual(status, 200)
        self.assertNotIn("broken-ns", {s["namespace"] for s in body["result"]["sandboxes"]})
        status, body, _ = emu.start("bad", ns="broken-ns", ports=["8080:80"], envs=["A=1"])  # re-start fixes it
        self.assertEqual(status, 200, body)
        status, body, _ = emu.rpc("sandbox.metrics.get", {"namespace": "broken-ns"})
        self.assertEqual(status, 200)

    def test_images_section_2_6(self):
        emu = self.emu
        status, _, raw = emu.start("unk", image="someone/unknown-image")
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        status, _, raw = emu.start("reg", image="ghcr.io/x/y")
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        self.assertIn("Unsupported registry: ghcr.io", emu.last_internal_error())
        status, _, raw = emu.start("pathimg", image="/srv/rootfs")
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        self.assertIn("missing start script or exec command or shell", emu.last_internal_error())
        status, body, _ = emu.start("nocmd", scripts={"start": "sleep infinity"})   # replaces the CMD: no portal
        self.assertEqual(body["result"], "Sandbox nocmd started successfully")
        time.sleep(0.1)
        status, _, raw = emu.repl("nocmd", "1")
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        self.started("nodebox", image="microsandbox/node")
        status, _, raw = emu.repl("nodebox", "1", language="nodejs")
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        self.assertIn("Node.js language support is not enabled. Recompile with --features nodejs", emu.last_internal_error())

    def test_envs_workdir_and_command_environment(self):
        self.started("envbox", envs=["GREETING=hi=there"], workdir="/srv/app")
        status, body, _ = self.emu.command("envbox", "sh", ["-c", 'echo "$GREETING|$PYTHONUNBUFFERED|$RUST_LOG|${PWD##*/}"'])
        self.assertEqual(body["result"]["output"], [{"stream": "stdout", "text": "hi=there|1|debug|app"}])
        status, body, _ = self.emu.command("envbox", "python3", ["-c", "import sys; print(sys.executable)"])
        self.assertTrue(body["result"]["output"][0]["text"].endswith("/python3"))


class TestPullAndStartOutcomes(unittest.TestCase):
    def test_first_pull_is_slow_then_cached(self):
        emu = Emu("--pull-delay", "60")          # 0.6 s for the first pull
        try:
            t0 = time.monotonic()
            self.assertEqual(emu.start("p1")[0], 200)
            first = time.monotonic() - t0
            t0 = time.monotonic()
            self.assertEqual(emu.start("p2")[0], 200)
            second = time.monotonic() - t0
            self.assertGreater(first, 0.55)
            self.assertLess(second, 0.4)
            self.assertIn("docker.io/microsandbox/python:latest", emu.state()["pulled_images"])
        finally:
            emu.close()

    def test_start_result_strings_when_vm_never_runs(self):
        emu = Emu()
        try:
            emu.fault(kind="vm_never_running", times=1)
            status, body, _ = emu.start("nr")                   # with image: 180 s bound, attempts run out first
            self.assertEqual(body["result"], "Sandbox nr was started, but couldn't verify it's running: Internal server "
                                             "error: Exceeded maximum attempts to verify sandbox nr is running")
            emu.control("POST", "sandbox/crash", {"namespace": "default", "sandbox": "nr"})
            emu.fault(kind="vm_never_running", times=1)
            status, body, _ = emu.start("nr", image=None)     # without image: the 60 s bound hits first
            self.assertEqual(body["result"], "Sandbox nr was started, but timed out waiting for it to be fully "
                                             "running. It may still be initializing.")
        finally:
            emu.close()

    def test_kvm_missing(self):
        emu = Emu()
        try:
            emu.fault(kind="kvm_missing", sandbox="nokvm")
            status, body, _ = emu.start("nokvm")
            self.assertEqual(body["result"], "Sandbox nokvm started successfully")
            emu.wait_stopped("nokvm")
            status, _, raw = emu.repl("nokvm", "1")
            self.assertEqual((status, raw), (500, ENVELOPE_500))
            self.assertIn("Failed to connect to portal after 10000 retries", emu.last_internal_error())
            _, body, _ = emu.rpc("sandbox.metrics.get", {"namespace": "default"})
            self.assertFalse(body["result"]["sandboxes"][0]["running"])
        finally:
            emu.close()


# =====================================================================================
#  REPL semantics and quirks (sections 2.4 repl.run, 5, 12.4, 12.6)
# =====================================================================================

class TestRepl(EmuCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        status, body, raw = cls.emu.start("repl")
        assert status == 200, raw
        cls.emu.wait_portal("repl")

    def fresh(self, name):
        return self.started(name)

    def test_result_shape_bytes(self):
        _, _, raw = self.emu.repl("repl", "print('hi')", timeout=20)
        self.assertEqual(raw, b'{"jsonrpc":"2.0","result":{"language":"python","output":[{"stream":"stdout","text":"hi"}],"status":"success"},"id":1}')
        _, body, _ = self.emu.repl("repl", "pass", language="Python")
        self.assertEqual(body["result"], {"language": "Python", "output": [], "status": "success"})
        _, body, _ = self.emu.repl("repl", "print('a\\r')\nprint('')\nprint('\u00e9\\tb')", timeout=None)
        self.assertEqual(body["result"]["output"], [{"stream": "stdout", "text": "a"}, {"stream": "stdout", "text": ""},
                                                    {"stream": "stdout", "text": "\u00e9\tb"}])

    def test_interactive_semantics(self):
        e = self.emu
        self.assertEqual(e.lines("repl", "1+1"), [("stdout", "2")])
        e.lines("repl", "import math\ncounter = 10")
        self.assertEqual(e.lines("repl", "counter += 1\nprint(counter, math.pi > 3)"), [("stdout", "11 True")])
        out = e.lines("repl", "print('before')\n1/0")
        self.assertEqual(out[0], ("stdout", "before"))
        # (CPython 3.13 adds the source line and carets; the interpreter decides, as in the image)
        self.assertEqual(out[1:3], [("stderr", "Traceback (most recent call last):"),
                                    ("stderr", '  File "<stdin>", line 1, in <module>')])
        self.assertEqual(out[-1], ("stderr", "ZeroDivisionError: division by zero"))
        self.assertTrue(all(s == "stderr" for s, _ in out[1:]), out)
        # a blank line ends the block (section 5)
        out = e.lines("repl", "def f():\n    x = 1\n\n    return x\nprint(f())")
        self.assertIn(("stdout", "None"), out)
        self.assertTrue(any(s == "stderr" and "IndentationError" in t for s, t in out), out)
        # the one-line exec(compile(...)) form keeps blank lines
        code = "def g():\n    y = 2\n\n    return y\nprint(g())"
        self.assertEqual(e.lines("repl", "exec(compile(%r, '<cell>', 'exec'))" % code), [("stdout", "2")])

    def test_missing_final_newline_glues_marker_and_hangs(self):
        out = self.emu.lines("repl", "print('x', end='')", timeout=1)
        self.assertEqual(len(out), 2, out)
        self.assertEqual(out[0][0], "stdout")
        self.assertRegex(out[0][1], r"^xeoe_[A-Za-z0-9]{20}$")
        self.assertEqual(out[1], ("stderr", "Error: Execution timed out after 1 seconds"))
        self.assertEqual(self.emu.lines("repl", "print('still alive')"), [("stdout", "still alive")])

    def test_timeout_does_not_interrupt(self):
        name = self.fresh("slow")
        out = self.emu.lines(name, "import time\ntime.sleep(0.5); print('late')", timeout=1)
        self.assertEqual(out, [("stderr", "Error: Execution timed out after 1 seconds")])
        # the late output AND the timed-out call's own marker print land in the next call
        out = self.emu.lines(name, "print('next')", timeout=30)
        self.assertEqual([out[0], out[2]], [("stdout", "late"), ("stdout", "next")])
        self.assertRegex(out[1][1], r"^eoe_[A-Za-z0-9]{20}$")
        self.assertEqual(len(out), 3)
        out = self.emu.lines(name, "print(1)", timeout=0)
        self.assertEqual(out[-1], ("stderr", "Error: Execution timed out after 0 seconds"))

    def test_output_between_calls_is_dropped(self):
        name = self.fresh("ghost")
        self.assertEqual(self.emu.lines(name, "import threading\nthreading.Timer(0.2, lambda: print('ghost')).start()"), [])
        time.sleep(0.5)
        self.assertEqual(self.emu.lines(name, "print('x')"), [("stdout", "x")])

    def test_exit_kills_the_engine(self):
        name = self.fresh("exiter")
        self.assertEqual(self.emu.lines(name, "exit()", timeout=1), [("stderr", "Error: Execution timed out after 1 seconds")])
        _, _, raw = self.emu.repl(name, "print(1)")
        self.assertEqual(raw, b'{"jsonrpc":"2.0","result":{"language":"python","output":[{"stream":"stderr","text":'
                              b'"Error: Engine unavailable: Python process channel closed"}],"status":"success"},"id":1}')
        # a restart brings a new engine
        self.emu.rpc("sandbox.stop", {"namespace": "default", "sandbox": name})
        self.emu.wait_stopped(name)
        self.started(name, image=None)
        self.assertEqual(self.emu.lines(name, "print(1)"), [("stdout", "1")])

    def test_non_utf8_stdout_hangs_and_kills_section_12_4(self):
        name = self.fresh("badbytes")
        out = self.emu.lines(name, "import sys\n_ = sys.stdout.buffer.write(b'ok\\n\\xff\\nafter\\n')", timeout=1)
        self.assertEqual(out[0], ("stdout", "ok"))
        self.assertEqual(out[-1], ("stderr", "Error: Execution timed out after 1 seconds"))
        # the portal's stdout reader is gone and its pipe closed, so the marker print may fail
        # (as upstream, a race): its BrokenPipeError traceback then arrives on stderr
        middle = out[1:-1]
        self.assertTrue(middle == [] or (middle[0] == ("stderr", "Traceback (most recent call last):")
                                         and middle[-1] == ("stderr", "BrokenPipeError: [Errno 32] Broken pipe")), out)
        self.assertEqual(self.emu.lines(name, "print(1)"),
                         [("stderr", "Error: Engine unavailable: Python process channel closed")])
        self.assertFalse(self.emu.sandbox_state(name)["repl_alive"])

    def test_non_utf8_stderr_completes_then_engine_dies(self):
        name = self.fresh("badstderr")
        out = self.emu.lines(name, "import sys\n_ = sys.stderr.buffer.write(b'e1\\n\\xff\\ne2\\n')\nprint('out')", timeout=5)
        self.assertEqual(sorted(out), [("stderr", "e1"), ("stdout", "out")])
        self.assertEqual(self.emu.lines(name, "print(1)"),
                         [("stderr", "Error: Engine unavailable: Python process channel closed")])

    def test_portal_side_errors_become_500(self):
        for params in ({"code": "1", "language": "ruby"}, {"code": "1", "language": "node"},
                       {"code": "1", "language": "python", "timeout": 30.0}, {"language": "python"},
                       {"code": "1", "language": "python", "timeout": -1}):
            params.update(namespace="default", sandbox="repl")
            status, _, raw = self.emu.rpc("sandbox.repl.run", params)
            self.assertEqual((status, raw), (500, ENVELOPE_500), params)
        detail = self.emu.state()["internal_errors"]
        texts = " | ".join(d["detail"] for d in detail[-5:])
        self.assertIn('Portal returned error status 400 Bad Request: {"jsonrpc":"2.0","error":{"code":-32600,'
                      '"message":"JSON-RPC error: Unsupported language: ruby"},"id":1}', texts)
        self.assertIn("Invalid parameters: invalid type: floating point `30.0`, expected u64", texts)
        self.assertIn("Invalid parameters: missing field `code`", texts)

    def test_calls_are_serialised(self):
        name = self.fresh("serial")
        results = {}

        def call(tag, code):
            results[tag] = (time.monotonic(), self.emu.lines(name, code, timeout=50))

        t = threading.Thread(target=call, args=("a", "import time\ntime.sleep(0.3)\nprint('a')"))
        t.start()
        time.sleep(0.05)
        call("b", "print('b')")
        t.join()
        self.assertEqual(results["a"][1], [("stdout", "a")])
        self.assertEqual(results["b"][1], [("stdout", "b")])
        self.assertGreaterEqual(results["b"][0], results["a"][0] - 0.01)


# =====================================================================================
#  sandbox.command.run (section 2.4)
# =====================================================================================

class TestCommand(EmuCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emu.start("cmd")
        cls.emu.wait_portal("cmd")

    def test_shape_and_exit_codes(self):
        _, _, raw = self.emu.command("cmd", "sh", ["-c", "echo out; sleep 0.1; echo err >&2; exit 3"])
        self.assertEqual(raw, b'{"jsonrpc":"2.0","result":{"args":["-c","echo out; sleep 0.1; echo err >&2; exit 3"],"command":"sh",'
                              b'"exit_code":3,"output":[{"stream":"stdout","text":"out"},{"stream":"stderr","text":"err"}],'
                              b'"success":false},"id":1}')
        _, body, _ = self.emu.command("cmd", "true")
        self.assertEqual(body["result"], {"args": [], "command": "true", "exit_code": 0, "output": [], "success": True})
        _, body, _ = self.emu.command("cmd", "sh", ["-c", "kill -9 $$"])
        self.assertEqual((body["result"]["exit_code"], body["result"]["success"]), (1, False))

    def test_no_shell_and_spawn_failure(self):
        status, _, raw = self.emu.command("cmd", "echo hi | cat")
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        self.assertIn("Failed to spawn command: Failed to spawn command: No such file or directory (os error 2)",
                      self.emu.last_internal_error())
        status, body, _ = self.emu.command("cmd", "echo", ["a|b", "$HOME"])
        self.assertEqual(body["result"]["output"], [{"stream": "stdout", "text": "a|b $HOME"}])

    def test_timeout_is_a_500(self):
        t0 = time.monotonic()
        status, _, raw = self.emu.command("cmd", "sleep", ["5"], timeout=1)
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        self.assertLess(time.monotonic() - t0, 3)
        self.assertIn("Command execution failed: Command timeout after 1 seconds", self.emu.last_internal_error())

    def test_non_utf8_drops_the_rest_of_that_stream(self):
        _, body, _ = self.emu.command("cmd", "sh", ["-c", r"printf 'a\n\377\nb\n'; sleep 0.1; echo e >&2"])
        self.assertEqual(body["result"]["output"], [{"stream": "stdout", "text": "a"}, {"stream": "stderr", "text": "e"}])

    def test_bad_params(self):
        status, _, raw = self.emu.rpc("sandbox.command.run", {"namespace": "default", "sandbox": "cmd", "command": "ls", "args": "-l"})
        self.assertEqual((status, raw), (500, ENVELOPE_500))
        self.assertIn("Invalid parameters: invalid type: string \\\"-l\\\", expected a sequence", self.emu.last_internal_error())


# =====================================================================================
#  Authentication (section 3)
# =====================================================================================

class TestAuth(unittest.TestCase):
    KEY = "K3y-with-trailing-newline-0123456\n"

    @classmethod
    def setUpClass(cls):
        cls.home = tempfile.mkdtemp(prefix="msb-emu-auth-")
        cls.key_file = os.path.join(cls.home, "server.key")
        with open(cls.key_file, "w", newline="") as f:
            f.write(cls.KEY)
        cls.addClassCleanup(shutil.rmtree, cls.home, ignore_errors=True)
        cls.emu = Emu("--key-file", cls.key_file, dev=False, home=cls.home)
        cls.addClassCleanup(cls.emu.close)
        now = int(time.time())
        cls.token = M.mint_api_key(cls.KEY, now + 3600, now, "*")

    def metrics(self, ns="*", **headers):
        body = json.dumps({"jsonrpc": "2.0", "method": "sandbox.metrics.get", "params": {"namespace": ns}, "id": 1}).encode()
        h = {"Content-Type": "application/json"}
        h.update(headers)
        return self.emu.raw("POST", "/api/v1/rpc", body, h)

    def test_health_needs_no_auth(self):
        self.assertEqual(self.emu.http("GET", "/api/v1/health")[0], 200)

    def test_credentials_rules(self):
        self.assertEqual(self.metrics()[::2], (401, ENVELOPE_1001))
        self.assertEqual(self.metrics(Authorization="Bearer " + self.token)[0], 200)
        self.assertEqual(self.metrics(Authorization=self.token)[0], 200)                  # raw key accepted
        self.assertEqual(self.metrics(Authorization="bearer " + self.token)[::2], (401, ENVELOPE_1001))
        self.assertEqual(self.metrics(Authorization="Bearer " + self.KEY.strip())[::2], (401, ENVELOPE_1001))
        self.assertEqual(self.metrics(Authorization="Bearer msb_garbage")[::2], (401, ENVELOPE_1004))
        self.assertEqual(self.metrics(Authorization="Bearer \xe9" + self.token)[::2], (401, ENVELOPE_1001))
        # Proxy-Authorization wins over Authorization
        self.assertEqual(self.metrics(**{"Proxy-Authorization": "Bearer msb_x", "Authorization": "Bearer " + self.token})[::2],
                         (401, ENVELOPE_1004))
        self.assertEqual(self.metrics(**{"Proxy-Authorization": self.token})[0], 200)

    def test_key_is_used_verbatim(self):
        now = int(time.time())
        trimmed = M.mint_api_key(self.KEY.strip(), now + 3600, now, "*")
        self.assertEqual(self.metrics(Authorization="Bearer " + trimmed)[::2], (401, ENVELOPE_1004))
        self.assertEqual(read(self.key_file), self.KEY)

    def test_token_validation(self):
        now = int(time.time())
        for exp, ok in ((now - 30, True), (now - 120, False)):
            tok = M.mint_api_key(self.KEY, exp, now - 200, "*")
            self.assertEqual(self.metrics(Authorization="Bearer " + tok)[0], 200 if ok else 401, exp)
        h, p, s = self.token[4:].split(".")
        for bad in ("msb_" + h + "." + p + "." + s[:-2] + ("AA" if s[-2:] != "AA" else "BB"),
                    "msb_" + h + "=." + p + "." + s, "msb_" + p + "." + s):
            self.assertEqual(self.metrics(Authorization="Bearer " + bad)[::2], (401, ENVELOPE_1004), bad)

    def test_auth_runs_before_body_and_method_checks(self):
        status, h, body = self.emu.raw("POST", "/api/v1/rpc", b"not json", {"Content-Type": "text/plain"})
        self.assertEqual((status, body), (401, ENVELOPE_1001))
        status, h, body = self.emu.raw("GET", "/api/v1/rpc")
        self.assertEqual((status, body, h.get("allow")), (401, ENVELOPE_1001, "POST"))
        status, h, body = self.emu.raw("GET", "/api/v1/rpc", headers={"Authorization": "Bearer " + self.token})
        self.assertEqual((status, body, h.get("allow")), (405, b"", "POST"))

    def test_namespace_scoped_tokens(self):
        tok = self.emu.control("POST", "token", {"namespace": "team1"})[1]["token"]
        auth = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
        self.assertEqual(self.metrics("team1", **{"Authorization": "Bearer " + tok})[0], 400)   # ns dir missing, but allowed
        self.assertEqual(self.metrics("team2", **{"Authorization": "Bearer " + tok})[::2], (403, ENVELOPE_3001))
        self.assertEqual(self.metrics("*", **{"Authorization": "Bearer " + tok})[::2], (403, ENVELOPE_3001))
        cases = [(b'{"jsonrpc":"2.0","method":"sandbox.stop"}', "Missing 'params' field in JSON-RPC request"),
                 (b'{"jsonrpc":"2.0","method":"sandbox.stop","params":{"namespace":7}}',
                  "Missing or invalid 'namespace' in params for method 'sandbox.stop'"),
                 (b'{"jsonrpc":"2.0","params":null}', "Missing or invalid 'namespace' in params for method 'unknown'"),
                 (b"nope", "Invalid JSON-RPC request: expected ident at line 1 column 2"),
                 (b"", "Invalid JSON-RPC request: EOF while parsing a value at line 1 column 0"),
                 (b'{"jsonrpc":"2.0","method":"sandbox.metrics.get","params":{"namespace":"team1"}} x',
                  "Invalid JSON-RPC request: trailing characters at line 1 column 81")]
        for body, msg in cases:
            status, _, raw = self.emu.raw("POST", "/api/v1/rpc", body, auth)
            self.assertEqual((status, raw), (400, envelope(msg)), body)
        # the same trailing data passes with a wildcard token (axum does not check it)
        status, _, _ = self.emu.raw("POST", "/api/v1/rpc", cases[-1][0],
                                    {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
        self.assertEqual(status, 400)   # namespace dir team1 does not exist -> 2001, i.e. parsed fine
        # a scoped token can use its own namespace end to end
        status, body, _ = self.emu.start("scoped", ns="team1", token=tok)
        self.assertEqual(status, 200, body)

    def test_clock_and_expire_fault(self):
        try:
            self.emu.control("POST", "clock", {"advance": 3600 + 61})
            self.assertEqual(self.metrics(Authorization="Bearer " + self.token)[::2], (401, ENVELOPE_1004))
        finally:
            self.emu.control("POST", "clock", {"offset": 0})
        self.assertEqual(self.metrics(Authorization="Bearer " + self.token)[0], 200)
        self.emu.fault(kind="expire_tokens")
        try:
            self.assertEqual(self.metrics(Authorization="Bearer " + self.token)[::2], (401, ENVELOPE_1004))
        finally:
            self.emu.control("DELETE", "fault")
        self.assertEqual(self.metrics(Authorization="Bearer " + self.token)[0], 200)

    def test_keygen_subcommand_section_4_3(self):
        r = subprocess.run([PY, EMULATOR, "keygen", "--key-file", self.key_file, "--expire", "1h", "-n", "kg"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.fullmatch(r"Token: (msb_eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\n"
                         r"Token expires: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?\+00:00)\n"
                         r"Namespace: kg\n", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        status, _, raw = self.metrics("kg", Authorization="Bearer " + m.group(1))
        self.assertEqual((status, raw), (400, envelope("Namespace directory 'kg' does not exist")))
        r = subprocess.run([PY, EMULATOR, "keygen", "--key-file", self.key_file + ".missing"], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stderr), (1, "Error: Server key failed to generate: Server key file not found. "
                                                       "Make sure the server is running in secure mode.\n"))
        r = subprocess.run([PY, EMULATOR, "keygen", "--key-file", self.key_file, "--expire", "3q"], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stderr), (1, "Error: invalid argument: Invalid duration unit: q. Expected one of: s, m, h, d, w, mo, y\n"))

    def test_generated_key_file(self):
        home = tempfile.mkdtemp(prefix="msb-emu-gen-")
        emu = Emu(dev=False, home=home)
        try:
            key = read(os.path.join(home, "server.key"))
            self.assertRegex(key, r"^[A-Za-z0-9]{32}$")
            now = int(time.time())
            tok = M.mint_api_key(key, now + 60, now, "*")
            status, _, _ = emu.post({"jsonrpc": "2.0", "method": "sandbox.metrics.get", "params": {"namespace": "*"}, "id": 1}, tok)
            self.assertEqual(status, 200)
        finally:
            emu.close()
            shutil.rmtree(home, ignore_errors=True)


class TestVersions(unittest.TestCase):
    def test_v020_names_and_key_format(self):
        emu = Emu("--version", "0.2.0", dev=False)
        try:
            key = read(os.path.join(emu.home, "server.key"))
            now = int(time.time())
            old = M.mint_api_key(key, now + 600, now, "*", "0.2.0")
            new = M.mint_api_key(key, now + 600, now, "*")
            status, body, _ = emu.rpc("sandbox.getStatus", {"namespace": "*"}, token=old)
            self.assertEqual((status, body["result"]), (200, {"sandboxes": []}))
            status, _, raw = emu.rpc("sandbox.metrics.get", {"namespace": "*"}, token=old)
            self.assertEqual((status, raw), (404, b'{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found: sandbox.metrics.get"},"id":1}'))
            status, _, raw = emu.rpc("sandbox.getStatus", {"namespace": "*"}, token=new)
            self.assertEqual((status, raw), (401, ENVELOPE_1001))
            status, _, raw = emu.rpc("sandbox.getStatus", {}, token=old)
            self.assertEqual(raw, envelope("Invalid params for sandbox.getStatus: missing field `namespace`"))
            emu.start("v0", token=old)
            emu.wait_portal("v0")
            status, body, _ = emu.rpc("sandbox.command.execute", {"namespace": "default", "sandbox": "v0", "command": "true"}, token=old)
            self.assertEqual((status, body["result"]["success"]), (200, True))
            status, _, _ = emu.rpc("sandbox.command.run", {"namespace": "default", "sandbox": "v0", "command": "true"}, token=old)
            self.assertEqual(status, 404)
        finally:
            emu.close()

    def test_v026_rejects_old_names(self):
        emu = Emu()
        try:
            status, body, _ = emu.rpc("sandbox.command.execute", {"namespace": "default", "sandbox": "x", "command": "true"})
            self.assertEqual((status, body["error"]["code"]), (404, -32601))
        finally:
            emu.close()


# =====================================================================================
#  Fault injection
# =====================================================================================

class TestFaults(EmuCase):
    def tearDown(self):
        self.emu.control("DELETE", "fault")

    def metrics_body(self):
        return b'{"jsonrpc":"2.0","method":"sandbox.metrics.get","params":{"namespace":"*"},"id":9}'

    def test_garbage_empty_status_envelope(self):
        e = self.emu
        e.fault(kind="garbage", body="<<not json>>", times=1)
        self.assertEqual(e.post(self.metrics_body())[::2], (200, b"<<not json>>"))
        self.assertEqual(e.post(self.metrics_body())[0], 200)                 # times=1 consumed
        e.fault(kind="empty", times=1)
        status, h, body = e.post(self.metrics_body())
        self.assertEqual((status, body, h["content-length"]), (200, b"", "0"))
        e.fault(kind="proxy_502", times=1)
        status, h, body = e.post(self.metrics_body())
        self.assertEqual((status, h["content-type"]), (502, "text/html"))
        self.assertIn(b"502 Bad Gateway", body)
        e.fault(kind="status", status=503, body="busy", content_type="text/plain", times=1)
        self.assertEqual(e.post(self.metrics_body())[::2], (503, b"busy"))
        e.fault(kind="envelope", status=401, error="Invalid or expired token", code=1004, times=1)
        self.assertEqual(e.post(self.metrics_body())[::2], (401, ENVELOPE_1004))
        e.fault(kind="jsonrpc_error", status=404, code=-32601, message="Method not found: x", times=1)
        self.assertEqual(e.post(self.metrics_body())[::2],
                         (404, b'{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found: x"},"id":9}'))

    def test_connection_faults(self):
        e = self.emu
        e.fault(kind="drop", times=1)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            e.raw("POST", "/api/v1/rpc", self.metrics_body(), {"Content-Type": "application/json"})
        e.fault(kind="reset", times=1)
        with self.assertRaises((ConnectionError, http.client.RemoteDisconnected, urllib.error.URLError)):
            e.raw("POST", "/api/v1/rpc", self.metrics_body(), {"Content-Type": "application/json"})
        e.fault(kind="truncate", bytes=10, times=1)
        with self.assertRaises(http.client.IncompleteRead):
            e.raw("POST", "/api/v1/rpc", self.metrics_body(), {"Content-Type": "application/json"})
        e.fault(kind="hang", ms=5000, times=1)
        t0 = time.monotonic()
        with self.assertRaises((socket.timeout, TimeoutError, urllib.error.URLError)):
            e.raw("GET", "/api/v1/health", timeout=0.3)
        self.assertLess(time.monotonic() - t0, 2)
        e.fault(kind="delay", ms=300, path="/api/v1/health", times=1)
        t0 = time.monotonic()
        self.assertEqual(e.http("GET", "/api/v1/health")[0], 200)
        self.assertGreater(time.monotonic() - t0, 0.29)

    def test_filters_after_and_state(self):
        e = self.emu
        fid = e.fault(kind="status", status=502, method="sandbox.start", after=1, times=1)
        ok = {"jsonrpc": "2.0", "method": "sandbox.metrics.get", "params": {"namespace": "*"}, "id": 1}
        self.assertEqual(e.post(ok)[0], 200)                                   # other method: untouched
        self.assertEqual(e.start("f1")[0], 200)                               # after=1 skips the first
        self.assertIn(fid, [f["id"] for f in e.state()["faults"]])
        self.assertEqual(e.start("f1")[0], 502)
        self.assertNotIn(fid, [f["id"] for f in e.state()["faults"]])         # times=1 used up
        self.assertEqual(e.start("f1")[0], 200)
        status, body = e.control("POST", "fault", {"kind": "nonsense"})
        self.assertEqual(status, 400)

    def test_semantic_faults(self):
        e = self.emu
        self.started("sem")
        e.fault(kind="portal_unreachable", sandbox="sem", times=1)
        self.assertEqual(e.repl("sem", "1")[::2], (500, ENVELOPE_500))
        e.fault(kind="portal_status", status=502, times=1)
        self.assertEqual(e.repl("sem", "1")[::2], (500, ENVELOPE_500))
        self.assertEqual(e.last_internal_error(), "Portal returned error status 502 Bad Gateway: ")
        self.assertEqual(e.lines("sem", "print(3)"), [("stdout", "3")])
        e.fault(kind="pull_fail", times=1)
        self.assertEqual(e.start("sem2")[::2], (500, ENVELOPE_500))

    def test_control_kill_repl_and_crash(self):
        e = self.emu
        self.started("victim")
        e.lines("victim", "1")
        status, body = e.control("POST", "sandbox/kill-repl", {"namespace": "default", "sandbox": "victim"})
        self.assertEqual(status, 200)
        time.sleep(0.1)
        self.assertEqual(e.lines("victim", "1"), [("stderr", "Error: Engine unavailable: Python process channel closed")])
        e.control("POST", "sandbox/crash", {"namespace": "default", "sandbox": "victim"})
        self.assertEqual(e.repl("victim", "1")[::2], (500, ENVELOPE_500))
        _, body, _ = e.rpc("sandbox.metrics.get", {"namespace": "default", "sandbox": "victim"})
        self.assertFalse(body["result"]["sandboxes"][0]["running"])


class TestStartupModes(unittest.TestCase):
    def test_cli_fault_flag(self):
        emu = Emu("--fault", json.dumps({"kind": "status", "status": 503, "path": "/api/v1/health", "times": 2}))
        try:
            self.assertEqual(emu.http("GET", "/api/v1/health")[0], 503)
            self.assertEqual(emu.http("GET", "/api/v1/health")[0], 503)
            self.assertEqual(emu.http("GET", "/api/v1/health")[0], 200)
        finally:
            emu.close()

    def test_never_listen_and_listen_delay(self):
        emu = Emu("--never-listen")
        try:
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", emu.port), timeout=2)
        finally:
            self.assertEqual(emu.close(), 0)
        emu = Emu("--listen-delay", "0.6")
        try:
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", emu.port), timeout=2)
            end = time.monotonic() + 5
            while True:
                try:
                    socket.create_connection(("127.0.0.1", emu.port), timeout=2).close()
                    break
                except ConnectionRefusedError:
                    self.assertLess(time.monotonic(), end)
                    time.sleep(0.05)
            self.assertEqual(emu.http("GET", "/api/v1/health")[0], 200)
        finally:
            emu.close()

    def test_refuses_non_loopback_and_no_control(self):
        r = subprocess.run([PY, EMULATOR, "--host", "0.0.0.0", "--port", "0", "--dev"], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")
        r = subprocess.run([PY, EMULATOR, "--host", "localhost", "--port", "0", "--dev"], capture_output=True, text=True, timeout=20)
        self.assertEqual((r.returncode, r.stderr), (1, "Error: Server configuration failed: Invalid host address: localhost\n"))
        emu = Emu("--no-control")
        try:
            self.assertEqual(emu.http("GET", "/__emulator/state")[::2], (404, b""))
        finally:
            emu.close()

    def test_key_flags(self):
        home = tempfile.mkdtemp(prefix="msb-emu-test-")
        self.addCleanup(shutil.rmtree, home, ignore_errors=True)
        now = int(time.time())
        metrics = {"jsonrpc": "2.0", "method": "sandbox.metrics.get", "params": {"namespace": "*"}, "id": 1}
        emu = Emu("--key", "given-key", dev=False, home=home)        # --key wins and is written
        self.addCleanup(emu.close)
        self.assertEqual(read(os.path.join(home, "server.key")), "given-key")
        self.assertEqual(emu.post(metrics, M.mint_api_key("given-key", now + 60, now, "*"))[0], 200)
        emu.close()
        emu = Emu(dev=False, home=home)                               # the file is reused as is
        self.addCleanup(emu.close)
        self.assertEqual(emu.post(metrics, M.mint_api_key("given-key", now + 60, now, "*"))[0], 200)
        emu.close()
        emu = Emu("--reset-key", dev=False, home=home)                # a new key invalidates tokens
        self.addCleanup(emu.close)
        self.assertNotEqual(read(os.path.join(home, "server.key")), "given-key")
        self.assertEqual(emu.post(metrics, M.mint_api_key("given-key", now + 60, now, "*"))[::2], (401, ENVELOPE_1004))
        self.assertEqual(emu.control("POST", "token", {})[0], 200)
        emu.close()

    def test_verbose_log_and_proxy_env(self):
        env = dict(os.environ, HTTP_PROXY="http://127.0.0.1:9", http_proxy="http://127.0.0.1:9")
        env.pop("NO_PROXY", None)
        env.pop("no_proxy", None)
        emu = Emu("--honour-proxy-env", "--verbose", env=env)
        self.addCleanup(emu.close)
        emu.start("px")
        emu.wait_portal("px")
        self.assertEqual(emu.repl("px", "1")[::2], (500, ENVELOPE_500))
        self.assertTrue(emu.last_internal_error().startswith("Portal returned error status 502 Bad Gateway: <html>"))
        log = emu.stderr_text()
        self.assertRegex(log, r"\d{4}-\d\d-\d\dT[\d:.]+Z  INFO microsandbox_server::middleware: Request: POST /api/v1/rpc\n")
        self.assertIn("  INFO microsandbox_server::middleware: Response: POST /api/v1/rpc: 500 Internal Server Error\n", log)
        self.assertIn(" ERROR microsandbox_server::error: Internal error details=\"Portal returned error status 502", log)
        emu.close()
        env["NO_PROXY"] = "127.0.0.1,localhost"
        emu = Emu("--honour-proxy-env", env=env)
        self.addCleanup(emu.close)
        emu.start("px")
        emu.wait_portal("px")
        self.assertEqual(emu.lines("px", "print(7)"), [("stdout", "7")])

    def test_port_in_use(self):
        emu = Emu()
        try:
            r = subprocess.run([PY, EMULATOR, "--port", str(emu.port), "--dev"], capture_output=True, text=True, timeout=20)
            self.assertEqual((r.returncode, r.stderr), (1, "Error: io error: Address already in use (os error 98)\n"))
        finally:
            emu.close()

    def test_ipv6_loopback(self):
        if not socket.has_ipv6:
            self.skipTest("no IPv6")
        try:
            s = socket.socket(socket.AF_INET6)
            s.bind(("::1", 0))
            s.close()
        except OSError:
            self.skipTest("::1 not available")
        emu = Emu("--host", "::1")
        try:
            c = http.client.HTTPConnection("::1", emu.port, timeout=10)
            c.request("GET", "/api/v1/health")
            self.assertEqual(c.getresponse().status, 200)
            c.close()
        finally:
            emu.close()


# =====================================================================================
#  Clean shutdown: no orphans
# =====================================================================================

def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class TestShutdown(unittest.TestCase):
    def _populate(self, emu):
        emu.start("sd")
        emu.wait_portal("sd")
        out = emu.lines("sd", "import subprocess\np = subprocess.Popen(['sleep', '300'])\nprint(p.pid)")
        grandchild = int(out[0][1])
        repl = emu.sandbox_state("sd")["repl_pid"]
        hung = threading.Thread(target=lambda: emu.command("sd", "sleep", ["300"]), daemon=True)
        hung.start()
        end = time.monotonic() + 5
        while len(emu.sandbox_state("sd")["process_groups"]) < 2:
            self.assertLess(time.monotonic(), end)
            time.sleep(0.02)
        groups = emu.sandbox_state("sd")["process_groups"]
        pids = {repl, grandchild} | set(groups)
        for pid in pids:
            self.assertTrue(alive(pid), pid)
        return pids

    def test_sigterm_stops_every_child(self):
        emu = Emu()
        self.addCleanup(emu.close)
        pids = self._populate(emu)
        home = emu.home
        t0 = time.monotonic()
        emu.proc.send_signal(signal.SIGTERM)
        self.assertEqual(emu.proc.wait(10), 0)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(emu.proc.stdout.read(), b"")          # exactly one stdout line in total
        end = time.monotonic() + 5
        while any(alive(p) for p in pids) and time.monotonic() < end:
            time.sleep(0.05)
        self.assertEqual([p for p in pids if alive(p)], [])
        self.assertTrue(os.path.isdir(home))                    # an explicit --home is kept

    def test_automatic_home_removed_and_sigkill_kills_repl(self):
        emu = Emu(home=False)
        self.addCleanup(emu.close)
        home = emu.state()["home"]
        self.assertTrue(os.path.isdir(home))
        emu.start("k")
        emu.wait_portal("k")
        emu.lines("k", "1")
        emu.proc.send_signal(signal.SIGTERM)
        self.assertEqual(emu.proc.wait(10), 0)
        self.assertFalse(os.path.exists(home))                  # the automatic home is removed
        # SIGKILL: no cleanup runs, yet the REPL child dies with it (PR_SET_PDEATHSIG)
        emu2 = Emu()
        self.addCleanup(emu2.close)
        emu2.start("k")
        emu2.wait_portal("k")
        emu2.lines("k", "1")
        repl = emu2.sandbox_state("k")["repl_pid"]
        self.assertTrue(alive(repl))
        emu2.proc.kill()
        emu2.proc.wait()
        end = time.monotonic() + 5
        while alive(repl) and time.monotonic() < end:
            time.sleep(0.05)
        self.assertFalse(alive(repl))

if __name__ == "__main__":
    unittest.main()
