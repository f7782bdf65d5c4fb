#!/usr/bin/env python3
# =====================================================================================
#  msb_emulator.py -- TEST EMULATOR of the microsandbox 0.2.x server (msbserver)
# =====================================================================================
#
#  THIS IS A TEST TOOL. It is not a PySandbox engine, it is never built into, shipped
#  with or installed by PySandbox, and no code outside tests/ may use it.
#
#  It emulates, over real HTTP on loopback, what a client of `msbserver` 0.2.x observes:
#  routes, JSON shapes, the three error shapes, auth (HS256 JWT API keys), sandbox
#  states and persistence, the timing of image pulls and VM boots, and the quirks of the
#  portal's line-fed Python REPL. The contract it follows is
#  /work/shared/docs/microsandbox-0.2-protocol.md (the "protocol doc"; section numbers
#  below refer to it; its section 12 overrides earlier sections). Details the doc leaves
#  open were taken from the upstream sources it cites (microsandbox 0.2.6, axum 0.8,
#  serde_json 1.0.140, serde_path_to_error 0.1.16, jsonwebtoken 9.3.1, tower-http 0.6.2).
#  tests/emulator/README.md lists what is emulated and what is not.
#
#  !!! NOTHING RUNS IN A SANDBOX HERE !!!
#  `sandbox.repl.run` feeds the submitted code to a real, persistent, UNSANDBOXED
#  `python3 -i` child on this machine and `sandbox.command.run` runs real commands
#  here, as the user running the emulator. Only ever send it trusted TEST snippets.
#
#  It listens on loopback only (127.0.0.1/8 or ::1) and never opens a connection to
#  anything (the "portal" of each sandbox is emulated in-process).
#
#  Python 3 standard library only.
# =====================================================================================
"""TEST EMULATOR of the microsandbox 0.2.x server. Not an engine; never shipped.

Usage:  msb_emulator.py [--port 0] [--dev | --key-file PATH] [--time-scale 0.01] ...
        msb_emulator.py keygen (--home DIR | --key-file PATH) [--expire 24h] [-n NS]
See tests/emulator/README.md.
"""

import argparse
import base64
import collections
import ctypes
import email.utils
import hashlib
import hmac
import http.server
import ipaddress
import json
import os
import random
import re
import select
import selectors
import shutil
import signal
import socket
import socketserver
import string
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unicodedata
import urllib.parse

VERSIONS = ("0.2.0", "0.2.1", "0.2.2", "0.2.3", "0.2.4", "0.2.5", "0.2.6")
BODY_LIMIT = 2 * 1024 * 1024          # axum DefaultBodyLimit (section 2.2)
READ_CAP = 64 * 1024 * 1024           # the emulator refuses to buffer more than this
PORTAL_GUEST_PORT = 4444
JWT_LEEWAY = 60                       # jsonwebtoken 9 default (section 2.5)
API_KEY_PREFIX = "msb_"
JWT_HEADER_B64 = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9"   # {"typ":"JWT","alg":"HS256"}
DEFAULT_SANDBOXFILE = "# Sandbox configurations\nsandboxes:\n"
REPL_ARGS = ["-q", "-u", "-i", "-c", "import sys; sys.ps1=sys.ps2=''"]
CORS_VARY = "origin, access-control-request-method, access-control-request-headers"
CORS_METHODS = "GET,POST,PUT,DELETE"
CORS_HEADERS = "authorization,accept,content-type"
# Rust's str::trim() strips White_Space characters (a slightly different set than str.strip()).
RUST_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007" \
          "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
REASONS = {100: "Continue", 200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
           413: "Payload Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
           422: "Unprocessable Entity", 429: "Too Many Requests",
           431: "Request Header Fields Too Large", 500: "Internal Server Error",
           501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout", 505: "HTTP Version Not Supported"}


def reason(code):
    if code in REASONS:
        return REASONS[code]
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


# =====================================================================================
#  Logging (stderr only; stdout carries exactly one line: MSB-EMULATOR LISTENING <port>)
# =====================================================================================

class Log:
    verbose = False
    lock = threading.Lock()
    errors = collections.deque(maxlen=200)     # hidden InternalError details, for /__emulator/state

    @classmethod
    def write(cls, level, target, msg):
        if not cls.verbose:
            return
        now = time.time()
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%06dZ" % int((now % 1) * 1e6)
        with cls.lock:
            sys.stderr.write("%s %5s %s: %s\n" % (ts, level, target, msg))
            sys.stderr.flush()

    @classmethod
    def internal(cls, detail):
        cls.errors.append({"time": time.time(), "detail": detail})
        cls.write("ERROR", "microsandbox_server::error", "Internal error details=%s" % json.dumps(detail))


# =====================================================================================
#  serde_json compatibility: parsing with serde_json's error texts and positions,
#  serde_path_to_error paths, and serde_json's serialisation (section 2.3 key order).
# =====================================================================================

EOF_LIST = "EOF while parsing a list"
EOF_OBJECT = "EOF while parsing an object"
EOF_STRING = "EOF while parsing a string"
EOF_VALUE = "EOF while parsing a value"
EXPECTED_COLON = "expected `:`"
EXPECTED_LIST_COMMA_OR_END = "expected `,` or `]`"
EXPECTED_OBJECT_COMMA_OR_END = "expected `,` or `}`"
EXPECTED_IDENT = "expected ident"
EXPECTED_VALUE = "expected value"
INVALID_ESCAPE = "invalid escape"
INVALID_NUMBER = "invalid number"
NUMBER_OUT_OF_RANGE = "number out of range"
INVALID_UNICODE = "invalid unicode code point"
CONTROL_CHAR = "control character (\\u0000-\\u001F) found while parsing a string"
KEY_MUST_BE_STRING = "key must be a string"
LONE_LEADING_SURROGATE = "lone leading surrogate in hex escape"
TRAILING_COMMA = "trailing comma"
TRAILING_CHARS = "trailing characters"
UNEXPECTED_END_HEX = "unexpected end of hex escape"
RECURSION_LIMIT = "recursion limit exceeded"
_EOF_CODES = {EOF_LIST, EOF_OBJECT, EOF_STRING, EOF_VALUE}
_SYNTAX_CODES = {EXPECTED_COLON, EXPECTED_LIST_COMMA_OR_END, EXPECTED_OBJECT_COMMA_OR_END,
                 EXPECTED_IDENT, EXPECTED_VALUE, INVALID_ESCAPE, INVALID_NUMBER,
                 NUMBER_OUT_OF_RANGE, INVALID_UNICODE, CONTROL_CHAR, KEY_MUST_BE_STRING,
                 LONE_LEADING_SURROGATE, TRAILING_COMMA, TRAILING_CHARS, UNEXPECTED_END_HEX,
                 RECURSION_LIMIT}
UNKNOWN = object()            # serde_path_to_error's Segment::Unknown ("?")
_STR_SPECIAL = re.compile(rb'["\\\x00-\x1f]')
_HEX4 = re.compile(rb"[0-9A-Fa-f]{4}")


class JsonError(Exception):
    """A serde_json::Error: code text, optional position, category, and (once
    triggered) a serde_path_to_error path."""

    def __init__(self, code, line=0, column=0):
        super().__init__(code)
        self.code = code
        self.line = line
        self.column = column
        self.path = None

    @property
    def category(self):
        if self.code in _EOF_CODES:
            return "eof"
        if self.code in _SYNTAX_CODES:
            return "syntax"
        return "data"

    def text(self):
        if self.line == 0:
            return self.code
        return "%s at line %d column %d" % (self.code, self.line, self.column)

    def path_text(self):
        """Display of serde_path_to_error::Error."""
        segs = self.path or []
        if all(s is UNKNOWN for s in segs):
            return self.text()
        out, sep = "", ""
        for s in segs:
            if isinstance(s, int):
                out += "[%d]" % s
            else:
                out += sep + ("?" if s is UNKNOWN else s)
            sep = "."
        return "%s: %s" % (out, self.text())


def _trig(err, path):
    if err.path is None:
        err.path = list(path)
    return err


def rust_debug_str(s):
    """Rust's `{:?}` of a str (used by serde's Unexpected::Str)."""
    out = ['"']
    for i, ch in enumerate(s):
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\0":
            out.append("\\0")
        else:
            cat = unicodedata.category(ch)
            printable = cat not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") and \
                (cat != "Zs" or ch == " ")
            if printable and not (i == 0 and cat in ("Mn", "Me")):
                out.append(ch)
            else:
                out.append("\\u{%x}" % ord(ch))
    out.append('"')
    return "".join(out)


def ryu_f64(f):
    """serde_json's f64 formatting (ryu 'pretty' format)."""
    if f != f or f in (float("inf"), float("-inf")):
        return "null"
    if f == 0:
        return "-0.0" if str(f).startswith("-") else "0.0"
    r = repr(abs(f))
    if "e" in r:
        mant, exp = r.split("e")
        exp = int(exp)
    else:
        mant, exp = r, 0
    ip, _, fp = mant.partition(".")
    d = (ip + fp).lstrip("0")
    k = exp - len(fp)
    stripped = d.rstrip("0")
    k += len(d) - len(stripped)
    d = stripped
    length = len(d)
    kk = length + k
    if 0 <= k and kk <= 16:
        s = d + "0" * k + ".0"
    elif 0 < kk <= 16:
        s = d[:kk] + "." + d[kk:]
    elif -5 < kk <= 0:
        s = "0." + "0" * (-kk) + d
    elif length == 1:
        s = d + "e" + str(kk - 1)
    else:
        s = d[0] + "." + d[1:] + "e" + str(kk - 1)
    return ("-" if f < 0 else "") + s


def unexpected(v):
    """serde_json's JsonUnexpected Display for a deserialised value."""
    if v is None:
        return "null"
    if v is True or v is False:
        return "boolean `%s`" % ("true" if v else "false")
    if isinstance(v, int):
        return "integer `%d`" % v
    if isinstance(v, float):
        return "floating point `%s`" % ryu_f64(v)
    if isinstance(v, str):
        return "string " + rust_debug_str(v)
    if isinstance(v, list):
        return "sequence"
    return "map"


class _Reader:
    """serde_json::Deserializer over a byte slice (SliceRead)."""

    def __init__(self, data):
        self.s = data
        self.i = 0
        self.depth = 128

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else None

    def next(self):
        if self.i < len(self.s):
            c = self.s[self.i]
            self.i += 1
            return c
        return None

    def _pos(self, i):
        start = self.s.rfind(b"\n", 0, i) + 1
        return 1 + self.s.count(b"\n", 0, start), i - start

    def error(self, code):
        line, col = self._pos(self.i)
        return JsonError(code, line, col)

    def peek_error(self, code):
        line, col = self._pos(min(len(self.s), self.i + 1))
        return JsonError(code, line, col)

    def fix(self, err):
        if err.line == 0:
            err.line, err.column = self._pos(self.i)
        return err

    def ws(self):
        s, n, i = self.s, len(self.s), self.i
        while i < n and s[i] in b" \n\t\r":
            i += 1
        self.i = i
        return s[i] if i < n else None

    # ---- scalars -------------------------------------------------------------------
    def parse_ident(self, rest):
        for expected in rest:
            c = self.next()
            if c is None:
                raise self.error(EOF_VALUE)
            if c != expected:
                raise self.error(EXPECTED_IDENT)

    def parse_integer(self, positive):
        """-> (kind, value) with kind 'u' (u64), 'i' (i64) or 'f' (f64)."""
        start = self.i
        c = self.next()
        if c is None:
            raise self.error(EOF_VALUE)
        if c == 0x30:
            p = self.peek()
            if p is not None and 0x30 <= p <= 0x39:
                raise self.peek_error(INVALID_NUMBER)
            return self._parse_number(positive, 0, start)
        if 0x31 <= c <= 0x39:
            sig = c - 0x30
            while True:
                p = self.peek()
                if p is not None and 0x30 <= p <= 0x39:
                    d = p - 0x30
                    if sig > 1844674407370955161 or (sig == 1844674407370955161 and d > 5):
                        return "f", self._parse_long(positive, start)
                    self.i += 1
                    sig = sig * 10 + d
                else:
                    return self._parse_number(positive, sig, start)
        raise self.error(INVALID_NUMBER)

    def _parse_number(self, positive, sig, start):
        p = self.peek()
        if p == 0x2E:
            return "f", self._parse_decimal(positive, start)
        if p in (0x65, 0x45):
            return "f", self._parse_exponent(positive, start)
        if positive:
            return "u", sig
        if sig == 0 or sig > 2 ** 63:
            return "f", -float(sig)
        return "i", -sig

    def _parse_long(self, positive, start):
        while True:
            p = self.peek()
            if p is not None and 0x30 <= p <= 0x39:
                self.i += 1
            elif p == 0x2E:
                return self._parse_decimal(positive, start)
            elif p in (0x65, 0x45):
                return self._parse_exponent(positive, start)
            else:
                return self._finish_float(positive, start)

    def _parse_decimal(self, positive, start):
        self.i += 1
        digits = 0
        while True:
            p = self.peek()
            if p is not None and 0x30 <= p <= 0x39:
                self.i += 1
                digits += 1
            else:
                break
        if digits == 0:
            if self.peek() is not None:
                raise self.peek_error(INVALID_NUMBER)
            raise self.peek_error(EOF_VALUE)
        if self.peek() in (0x65, 0x45):
            return self._parse_exponent(positive, start)
        return self._finish_float(positive, start)

    def _parse_exponent(self, positive, start):
        self.i += 1
        if self.peek() in (0x2B, 0x2D):
            self.i += 1
        c = self.next()
        if c is None:
            raise self.error(EOF_VALUE)
        if not 0x30 <= c <= 0x39:
            raise self.error(INVALID_NUMBER)
        while True:
            p = self.peek()
            if p is not None and 0x30 <= p <= 0x39:
                self.i += 1
            else:
                break
        return self._finish_float(positive, start)

    def _finish_float(self, positive, start):
        f = float(self.s[start:self.i].decode("ascii"))
        if f in (float("inf"), float("-inf")):
            raise self.error(NUMBER_OUT_OF_RANGE)
        return f if positive else -f

    def _decode_hex(self):
        if self.i + 4 > len(self.s):
            self.i = len(self.s)
            raise self.error(EOF_STRING)
        h = self.s[self.i:self.i + 4]
        self.i += 4
        if not _HEX4.fullmatch(h):
            raise self.error(INVALID_ESCAPE)
        return int(h, 16)

    def _parse_escape(self, buf):
        c = self.next()
        if c is None:
            raise self.error(EOF_STRING)
        simple = {0x22: b'"', 0x5C: b"\\", 0x2F: b"/", 0x62: b"\x08", 0x66: b"\x0c",
                  0x6E: b"\n", 0x72: b"\r", 0x74: b"\t"}
        if c in simple:
            buf += simple[c]
            return
        if c != 0x75:
            raise self.error(INVALID_ESCAPE)
        n1 = self._decode_hex()
        if 0xDC00 <= n1 <= 0xDFFF:
            raise self.error(LONE_LEADING_SURROGATE)
        if n1 < 0xD800 or n1 > 0xDBFF:
            buf += chr(n1).encode("utf-8")
            return
        for expected in (0x5C, 0x75):
            p = self.peek()
            if p is None:
                raise self.error(EOF_STRING)
            self.i += 1
            if p != expected:
                raise self.error(UNEXPECTED_END_HEX)
        n2 = self._decode_hex()
        if n2 < 0xDC00 or n2 > 0xDFFF:
            raise self.error(LONE_LEADING_SURROGATE)
        buf += chr((((n1 - 0xD800) << 10) | (n2 - 0xDC00)) + 0x10000).encode("utf-8")

    def parse_str(self):
        """After the opening quote; validates like serde_json's parse_str."""
        s, n = self.s, len(self.s)
        buf = bytearray()
        start = self.i
        while True:
            m = _STR_SPECIAL.search(s, self.i)
            if m is None:
                self.i = n
                raise self.error(EOF_STRING)
            j = m.start()
            ch = s[j]
            if ch == 0x22:
                buf += s[start:j]
                self.i = j + 1
                try:
                    return buf.decode("utf-8")
                except UnicodeDecodeError:
                    raise self.error(INVALID_UNICODE) from None
            if ch == 0x5C:
                buf += s[start:j]
                self.i = j + 1
                self._parse_escape(buf)
                start = self.i
            else:
                self.i = j + 1
                raise self.error(CONTROL_CHAR)

    def ignore_str(self):
        s, n = self.s, len(self.s)
        while True:
            m = _STR_SPECIAL.search(s, self.i)
            if m is None:
                self.i = n
                raise self.error(EOF_STRING)
            j = m.start()
            ch = s[j]
            if ch == 0x22:
                self.i = j + 1
                return
            if ch == 0x5C:
                self.i = j + 1
                c = self.next()
                if c is None:
                    raise self.error(EOF_STRING)
                if c == 0x75:
                    self._decode_hex()
                elif c not in b'"\\/bfnrt':
                    raise self.error(INVALID_ESCAPE)
            else:
                self.i = j
                raise self.error(CONTROL_CHAR)

    def _ignore_integer(self):
        c = self.next()
        if c == 0x30:
            p = self.peek()
            if p is not None and 0x30 <= p <= 0x39:
                raise self.peek_error(INVALID_NUMBER)
        elif c is not None and 0x31 <= c <= 0x39:
            while self.peek() is not None and 0x30 <= self.peek() <= 0x39:
                self.i += 1
        else:
            raise self.error(INVALID_NUMBER)
        p = self.peek()
        if p == 0x2E:
            self.i += 1
            any_digit = False
            while self.peek() is not None and 0x30 <= self.peek() <= 0x39:
                self.i += 1
                any_digit = True
            if not any_digit:
                raise self.peek_error(INVALID_NUMBER)
            p = self.peek()
        if p in (0x65, 0x45):
            self.i += 1
            if self.peek() in (0x2B, 0x2D):
                self.i += 1
            c = self.next()
            if c is None or not 0x30 <= c <= 0x39:
                raise self.error(INVALID_NUMBER)
            while self.peek() is not None and 0x30 <= self.peek() <= 0x39:
                self.i += 1

    def ignore_value(self):
        """serde_json's ignore_value (IgnoredAny); iterative, no recursion limit."""
        scratch = []
        enclosing = None
        while True:
            peek = self.ws()
            if peek is None:
                raise self.peek_error(EOF_VALUE)
            frame = None
            if peek == 0x6E:
                self.i += 1
                self.parse_ident(b"ull")
            elif peek == 0x74:
                self.i += 1
                self.parse_ident(b"rue")
            elif peek == 0x66:
                self.i += 1
                self.parse_ident(b"alse")
            elif peek == 0x2D:
                self.i += 1
                self._ignore_integer()
            elif 0x30 <= peek <= 0x39:
                self._ignore_integer()
            elif peek == 0x22:
                self.i += 1
                self.ignore_str()
            elif peek in (0x5B, 0x7B):
                if enclosing is not None:
                    scratch.append(enclosing)
                    enclosing = None
                self.i += 1
                frame = peek
            else:
                raise self.peek_error(EXPECTED_VALUE)
            if frame is not None:
                accept_comma = False
            elif enclosing is not None:
                frame, enclosing, accept_comma = enclosing, None, True
            elif scratch:
                frame, accept_comma = scratch.pop(), True
            else:
                return
            while True:
                p = self.ws()
                if p == 0x2C and accept_comma:
                    self.i += 1
                    break
                if (p == 0x5D and frame == 0x5B) or (p == 0x7D and frame == 0x7B):
                    pass
                elif p is not None:
                    if accept_comma:
                        raise self.peek_error(EXPECTED_LIST_COMMA_OR_END if frame == 0x5B
                                              else EXPECTED_OBJECT_COMMA_OR_END)
                    break
                else:
                    raise self.peek_error(EOF_LIST if frame == 0x5B else EOF_OBJECT)
                self.i += 1
                if not scratch:
                    return
                frame = scratch.pop()
                accept_comma = True
            if frame == 0x7B:
                p = self.ws()
                if p == 0x22:
                    self.i += 1
                elif p is not None:
                    raise self.peek_error(KEY_MUST_BE_STRING)
                else:
                    raise self.peek_error(EOF_OBJECT)
                self.ignore_str()
                p = self.ws()
                if p == 0x3A:
                    self.i += 1
                elif p is not None:
                    raise self.peek_error(EXPECTED_COLON)
                else:
                    raise self.peek_error(EOF_OBJECT)
            enclosing = frame

    def peek_invalid_type(self, expected):
        p = self.peek()
        p = 0 if p is None else p
        if p == 0x6E:
            self.i += 1
            self.parse_ident(b"ull")
            err = JsonError("invalid type: null, expected %s" % expected)
        elif p == 0x74:
            self.i += 1
            self.parse_ident(b"rue")
            err = JsonError("invalid type: boolean `true`, expected %s" % expected)
        elif p == 0x66:
            self.i += 1
            self.parse_ident(b"alse")
            err = JsonError("invalid type: boolean `false`, expected %s" % expected)
        elif p == 0x2D or 0x30 <= p <= 0x39:
            if p == 0x2D:
                self.i += 1
            _, v = self.parse_integer(p != 0x2D)
            err = JsonError("invalid type: %s, expected %s" % (unexpected(v), expected))
        elif p == 0x22:
            self.i += 1
            v = self.parse_str()
            err = JsonError("invalid type: %s, expected %s" % (unexpected(v), expected))
        elif p == 0x5B:
            err = JsonError("invalid type: sequence, expected %s" % expected)
        elif p == 0x7B:
            err = JsonError("invalid type: map, expected %s" % expected)
        else:
            return self.peek_error(EXPECTED_VALUE)
        return self.fix(err)

    def end_seq(self):
        p = self.ws()
        if p == 0x5D:
            self.i += 1
            return
        if p == 0x2C:
            self.i += 1
            if self.ws() == 0x5D:
                raise self.peek_error(TRAILING_COMMA)
            raise self.peek_error(TRAILING_CHARS)
        if p is not None:
            raise self.peek_error(TRAILING_CHARS)
        raise self.peek_error(EOF_LIST)

    def end_map(self):
        p = self.ws()
        if p == 0x7D:
            self.i += 1
            return
        if p == 0x2C:
            raise self.peek_error(TRAILING_COMMA)
        if p is not None:
            raise self.peek_error(TRAILING_CHARS)
        raise self.peek_error(EOF_OBJECT)

    # ---- containers with serde_path_to_error paths ----------------------------------
    def has_next_element(self, first, path):
        p = self.ws()
        if p is None:
            raise _trig(self.peek_error(EOF_LIST), path)
        if p == 0x5D:
            return False
        if first:
            return True
        if p == 0x2C:
            self.i += 1
            p2 = self.ws()
            if p2 == 0x5D:
                raise _trig(self.peek_error(TRAILING_COMMA), path)
            if p2 is None:
                raise _trig(self.peek_error(EOF_VALUE), path)
            return True
        raise _trig(self.peek_error(EXPECTED_LIST_COMMA_OR_END), path)

    def has_next_key(self, first, path):
        kp = path + [UNKNOWN]
        p = self.ws()
        if p is None:
            raise _trig(self.peek_error(EOF_OBJECT), kp)
        if p == 0x7D:
            return False
        if first:
            if p == 0x22:
                return True
            raise _trig(self.peek_error(KEY_MUST_BE_STRING), kp)
        if p == 0x2C:
            self.i += 1
            p2 = self.ws()
            if p2 == 0x22:
                return True
            if p2 == 0x7D:
                raise _trig(self.peek_error(TRAILING_COMMA), kp)
            if p2 is None:
                raise _trig(self.peek_error(EOF_VALUE), kp)
            raise _trig(self.peek_error(KEY_MUST_BE_STRING), kp)
        raise _trig(self.peek_error(EXPECTED_OBJECT_COMMA_OR_END), kp)

    def map_key(self, path):
        self.i += 1
        try:
            return self.parse_str()
        except JsonError as e:
            raise _trig(e, path + [UNKNOWN])

    def colon(self, path):
        p = self.ws()
        if p == 0x3A:
            self.i += 1
            return
        if p is None:
            raise _trig(self.peek_error(EOF_OBJECT), path)
        raise _trig(self.peek_error(EXPECTED_COLON), path)

    def _enter(self):
        self.depth -= 1
        if self.depth == 0:
            raise self.peek_error(RECURSION_LIMIT)

    def any(self, path):
        """deserialize_any into a serde_json::Value."""
        try:
            p = self.ws()
            if p is None:
                raise self.peek_error(EOF_VALUE)
            if p == 0x6E:
                self.i += 1
                self.parse_ident(b"ull")
                return None
            if p == 0x74:
                self.i += 1
                self.parse_ident(b"rue")
                return True
            if p == 0x66:
                self.i += 1
                self.parse_ident(b"alse")
                return False
            if p == 0x2D:
                self.i += 1
                return self.parse_integer(False)[1]
            if 0x30 <= p <= 0x39:
                return self.parse_integer(True)[1]
            if p == 0x22:
                self.i += 1
                return self.parse_str()
            if p == 0x5B:
                self._enter()
                self.i += 1
                out, first, idx = [], True, 0
                while self.has_next_element(first, path):
                    first = False
                    out.append(self.any(path + [idx]))
                    idx += 1
                self.depth += 1
                self.end_seq()
                return out
            if p == 0x7B:
                self._enter()
                self.i += 1
                out, first = {}, True
                while self.has_next_key(first, path):
                    first = False
                    key = self.map_key(path)
                    self.colon(path)
                    out[key] = self.any(path + [key])
                self.depth += 1
                self.end_map()
                return out
            raise self.peek_error(EXPECTED_VALUE)
        except JsonError as e:
            raise _trig(self.fix(e), path)

    def string_field(self, path):
        try:
            p = self.ws()
            if p is None:
                raise self.peek_error(EOF_VALUE)
            if p == 0x22:
                self.i += 1
                return self.parse_str()
            raise self.peek_invalid_type("a string")
        except JsonError as e:
            raise _trig(self.fix(e), path)

    def option_value_field(self, path):
        try:
            if self.ws() == 0x6E:
                self.i += 1
                self.parse_ident(b"ull")
                return None
        except JsonError as e:
            raise _trig(e, path)
        return self.any(path)

    def end(self):
        if self.ws() is not None:
            raise self.peek_error(TRAILING_CHARS)


def parse_json_document(data):
    """serde_json::from_slice::<Value>(data): whole document, trailing data refused."""
    r = _Reader(bytes(data))
    v = r.any([])
    r.end()
    return v


_RPC_FIELDS = (("jsonrpc", "string"), ("method", "string"), ("params", "value"), ("id", "option"))


def parse_rpc_request(data):
    """axum's Json<JsonRpcRequest> extraction: serde_path_to_error::deserialize over
    serde_json::Deserializer::from_slice, WITHOUT the trailing-data check (axum 0.8.1
    does not call Deserializer::end). Returns dict(jsonrpc, method, params, id, has_id)."""
    r = _Reader(bytes(data))
    path = []
    p = r.ws()
    if p is None:
        raise _trig(r.peek_error(EOF_VALUE), path)
    if p not in (0x5B, 0x7B):
        raise _trig(r.peek_invalid_type("struct JsonRpcRequest"), path)
    r._enter()
    r.i += 1
    err, ret = None, None
    try:
        ret = _rpc_visit_seq(r, path) if p == 0x5B else _rpc_visit_map(r, path)
    except JsonError as e:
        err = e
    try:
        r.end_seq() if p == 0x5B else r.end_map()
    except JsonError as e:
        if err is None:
            err = e
    if err is not None:
        raise _trig(r.fix(err), path)
    return ret


def _rpc_field(r, kind, path):
    if kind == "string":
        return r.string_field(path)
    if kind == "value":
        return r.any(path)
    return r.option_value_field(path)


def _rpc_visit_map(r, path):
    seen = {}
    first = True
    while r.has_next_key(first, path):
        first = False
        key = r.map_key(path)
        kind = dict(_RPC_FIELDS).get(key)
        if kind is not None and key in seen:
            raise JsonError("duplicate field `%s`" % key)
        r.colon(path)
        if kind is None:
            try:
                r.ignore_value()
            except JsonError as e:
                raise _trig(e, path + [key])
            continue
        seen[key] = _rpc_field(r, kind, path + [key])
    for name in ("jsonrpc", "method"):
        if name not in seen:
            raise JsonError("missing field `%s`" % name)
    return {"jsonrpc": seen["jsonrpc"], "method": seen["method"],
            "params": seen.get("params"), "id": seen.get("id"), "has_id": seen.get("id") is not None}


def _rpc_visit_seq(r, path):
    vals = []
    first = True
    for idx, (_, kind) in enumerate(_RPC_FIELDS):
        if not r.has_next_element(first, path):
            if kind == "value":
                vals.append(None)
                continue
            raise JsonError("invalid length %d, expected struct JsonRpcRequest with 4 elements" % idx)
        first = False
        vals.append(_rpc_field(r, kind, path + [idx]))
    return {"jsonrpc": vals[0], "method": vals[1], "params": vals[2], "id": vals[3],
            "has_id": vals[3] is not None}


# ---- serde_json::from_value into the server's / portal's param structs ----------------

def _sandbox_config_spec():
    vs = ("default", ("vec", "string"))
    return ("struct", "SandboxConfig", (
        ("image", ("option", "string")), ("memory", ("option", "u32")), ("cpus", ("option", "u8")),
        ("volumes", vs), ("ports", vs), ("envs", vs), ("depends_on", vs),
        ("workdir", ("option", "string")), ("shell", ("option", "string")),
        ("scripts", ("default", ("map", "string"))), ("exec", ("option", "string"))))


_UINT_MAX = {"u8": 255, "u32": 2 ** 32 - 1, "u64": 2 ** 64 - 1}


def from_value(spec, v):
    """serde_json::from_value::<T>(v) error texts (no positions, no path)."""
    if spec == "string":
        if isinstance(v, str):
            return v
        raise JsonError("invalid type: %s, expected a string" % unexpected(v))
    if spec in _UINT_MAX:
        if isinstance(v, int) and not isinstance(v, bool):
            if 0 <= v <= _UINT_MAX[spec]:
                return v
            raise JsonError("invalid value: integer `%d`, expected %s" % (v, spec))
        raise JsonError("invalid type: %s, expected %s" % (unexpected(v), spec))
    if spec == "value":
        return v
    kind = spec[0]
    if kind == "option":
        return None if v is None else from_value(spec[1], v)
    if kind == "default":
        return from_value(spec[1], v)
    if kind == "vec":
        if isinstance(v, list):
            return [from_value(spec[1], e) for e in v]
        raise JsonError("invalid type: %s, expected a sequence" % unexpected(v))
    if kind == "map":
        if isinstance(v, dict):
            return {k: from_value(spec[1], v[k]) for k in sorted(v)}
        raise JsonError("invalid type: %s, expected a map" % unexpected(v))
    if kind == "struct":
        _, name, fields = spec
        if isinstance(v, dict):
            got = {}
            specs = dict(fields)
            for key in sorted(v):           # serde_json::Map is a BTreeMap
                if key in specs:
                    got[key] = from_value(specs[key], v[key])
            for fname, fspec in fields:
                if fname not in got:
                    if isinstance(fspec, tuple) and fspec[0] == "option":
                        got[fname] = None
                    elif isinstance(fspec, tuple) and fspec[0] == "default":
                        got[fname] = {} if fspec[1][0] == "map" else []
                    else:
                        raise JsonError("missing field `%s`" % fname)
            return got
        if isinstance(v, list):
            got = {}
            n = len(fields)
            for idx, (fname, fspec) in enumerate(fields):
                if idx < len(v):
                    got[fname] = from_value(fspec, v[idx])
                elif isinstance(fspec, tuple) and fspec[0] == "default":
                    got[fname] = {} if fspec[1][0] == "map" else []
                else:
                    raise JsonError("invalid length %d, expected struct %s with %d element%s"
                                    % (idx, name, n, "" if n == 1 else "s"))
            if len(v) > n:
                raise JsonError("invalid length %d, expected fewer elements in array" % len(v))
            return got
        raise JsonError("invalid type: %s, expected struct %s" % (unexpected(v), name))
    raise AssertionError(spec)


# ---- serialisation ---------------------------------------------------------------------

class Ordered:
    """A struct serialised in field order (serde derive); plain dicts are serde_json
    Values built with json!() and come out with sorted keys."""

    def __init__(self, *pairs):
        self.pairs = [p for p in pairs if p is not None]


def _dump(v, out):
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, float):
        out.append(ryu_f64(v))
    elif isinstance(v, str):
        out.append(json.dumps(v, ensure_ascii=False))
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for i, e in enumerate(v):
            if i:
                out.append(",")
            _dump(e, out)
        out.append("]")
    elif isinstance(v, Ordered):
        out.append("{")
        for i, (k, e) in enumerate(v.pairs):
            if i:
                out.append(",")
            out.append(json.dumps(k, ensure_ascii=False))
            out.append(":")
            _dump(e, out)
        out.append("}")
    elif isinstance(v, dict):
        out.append("{")
        for i, k in enumerate(sorted(v)):
            if i:
                out.append(",")
            out.append(json.dumps(k, ensure_ascii=False))
            out.append(":")
            _dump(v[k], out)
        out.append("}")
    else:
        raise TypeError(type(v))


def to_json(v):
    out = []
    _dump(v, out)
    return "".join(out).encode("utf-8")


def to_json_pretty(mapping):
    """serde_json::to_string_pretty of {"mappings": {k: int}} (portal.ports)."""
    if not mapping:
        return '{\n  "mappings": {}\n}'
    items = ",\n".join('    %s: %d' % (json.dumps(k, ensure_ascii=False), v) for k, v in mapping.items())
    return '{\n  "mappings": {\n%s\n  }\n}' % items


# =====================================================================================
#  JWT HS256 API keys (section 3)
# =====================================================================================

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode_strict(s):
    """base64 URL_SAFE_NO_PAD: no padding, canonical trailing bits only (section 12.5)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", s) or len(s) % 4 == 1:
        raise ValueError("invalid base64")
    data = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    if b64url(data) != s:
        raise ValueError("non-canonical base64")
    return data


def mint_api_key(key, exp, iat, namespace, version="0.2.6"):
    """msb server keygen's token: msb_ + HS256 JWT with claims {exp, iat, namespace}
    (v0.2.0: msb_<payload>.<signature>, header stripped)."""
    claims = to_json(Ordered(("exp", int(exp)), ("iat", int(iat)), ("namespace", namespace)))
    message = JWT_HEADER_B64 + "." + b64url(claims)
    sig = b64url(hmac.new(key.encode("utf-8"), message.encode("ascii"), hashlib.sha256).digest())
    if version == "0.2.0":
        return API_KEY_PREFIX + b64url(claims) + "." + sig
    return API_KEY_PREFIX + message + "." + sig


_JWT_ALGS = {"HS256", "HS384", "HS512", "ES256", "ES384", "RS256", "RS384", "RS512",
             "PS256", "PS384", "PS512", "EdDSA"}


def decode_jwt(jwt, key, now):
    """jsonwebtoken 9.3 decode::<Claims>(jwt, HS256 secret, Validation::new(HS256)).
    Returns the claims dict or raises ValueError(detail)."""
    sig_at = jwt.rfind(".")
    if sig_at < 0:
        raise ValueError("InvalidToken")
    signature, message = jwt[sig_at + 1:], jwt[:sig_at]
    hp = message.rfind(".")
    if hp < 0:
        raise ValueError("InvalidToken")
    header_b64, payload_b64 = message[:hp], message[hp + 1:]
    try:
        header = parse_json_document(b64url_decode_strict(header_b64))
    except (ValueError, JsonError):
        raise ValueError("Token validation error: invalid header") from None
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str) \
            or header["alg"] not in _JWT_ALGS:
        raise ValueError("Token validation error: invalid header")
    if header["alg"] != "HS256":
        raise ValueError("Token validation error: InvalidAlgorithm")
    expected = b64url(hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest())
    if not hmac.compare_digest(signature.encode("utf-8", "surrogateescape"), expected.encode("ascii")):
        raise ValueError("Invalid token signature")
    try:
        claims = parse_json_document(b64url_decode_strict(payload_b64))
    except (ValueError, JsonError):
        raise ValueError("Token validation error: invalid claims") from None
    if not isinstance(claims, dict):
        raise ValueError("Token validation error: invalid claims")

    def is_u64(v):
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2 ** 64

    if not is_u64(claims.get("exp")):
        raise ValueError('Token validation error: Missing required claim: exp')
    if claims["exp"] < now - JWT_LEEWAY:
        raise ValueError("Token expired")
    aud = claims.get("aud")
    if isinstance(aud, str) or (isinstance(aud, list) and all(isinstance(a, str) for a in aud)):
        raise ValueError("Token validation error: InvalidAudience")
    if not is_u64(claims.get("iat")) or not isinstance(claims.get("namespace"), str):
        raise ValueError("Token validation error: claims do not match Claims{exp,iat,namespace}")
    return claims


def parse_duration(text):
    """msb server keygen --expire (section 4.3). -> seconds or raises ValueError(message)."""
    text = text.strip()
    if not text:
        raise ValueError("Empty duration string")
    m = re.match(r"[0-9]*", text)
    value_str, unit = text[:m.end()], text[m.end():]
    if not value_str:
        raise ValueError("Invalid duration: %s. No numeric value found." % text)
    value = int(value_str)
    if value >= 2 ** 63:
        raise ValueError("Invalid numeric value in duration: %s" % value_str)
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 30 * 86400,
             "y": 365 * 86400, "": 3600}
    if unit not in units:
        raise ValueError("Invalid duration unit: %s. Expected one of: s, m, h, d, w, mo, y" % unit)
    return value * units[unit]


def rfc3339_ns(t_ns):
    """chrono DateTime<Utc>::to_rfc3339(): AutoSi fraction (0/3/6/9 digits), +00:00."""
    secs, nanos = divmod(t_ns, 10 ** 9)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    if nanos == 0:
        frac = ""
    elif nanos % 10 ** 6 == 0:
        frac = ".%03d" % (nanos // 10 ** 6)
    elif nanos % 10 ** 3 == 0:
        frac = ".%06d" % (nanos // 10 ** 3)
    else:
        frac = ".%09d" % nanos
    return base + frac + "+00:00"


def random_alnum(n):
    alphabet = string.ascii_letters + string.digits
    rng = random.SystemRandom()
    return "".join(rng.choice(alphabet) for _ in range(n))


# =====================================================================================
#  Errors of the server (section 2.3 shape 3) and of the portal
# =====================================================================================

class ServerError(Exception):
    """kind: validation (400/2001), internal (500/5002), credentials (401/1001),
    token (401/1004), access (403/3001)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message

    def response(self):
        if self.kind == "validation":
            return 400, Ordered(("error", self.message), ("code", 2001))
        if self.kind == "credentials":
            Log.write("ERROR", "microsandbox_server::error", "Authentication error details=%r" % self.message)
            return 401, Ordered(("error", "Invalid credentials"), ("code", 1001))
        if self.kind == "token":
            Log.write("ERROR", "microsandbox_server::error", "Invalid token details=%r" % self.message)
            return 401, Ordered(("error", "Invalid or expired token"), ("code", 1004))
        if self.kind == "access":
            Log.write("ERROR", "microsandbox_server::error", "Access denied details=%r" % self.message)
            return 403, Ordered(("error", "Access denied"), ("code", 3001))
        Log.internal(self.message)
        return 500, Ordered(("error", "Internal server error"), ("code", 5002))


def invalid(msg):
    return ServerError("validation", msg)


def internal(msg):
    return ServerError("internal", msg)


class PortalError(Exception):
    """microsandbox-portal's PortalError; create_error_response answers 400 always."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message

    def text(self):
        return {"jsonrpc": "JSON-RPC error: ", "internal": "Internal server error: ",
                "method": "Method not found: "}[self.kind] + self.message

    def code(self):
        return {"jsonrpc": -32600, "internal": -32603, "method": -32601}[self.kind]


class PortalGone(Exception):
    """The sandbox's VM died while a forwarded request was in flight."""


def io_error_text(e):
    """Rust std::io::Error Display for an OSError."""
    if getattr(e, "errno", None):
        return "%s (os error %d)" % (os.strerror(e.errno), e.errno)
    return str(e)


# =====================================================================================
#  Configuration and clock
# =====================================================================================

class Config:
    def __init__(self, args):
        self.args = args
        self.version = args.version
        self.dev = args.dev
        self.time_scale = args.time_scale
        self.exec_time_scale = args.exec_time_scale if args.exec_time_scale is not None else args.time_scale
        self.python = os.path.abspath(args.python) if os.sep in args.python else (shutil.which(args.python) or args.python)
        self.clock_offset = 0.0
        self.old_names = self.version in ("0.2.0", "0.2.1")
        self.m_start = "sandbox.start"
        self.m_stop = "sandbox.stop"
        self.m_metrics = "sandbox.getStatus" if self.old_names else "sandbox.metrics.get"
        self.m_repl = "sandbox.repl.run"
        self.m_command = "sandbox.command.execute" if self.old_names else "sandbox.command.run"
        self.metrics_struct = "SandboxStatusParams" if self.old_names else "SandboxMetricsGetParams"
        self.command_struct = "SandboxCommandExecuteParams" if self.old_names else "SandboxCommandRunParams"
        self.key = None

    def scaled(self, seconds):
        return seconds * self.time_scale

    def exec_scaled(self, seconds):
        return seconds * self.exec_time_scale

    def now(self):
        return time.time() + self.clock_offset


SHUTDOWN = threading.Event()


def sleep_scaled(cfg, seconds, abort=None):
    """Sleep cfg.scaled(seconds); returns early (False) on shutdown/abort."""
    deadline = time.monotonic() + cfg.scaled(seconds)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return True
        if SHUTDOWN.is_set() or (abort is not None and abort.is_set()):
            return False
        time.sleep(min(left, 0.05))


# =====================================================================================
#  Fault injection
# =====================================================================================

HTTP_FAULTS = {"garbage", "empty", "drop", "reset", "hang", "delay", "status", "proxy_502",
               "envelope", "jsonrpc_error", "truncate", "die"}
SEMANTIC_FAULTS = {"expire_tokens", "portal_unreachable", "portal_status", "vm_never_running",
                   "pull_fail", "kvm_missing"}
PROXY_502_BODY = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                  "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
                  "</body>\r\n</html>\r\n")


class Fault:
    _ids = iter(range(1, 1 << 62))

    def __init__(self, spec):
        if not isinstance(spec, dict) or not isinstance(spec.get("kind"), str):
            raise ValueError("a fault is a JSON object with a string \"kind\"")
        kind = spec["kind"]
        if kind not in HTTP_FAULTS | SEMANTIC_FAULTS:
            raise ValueError("unknown fault kind %r; known: %s" % (kind, ", ".join(sorted(HTTP_FAULTS | SEMANTIC_FAULTS))))
        self.id = next(Fault._ids)
        self.kind = kind
        self.spec = dict(spec)
        self.method = spec.get("method")
        self.path = spec.get("path")
        self.namespace = spec.get("namespace")
        self.sandbox = spec.get("sandbox")
        self.times = spec.get("times")
        self.after = int(spec.get("after", 0))
        self.hits = 0

    def matches(self, ctx):
        if self.path is not None and ctx.get("path") != self.path:
            return False
        if self.path is None and ctx.get("path") not in ("/api/v1/rpc", "/api/v1/health", None):
            return False
        if self.method is not None and ctx.get("rpc_method") != self.method:
            return False
        if self.namespace is not None and ctx.get("namespace") != self.namespace:
            return False
        if self.sandbox is not None and ctx.get("sandbox") != self.sandbox:
            return False
        return True

    def describe(self):
        d = dict(self.spec)
        d["id"] = self.id
        d["hits"] = self.hits
        return d


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, spec):
        f = Fault(spec)
        with self.lock:
            self.items.append(f)
        return f

    def clear(self):
        with self.lock:
            self.items = []

    def take(self, kinds, ctx):
        """First matching fault of these kinds, consumed (after/times honoured)."""
        with self.lock:
            for f in list(self.items):
                if f.kind in kinds and f.matches(ctx):
                    if f.after > 0:
                        f.after -= 1
                        continue
                    f.hits += 1
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            self.items.remove(f)
                    return f
        return None

    def describe(self):
        with self.lock:
            return [f.describe() for f in self.items]


# =====================================================================================
#  Processes: a long-lived spawner thread (so PR_SET_PDEATHSIG, which fires when the
#  *spawning thread* exits, only fires when the emulator dies), REPLs and commands.
# =====================================================================================

def _resolve_prctl():
    # Resolved once in the parent: a forked child of this multi-threaded process must not
    # dlopen()/dlsym() (loader locks held by other threads at fork time would deadlock it).
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).prctl
        fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        fn.restype = ctypes.c_int
        return fn
    except (OSError, AttributeError):
        return None


_PRCTL = _resolve_prctl()
_PR_SET_PDEATHSIG = 1
_SIGKILL = int(signal.SIGKILL)


def _pdeathsig():
    _PRCTL(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)


class Spawner(threading.Thread):
    def __init__(self):
        super().__init__(name="spawner", daemon=True)
        self.q = collections.deque()
        self.cv = threading.Condition()

    def run(self):
        while True:
            with self.cv:
                while not self.q:
                    self.cv.wait()
                job = self.q.popleft()
            args, kwargs, box, done = job
            try:
                box.append(subprocess.Popen(args, preexec_fn=_pdeathsig if _PRCTL is not None else None,
                                            **kwargs))
            except BaseException as e:     # noqa: B902 - handed to the caller
                box.append(e)
            done.set()

    def popen(self, args, **kwargs):
        box, done = [], threading.Event()
        with self.cv:
            self.q.append((args, kwargs, box, done))
            self.cv.notify()
        done.wait()
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]


SPAWNER = Spawner()


def kill_group(pgid, sig=signal.SIGKILL):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def kill_descendants(roots):
    """SIGKILL every live descendant of `roots`, found through /proc before anything dies.

    A real VM takes all its processes down with it. Here a snippet's process can leave the
    groups we track (setsid, as PySandbox's REPL wrapper does for each run), and would then
    outlive its emulated VM on the test machine."""
    children = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [r for r in roots if r and r > 1]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, ()):
            if child not in found:
                found.append(child)
                todo.append(child)
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class _Call:
    def __init__(self, marker):
        self.marker = marker
        self.lines = []
        self.completed = False
        self.closed = False


class PythonRepl:
    """The portal's PythonEngine (microsandbox-portal/lib/portal/repl/python.rs):
    one persistent `python3 -q -u -i -c "import sys; sys.ps1=sys.ps2=''"` per sandbox,
    code written to stdin followed by "\\nprint('eoe_<20 alnum>')\\n", output collected
    line by line until a stdout line whose trim() equals the marker (section 5)."""

    def __init__(self, vm):
        self.vm = vm
        self.cfg = vm.cfg
        self.reactor = threading.Lock()       # the portal's reactor: one eval at a time
        self.cv = threading.Condition()
        self.current = None
        self.proc = None
        self.dead = False
        self.done_pending = False
        self.initialized = False

    def _init(self):
        self.initialized = True
        try:
            self.proc = SPAWNER.popen([self.vm.python3_path()] + REPL_ARGS, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      env=self.vm.env(), cwd=self.vm.workdir(), start_new_session=True)
        except OSError as e:
            Log.write("ERROR", "portal", "Failed to start Python process: %s" % io_error_text(e))
            self.dead = True
            return
        self.vm.register_group(self.proc.pid)
        threading.Thread(target=self._reader, name="repl-reader", daemon=True).start()
        sleep_scaled(self.cfg, 0.1)            # "Wait a bit for initialization"

    # ---- output side --------------------------------------------------------------------
    # One thread reads both pipes. Data that is ready at the same wakeup is handled stdout
    # first; before a marker line is accepted, whatever stderr already holds is drained,
    # so stderr written before the marker print always belongs to the call (the real
    # portal's two reader threads make this a race that the portal usually wins).
    def _reader(self):
        sel = selectors.DefaultSelector()
        self._streams = {self.proc.stdout.fileno(): ["stdout", self.proc.stdout, b""],
                         self.proc.stderr.fileno(): ["stderr", self.proc.stderr, b""]}
        self._err_fd = self.proc.stderr.fileno()
        for fd in self._streams:
            os.set_blocking(fd, False)          # readiness can be stale after a drain
            sel.register(fd, selectors.EVENT_READ)
        self._sel = sel
        while self._streams:
            events = sel.select()
            ready = sorted((key.fd for key, _ in events), key=lambda fd: fd == self._err_fd)
            for fd in ready:
                if fd in self._streams:
                    self._pump(fd)
        sel.close()

    def _pump(self, fd):
        st = self._streams[fd]
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return                              # nothing after all (already drained)
        except OSError:
            data = b""
        ok = True
        if data:
            st[2] += data
            while ok and fd in self._streams and b"\n" in st[2]:
                line, st[2] = st[2].split(b"\n", 1)
                if st[0] == "stdout" and self._is_marker(line):
                    self._drain_stderr()
                ok = self._line(st[0], line)
        else:
            if st[2]:
                self._line(st[0], st[2])
            ok = False
        if not ok:                # EOF, or a line that is not UTF-8: this reader ends
            self._end_stream(fd)

    def _is_marker(self, raw):
        with self.cv:
            call = self.current
            marker = call.marker if call is not None else None
        if marker is None:
            return False
        try:
            return raw.rstrip(b"\r").decode("utf-8").strip(RUST_WS) == marker
        except UnicodeDecodeError:
            return False

    def _drain_stderr(self):
        fd = self._err_fd
        while fd in self._streams:
            r, _, _ = select.select([fd], [], [], 0)
            if not r:
                return
            self._pump(fd)

    def _end_stream(self, fd):
        st = self._streams.pop(fd, None)
        if st is None:
            return
        try:
            self._sel.unregister(fd)
        except (KeyError, ValueError):
            pass
        try:
            st[1].close()
        except OSError:
            pass
        self._stream_done()

    def _line(self, stream, raw):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return False                          # tokio Lines: Err(InvalidData) -> reader stops
        with self.cv:
            call = self.current
            if call is None or call.closed:
                return True                       # no call active: the line is dropped
            if stream == "stdout" and text.strip(RUST_WS) == call.marker:
                call.completed = True
                call.closed = True
                self.cv.notify_all()
                return True
            call.lines.append((stream, text))
        return True

    def _stream_done(self):
        with self.cv:
            if self.current is not None:
                self.done_pending = True          # the manager loop sees it after this eval
            else:
                self._die()

    def _die(self):
        self.dead = True
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()                  # tokio Child::kill: SIGKILL, the python only
            except OSError:
                pass

    # ---- eval ------------------------------------------------------------------------
    def eval(self, code, timeout):
        """-> list of (stream, text). Raises PortalGone if the VM dies meanwhile."""
        with self.reactor:
            if self.vm.aborted.is_set():
                raise PortalGone()
            if not self.initialized:
                self._init()
            if self.dead:
                return [("stderr", "Error: Engine unavailable: Python process channel closed")]
            marker = "eoe_" + random_alnum(20)
            call = _Call(marker)
            with self.cv:
                self.current = call
            payload = code if code.endswith("\n") else code + "\n"
            payload += "\nprint('%s')\n" % marker
            result = None
            try:
                self.proc.stdin.write(payload.encode("utf-8", "surrogatepass"))
                self.proc.stdin.flush()
            except (OSError, ValueError) as e:
                msg = io_error_text(e) if isinstance(e, OSError) else "Broken pipe (os error 32)"
                result = "Error: Evaluation error: Failed to send code to Python: " + msg
            if result is None:
                result = self._wait(call, timeout)
            with self.cv:
                call.closed = True
                self.current = None
                lines = list(call.lines)
                if self.done_pending:
                    self._die()
            if result == "aborted":
                raise PortalGone()
            if result:
                lines.append(("stderr", result))
            return lines

    def _wait(self, call, timeout):
        poll = self.cfg.scaled(0.05)            # the portal polls `completed` every 50 ms
        started = time.monotonic()
        deadline = None if timeout is None else started + self.cfg.exec_scaled(min(timeout, 10 ** 9))
        with self.cv:
            while True:
                if call.completed:
                    break
                if self.vm.aborted.is_set() or SHUTDOWN.is_set():
                    call.closed = True
                    return "aborted"
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    call.closed = True
                    return "Error: Execution timed out after %d seconds" % timeout
                wait = 0.05 if deadline is None else min(0.05, deadline - now)
                self.cv.wait(wait)
        # the completion is noticed at the next 50 ms poll tick
        if poll > 0:
            ticks = (time.monotonic() - started) / poll
            rest = (int(ticks) + 1) * poll - (time.monotonic() - started)
            if deadline is not None:
                rest = min(rest, max(0.0, deadline - time.monotonic()))
            if 0 < rest < 1:
                time.sleep(rest)
        return None

    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def run_command(vm, command, args, timeout):
    """microsandbox-portal/lib/portal/command.rs execute_command.
    -> (exit_code, lines) or raises PortalError('internal', ...)."""
    try:
        proc = SPAWNER.popen([command] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=vm.env(), cwd=vm.workdir(),
                             start_new_session=True)
    except OSError as e:
        raise PortalError("internal", "Command execution failed: Failed to spawn command: "
                          "Failed to spawn command: " + io_error_text(e)) from None
    vm.register_group(proc.pid)
    lines = []
    lock = threading.Lock()
    state = {"processing": True}
    eof = {"stdout": threading.Event(), "stderr": threading.Event()}

    def reader(name, pipe):
        buf = b""
        fd = pipe.fileno()
        try:
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    if buf:
                        try:
                            text = buf.decode("utf-8")
                        except UnicodeDecodeError:
                            break
                        with lock:
                            if state["processing"]:
                                lines.append((name, text))
                    break
                buf += data
                stop = False
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    if raw.endswith(b"\r"):
                        raw = raw[:-1]
                    try:
                        text = raw.decode("utf-8")
                    except UnicodeDecodeError:
                        stop = True               # "output after the first bad line is dropped"
                        break
                    with lock:
                        if not state["processing"]:
                            stop = True
                            break
                        lines.append((name, text))
                if stop:
                    break
        finally:
            eof[name].set()
            try:
                pipe.close()
            except OSError:
                pass

    readers = [threading.Thread(target=reader, args=("stdout", proc.stdout), daemon=True),
               threading.Thread(target=reader, args=("stderr", proc.stderr), daemon=True)]
    for t in readers:
        t.start()
    timed_out = False
    deadline = None if timeout is None else time.monotonic() + vm.cfg.exec_scaled(min(timeout, 10 ** 9))
    while True:
        if proc.poll() is not None:
            break
        if vm.aborted.is_set() or SHUTDOWN.is_set():
            proc.kill()
            raise PortalGone()
        if deadline is not None and time.monotonic() >= deadline:
            try:
                proc.kill()                      # SIGKILL to the child only
            except OSError:
                pass
            proc.wait()
            timed_out = True
            break
        time.sleep(0.002)
    if not timed_out:
        # lines already written are collected when the pipes close promptly
        end = time.monotonic() + 0.05
        for ev in eof.values():
            ev.wait(max(0.0, end - time.monotonic()))
    with lock:
        state["processing"] = False
        collected = list(lines)
    for t in readers:                            # like `stdout_handle.await`
        while t.is_alive():
            if vm.aborted.is_set() or SHUTDOWN.is_set():
                raise PortalGone()
            t.join(0.05)
    if timed_out:
        raise PortalError("internal", "Command execution failed: Command timeout after %d seconds" % timeout)
    code = proc.returncode
    return (code if code >= 0 else 1), collected


# =====================================================================================
#  Sandboxes: namespaces, Sandboxfile entries, port manager, VMs, portals
# =====================================================================================

def _yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    plain = (s and s == s.strip() and "\n" not in s and not re.search(r"[\x00-\x1f]", s)
             and s[0] not in "-?:,[]{}#&*!|>'\"%@`" and ": " not in s and " #" not in s
             and not s.endswith(":")
             and not re.fullmatch(r"(?i)null|~|true|false|yes|no|on|off|y|n", s)
             and not re.fullmatch(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)", s))
    if plain:
        return s
    if "\n" in s or re.search(r"[\x00-\x1f]", s):
        return json.dumps(s, ensure_ascii=False)
    return "'" + s.replace("'", "''") + "'"


def sandboxfile_text(entries):
    """serde_yaml::to_string of the namespace config (section 6; INFERRED layout)."""
    if not entries:
        return "sandboxes: {}\n"
    out = ["sandboxes:"]
    for name, entry in entries.items():
        if not entry:
            out.append("  %s: {}" % _yaml_scalar(name))
            continue
        out.append("  %s:" % _yaml_scalar(name))
        for k, v in entry.items():
            if isinstance(v, list):
                if not v:
                    out.append("    %s: []" % k)
                else:
                    out.append("    %s:" % k)
                    out.extend("    - %s" % _yaml_scalar(e) for e in v)
            elif isinstance(v, dict):
                if not v:
                    out.append("    %s: {}" % k)
                else:
                    out.append("    %s:" % k)
                    out.extend("      %s: %s" % (_yaml_scalar(sk), _yaml_scalar(sv)) for sk, sv in v.items())
            else:
                out.append("    %s: %s" % (k, _yaml_scalar(v)))
    return "\n".join(out) + "\n"


def _valid_u16(s):
    return re.fullmatch(r"\+?[0-9]+", s) is not None and int(s) <= 65535


def entry_problem(name, entry):
    """What microsandbox-core's config loading would refuse in this entry, or None."""
    for p in entry.get("ports", []) or []:
        p = str(p)
        parts = p.split(":", 1)
        if not p or (len(parts) == 2 and (not parts[0] or not parts[1])) or not all(_valid_u16(x) for x in parts):
            return "invalid port pair: %s" % p
    for v in entry.get("volumes", []) or []:
        v = str(v)
        parts = v.split(":", 1)
        if not v or (len(parts) == 2 and (not parts[0] or not parts[1])):
            return "invalid path pair: %s" % v
    for e in entry.get("envs", []) or []:
        e = str(e)
        if "=" not in e or not e.split("=", 1)[0]:
            return "invalid env pair: %s" % e
    return None


class PortManager:
    """microsandbox-server/lib/port.rs: <namespaces>/portal.ports, reuse a stored port only
    if it can still be bound on 127.0.0.1, otherwise ask the OS for a free one."""

    def __init__(self, path):
        self.path = path
        self.mappings = collections.OrderedDict()
        if os.path.exists(path):
            try:
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
                for k, v in data.get("mappings", {}).items():
                    self.mappings[k] = int(v)
            except (OSError, ValueError, AttributeError) as e:
                raise SystemExit("Error: Server configuration failed: Failed to parse port mappings file: %s" % e)

    def save(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(to_json_pretty(self.mappings))

    @staticmethod
    def available(port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as Rust's std does
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def assign(self, key):
        port = self.mappings.get(key)
        if port is not None:
            if self.available(port):
                return port
            Log.write("WARN", "microsandbox_server::port",
                      "Previously assigned port %d for sandbox %s is no longer available, reassigning" % (port, key))
            del self.mappings[key]
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        for k, v in list(self.mappings.items()):
            if v == port:
                del self.mappings[k]
        self.mappings[key] = port
        self.save()
        return port

    def release(self, key):
        if self.mappings.pop(key, None) is not None:
            self.save()

    def get(self, key):
        return self.mappings.get(key)


class VM:
    """One running sandbox: the emulated microVM, its portal and its processes."""

    def __init__(self, emu, ns, name, entry, port, portal_kind):
        self.emu = emu
        self.cfg = emu.cfg
        self.ns = ns
        self.name = name
        self.entry = entry
        self.port = port
        self.portal_kind = portal_kind         # "python", "node" or None (no portal)
        self.sock = None
        self.running_at = None
        self.portal_ready_at = None
        self.aborted = threading.Event()
        self.repl = None
        self.repl_lock = threading.Lock()
        self.groups = set()
        self.groups_lock = threading.Lock()
        self.disk_cache = (None, 0)

    # ---- guest emulation --------------------------------------------------------------
    def rw_dir(self):
        return os.path.join(self.emu.ns_dir(self.ns), ".menv", "rw", "Sandboxfile", self.name)

    def guest_path(self, p):
        return os.path.join(self.rw_dir(), p.lstrip("/"))

    def workdir(self):
        wd = self.entry.get("workdir") or "/home/python-user/work"
        path = self.guest_path(wd)
        os.makedirs(path, exist_ok=True)
        return path

    def python3_path(self):
        return os.path.join(self.emu.shim_dir, "python3")

    def env(self):
        home = self.guest_path("/home/python-user")
        os.makedirs(home, exist_ok=True)
        env = collections.OrderedDict()
        env["PATH"] = self.emu.shim_dir + os.pathsep + os.environ.get("PATH", os.defpath)
        env["HOME"] = home
        env["LANG"] = "C.UTF-8"
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PIP_NO_CACHE_DIR"] = "1"
        env["RUST_LOG"] = "debug"           # the image CMD starts the portal with it
        env["PWD"] = self.workdir()
        for e in self.entry.get("envs", []) or []:
            k, _, v = str(e).partition("=")
            env[k] = v
        return dict(env)

    def register_group(self, pgid):
        with self.groups_lock:
            self.groups.add(pgid)

    def portal_listening(self):
        return (self.portal_kind is not None and not self.aborted.is_set()
                and self.portal_ready_at is not None and time.monotonic() >= self.portal_ready_at)

    def get_repl(self):
        with self.repl_lock:
            if self.repl is None:
                self.repl = PythonRepl(self)
            return self.repl

    def bind(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", self.port))
            s.listen(1)
            self.sock = s
        except OSError:
            s.close()

    def teardown(self):
        self.aborted.set()
        with self.groups_lock:
            groups = list(self.groups)
        repl_pid = self.repl.pid() if self.repl is not None else None
        kill_descendants(groups + [repl_pid])
        for g in groups:
            kill_group(g)
        if self.repl is not None and self.repl.proc is not None:
            try:
                self.repl.proc.kill()
            except OSError:
                pass
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.emu.console(self.ns, self.name, "microVM stopped")

    def memory_mib(self):
        rss = 0
        if self.repl is not None and self.repl.alive():
            try:
                with open("/proc/%d/statm" % self.repl.pid()) as f:
                    rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError, IndexError):
                rss = 0
        return (self.emu.args.vm_base_rss_mib * 1024 * 1024 + rss) // (1024 * 1024)

    def disk_bytes(self):
        value, at = self.disk_cache
        if value is not None and time.monotonic() - at < self.cfg.scaled(30):   # DISK_SIZE_TTL
            return value
        total = 0
        for root, _, files in os.walk(self.rw_dir()):
            for fn in files:
                try:
                    total += os.lstat(os.path.join(root, fn)).st_size
                except OSError:
                    pass
        self.disk_cache = (total, time.monotonic())
        return total


class Runtime:
    def __init__(self):
        self.state = "STOPPED"       # STOPPED | STARTING | RUNNING
        self.vm = None
        self.lock = threading.Lock()
        self.cv = threading.Condition()
        self.running_seen = 0


def normalize_image(image):
    """OCI reference normalisation (section 2.6) -> (registry, repository, tag)."""
    ref = image
    tag = "latest"
    digest_split = ref.split("@", 1)
    ref = digest_split[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry, repo = parts[0], "/".join(parts[1:])
    else:
        registry, repo = os.environ.get("OCI_REGISTRY_DOMAIN", "docker.io"), ref
    if registry == "sandboxes.io":
        registry = "docker.io"
    if "/" not in repo:
        repo = "library/" + repo
    return registry, repo, tag


class Emulator:
    def __init__(self, args, cfg, home, auto_home):
        self.args = args
        self.cfg = cfg
        self.home = home
        self.auto_home = auto_home
        self.ns_root = os.path.join(home, "namespaces")
        os.makedirs(self.ns_root, exist_ok=True)
        self.lock = threading.RLock()
        self.entries_cache = {}
        self.runtimes = {}
        self.ports = PortManager(os.path.join(self.ns_root, "portal.ports"))
        self.faults = Faults()
        self.requests = 0
        self.shim_dir = os.path.join(home, ".emulator", "bin")
        os.makedirs(self.shim_dir, exist_ok=True)
        for n in ("python3", "python"):
            link = os.path.join(self.shim_dir, n)
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(cfg.python, link)
        self.images_file = os.path.join(home, ".emulator", "images.json")
        self.pulled = self.read_pulled()
        self.images = {}
        for item in args.images.split(","):
            item = item.strip()
            if not item:
                continue
            name, _, kind = item.partition("=")
            reg, repo, tag = normalize_image(name)
            self.images["%s/%s" % (reg, repo)] = kind or ("python" if repo.endswith("python") else
                                                        "node" if repo.endswith("node") else "none")
        if args.preloaded:
            self.pulled |= {k + ":latest" for k in self.images}

    # ---- persistence --------------------------------------------------------------------
    def read_pulled(self):
        """The image references recorded as pulled in <home>/.emulator/images.json."""
        try:
            with open(self.images_file, encoding="utf-8") as f:
                return set(json.load(f))
        except (OSError, ValueError, TypeError):
            return set()

    def ns_dir(self, ns):
        return os.path.join(self.ns_root, ns)

    def sandboxfile(self, ns):
        return os.path.join(self.ns_dir(ns), "Sandboxfile")

    def _sidecar(self, ns):
        return os.path.join(self.ns_dir(ns), ".menv", "emulator-sandboxes.json")

    def entries(self, ns):
        """The namespace's Sandboxfile entries (name -> ordered config map)."""
        with self.lock:
            if ns not in self.entries_cache:
                ent = collections.OrderedDict()
                try:
                    with open(self._sidecar(ns), encoding="utf-8") as f:
                        for name, pairs in json.load(f):
                            ent[name] = collections.OrderedDict(pairs)
                except (OSError, ValueError):
                    pass
                self.entries_cache[ns] = ent
            return self.entries_cache[ns]

    def save_entries(self, ns):
        with self.lock:
            ent = self.entries(ns)
            os.makedirs(os.path.join(self.ns_dir(ns), ".menv"), exist_ok=True)
            with open(self._sidecar(ns), "w", encoding="utf-8") as f:
                json.dump([[n, list(e.items())] for n, e in ent.items()], f)
            with open(self.sandboxfile(ns), "w", encoding="utf-8") as f:
                f.write(sandboxfile_text(ent))

    def init_namespace(self, ns):
        """menv::initialize: .menv/, Sandboxfile with DEFAULT_CONFIG, .gitignore."""
        d = self.ns_dir(ns)
        os.makedirs(os.path.join(d, ".menv"), exist_ok=True)
        if not os.path.exists(self.sandboxfile(ns)):
            with open(self.sandboxfile(ns), "w", encoding="utf-8") as f:
                f.write(DEFAULT_SANDBOXFILE)
        gi = os.path.join(d, ".gitignore")
        if not os.path.exists(gi):
            with open(gi, "w", encoding="utf-8") as f:
                f.write(".menv/\n")
        with self.lock:
            self.entries_cache.pop(ns, None)

    def console(self, ns, name, line):
        try:
            d = os.path.join(self.ns_dir(ns), ".menv", "log", "Sandboxfile")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, name + ".log"), "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError:
            pass

    def runtime(self, ns, name):
        with self.lock:
            key = ns + "/" + name
            if key not in self.runtimes:
                self.runtimes[key] = Runtime()
            return self.runtimes[key]

    def load_config(self, ns):
        """microsandbox-core config::load_config: the whole namespace config must parse."""
        if not os.path.exists(self.sandboxfile(ns)):
            raise internal("config file not found: %s" % self.sandboxfile(ns))
        ent = self.entries(ns)
        for name, entry in ent.items():
            problem = entry_problem(name, entry)
            if problem:
                raise internal("Failed to parse config file %s: %s" % (self.sandboxfile(ns), problem))
        return ent

    # ---- orchestra -----------------------------------------------------------------------
    def up(self, ns, name, ctx):
        ent = self.load_config(ns)
        if name not in ent:
            raise internal("cannot find sandbox: '%s' in '%s'" % (name, self.sandboxfile(ns)))
        rt = self.runtime(ns, name)
        with rt.lock:
            if rt.state in ("RUNNING", "STARTING"):
                Log.write("INFO", "microsandbox_core::management::orchestra", "No new sandboxes to start")
                return
            entry = ent[name]
            image = str(entry.get("image", ""))
            scripts = entry.get("scripts") or {}
            if self.faults.take({"pull_fail"}, ctx):
                raise internal("Failed to start sandbox %s: image pull failed (injected fault)" % name)
            if image.startswith(".") or image.startswith("/"):
                if not entry.get("shell") and "start" not in scripts:
                    raise internal("Failed to start sandbox %s: missing start script or exec command or shell" % name)
                portal_kind = None
            else:
                registry, repo, tag = normalize_image(image)
                if registry != "docker.io":
                    raise internal("Failed to start sandbox %s: Unsupported registry: %s" % (name, registry))
                kind = self.images.get("%s/%s" % (registry, repo))
                ref = "%s/%s:%s" % (registry, repo, tag)
                if kind is None:
                    sleep_scaled(self.cfg, min(self.args.resolve_delay, 1.0))
                    raise internal("Failed to start sandbox %s: failed to pull image %s: manifest unknown" % (name, ref))
                if ref not in self.pulled:
                    self.pulled |= self.read_pulled()     # `msb pull` (fake_msb.py) may have added it
                if ref not in self.pulled:
                    Log.write("INFO", "microsandbox_core::management::image", "pulling image %s" % ref)
                    if not sleep_scaled(self.cfg, self.args.pull_delay):
                        raise internal("Failed to start sandbox %s: interrupted" % name)
                    self.pulled.add(ref)
                    try:
                        with open(self.images_file, "w", encoding="utf-8") as f:
                            json.dump(sorted(self.pulled), f)
                    except OSError:
                        pass
                sleep_scaled(self.cfg, self.args.resolve_delay)   # image details re-fetched (issue #301)
                portal_kind = kind if kind in ("python", "node") else None
                if "start" in scripts:
                    portal_kind = None                # scripts.start replaces the image CMD
            port = None
            for p in entry.get("ports", []) or []:
                if str(p).endswith(":%d" % PORTAL_GUEST_PORT):
                    port = int(str(p).split(":", 1)[0])
            vm = VM(self, ns, name, entry, port, portal_kind)
            dies = bool(self.faults.take({"kvm_missing"}, ctx)) or entry.get("cpus") == 0
            never = bool(self.faults.take({"vm_never_running"}, ctx))
            rt.state = "STARTING"
            rt.vm = vm
            threading.Thread(target=self._boot, args=(rt, vm, dies, never), name="vm-boot", daemon=True).start()

    def _boot(self, rt, vm, dies, never):
        if never or not sleep_scaled(self.cfg, self.args.running_delay, vm.aborted):
            return
        with rt.cv:
            if rt.vm is not vm:
                return
            if vm.port is not None:
                vm.bind()
            vm.running_at = time.monotonic()
            rt.state = "RUNNING"
            rt.running_seen += 1
            rt.cv.notify_all()
        if dies:
            if sleep_scaled(self.cfg, 0.05, vm.aborted):
                self.console(vm.ns, vm.name, "Error creating the Kvm object: Error(13)")
                self._vm_died(rt, vm)
            return
        if vm.portal_kind is not None:
            vm.portal_ready_at = time.monotonic() + self.cfg.scaled(self.args.boot_delay)
            if sleep_scaled(self.cfg, self.args.boot_delay, vm.aborted):
                self.console(vm.ns, vm.name, "Python environment with microsandbox-portal ready"
                             if vm.portal_kind == "python" else "Node.js environment with microsandbox-portal ready")

    def _vm_died(self, rt, vm):
        with rt.cv:
            if rt.vm is not vm:
                return
            rt.state = "STOPPED"
            rt.vm = None
            rt.cv.notify_all()
        vm.teardown()

    def down(self, ns, name):
        ent = self.load_config(ns)
        if name not in ent:
            raise internal("cannot find sandbox: '%s' in '%s'" % (name, self.sandboxfile(ns)))
        rt = self.runtime(ns, name)
        with rt.cv:
            vm = rt.vm if rt.state == "RUNNING" else None
        if vm is not None:           # SIGTERM to the supervisor; msbserver does not wait
            def later():
                sleep_scaled(self.cfg, self.args.stop_delay)
                self._vm_died(rt, vm)
            threading.Thread(target=later, name="vm-stop", daemon=True).start()

    def wait_running(self, rt, image_given, seen):
        """poll_sandbox_until_running under timeout(180 s | 60 s): 2500 attempts x 20 ms."""
        timeout = 180.0 if image_given else 60.0
        attempts = 2500 * (0.020 + self.args.status_cost)
        limit = self.cfg.scaled(min(timeout, attempts))
        deadline = time.monotonic() + limit
        with rt.cv:
            while True:
                if rt.state == "RUNNING" or rt.running_seen != seen:
                    return "ok"
                left = deadline - time.monotonic()
                if left <= 0 or SHUTDOWN.is_set():
                    return "attempts" if attempts <= timeout else "timeout"
                rt.cv.wait(min(left, 0.05))

    def shutdown(self):
        with self.lock:
            rts = list(self.runtimes.values())
        for rt in rts:
            vm = rt.vm
            if vm is not None:
                vm.teardown()
        for rt in rts:
            vm = rt.vm
            if vm is not None and vm.repl is not None and vm.repl.proc is not None:
                try:
                    vm.repl.proc.wait(2)
                except subprocess.TimeoutExpired:
                    pass

    def find_vm_by_port(self, port):
        with self.lock:
            for rt in self.runtimes.values():
                vm = rt.vm
                if vm is not None and vm.port == port and not vm.aborted.is_set():
                    return vm
        return None


# =====================================================================================
#  JSON-RPC handlers of msbserver (section 2.4)
# =====================================================================================

def validate_name(value, label):
    if not value:
        raise invalid("%s cannot be empty" % label)
    if len(value.encode("utf-8")) > 63:
        raise invalid("%s cannot exceed 63 characters" % label)
    if label == "Namespace" and value == "*":
        raise invalid("Wildcard namespace (*) is not valid for sandbox creation")
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in value):
        raise invalid("%s can only contain alphanumeric characters, hyphens, or underscores" % label)
    if not (value[0].isascii() and value[0].isalnum()):
        raise invalid("%s must start with an alphanumeric character" % label)


class Server:
    def __init__(self, emu):
        self.emu = emu
        self.cfg = emu.cfg

    # ---- dispatch ------------------------------------------------------------------------
    def json_rpc(self, req, ctx):
        """-> (status, body object)."""
        rid = req["id"]
        if req["jsonrpc"] != "2.0":
            return 400, self._rpc_error(-32600, "Invalid or missing jsonrpc version field", rid)
        method = req["method"]
        cfg = self.cfg
        params = req["params"]
        try:
            if method == cfg.m_start:
                p = self._params(_START_SPEC, params, method)
                result = self.start(p, ctx)
            elif method == cfg.m_stop:
                p = self._params(_STOP_SPEC, params, method)
                result = self.stop(p)
            elif method == cfg.m_metrics:
                spec = ("struct", cfg.metrics_struct, (("sandbox", ("option", "string")), ("namespace", "string")))
                p = self._params(spec, params, method)
                result = self.metrics(p)
            elif method in (cfg.m_repl, cfg.m_command):
                return self.forward(req, ctx)
            else:
                return 404, self._rpc_error(-32601, "Method not found: %s" % method, rid)
        except ServerError as e:
            return e.response()
        return 200, self._rpc_ok(result, rid)

    @staticmethod
    def _rpc_ok(result, rid):
        return Ordered(("jsonrpc", "2.0"), ("result", result), ("id", rid) if rid is not None else None)

    @staticmethod
    def _rpc_error(code, message, rid):
        return Ordered(("jsonrpc", "2.0"), ("error", Ordered(("code", code), ("message", message))),
                       ("id", rid) if rid is not None else None)

    @staticmethod
    def _params(spec, params, method):
        try:
            return from_value(spec, params)
        except JsonError as e:
            raise invalid("Invalid params for %s: %s" % (method, e.text())) from None

    # ---- sandbox.start -----------------------------------------------------------------
    def start(self, p, ctx):
        emu = self.emu
        name, ns = p["sandbox"], p["namespace"]
        validate_name(name, "Sandbox name")
        validate_name(ns, "Namespace")
        ctx = dict(ctx, namespace=ns, sandbox=name)
        config = p["config"]
        with emu.lock:
            ns_dir = emu.ns_dir(ns)
            if not os.path.exists(ns_dir):
                os.makedirs(ns_dir, exist_ok=True)
                emu.init_namespace(ns)
            has_cfg = config is not None and config.get("image") is not None
            has_file = os.path.exists(emu.sandboxfile(ns))
            if not has_cfg and not has_file:
                raise invalid("No configuration provided and no existing configuration found for sandbox '%s'" % name)
            ent = emu.entries(ns)
            if has_file and not has_cfg and name not in ent:
                raise invalid("Sandbox '%s' not found in existing configuration" % name)
            if not has_file:
                with open(emu.sandboxfile(ns), "w", encoding="utf-8") as f:
                    f.write(DEFAULT_SANDBOXFILE)
            if has_cfg:
                e = collections.OrderedDict()
                e["image"] = config["image"]
                if config.get("memory") is not None:
                    e["memory"] = config["memory"]
                if config.get("cpus") is not None:
                    e["cpus"] = config["cpus"]
                for k in ("volumes", "ports", "envs", "depends_on"):
                    if config.get(k):
                        e[k] = list(config[k])
                for k in ("workdir", "shell"):
                    if config.get(k) is not None:
                        e[k] = config[k]
                if config.get("scripts"):
                    e["scripts"] = collections.OrderedDict(config["scripts"])
                if config.get("exec") is not None:
                    e["exec"] = config["exec"]
                ent[name] = e
            port = emu.ports.assign(ns + "/" + name)
            entry = ent[name]
            mapping = "%d:%d" % (port, PORTAL_GUEST_PORT)
            if isinstance(entry.get("ports"), list):
                entry["ports"] = [x for x in entry["ports"] if not str(x).endswith(":%d" % PORTAL_GUEST_PORT)] + [mapping]
            else:
                entry["ports"] = [mapping]
            emu.save_entries(ns)
        rt = emu.runtime(ns, name)
        seen = rt.running_seen
        try:
            emu.up(ns, name, ctx)
        except ServerError as e:
            if e.kind == "internal" and not e.message.startswith("Failed to start sandbox"):
                raise internal("Failed to start sandbox %s: %s" % (name, e.message)) from None
            raise
        outcome = emu.wait_running(rt, has_cfg, seen)
        if outcome == "ok":
            return "Sandbox %s started successfully" % name
        if outcome == "attempts":
            return ("Sandbox %s was started, but couldn't verify it's running: Internal server error: "
                    "Exceeded maximum attempts to verify sandbox %s is running" % (name, name))
        return ("Sandbox %s was started, but timed out waiting for it to be fully running. "
                "It may still be initializing." % name)

    # ---- sandbox.stop --------------------------------------------------------------------
    def stop(self, p):
        emu = self.emu
        name, ns = p["sandbox"], p["namespace"]
        validate_name(name, "Sandbox name")
        validate_name(ns, "Namespace")
        if not os.path.exists(emu.ns_dir(ns)):
            raise invalid("Namespace directory '%s' does not exist" % ns)
        if not os.path.exists(emu.sandboxfile(ns)):
            raise invalid("Configuration file not found for namespace '%s'" % ns)
        try:
            emu.down(ns, name)
        except ServerError as e:
            raise internal("Failed to stop sandbox %s: %s" % (name, e.message)) from None
        with emu.lock:
            emu.ports.release(ns + "/" + name)
        return "Sandbox %s stopped successfully" % name

    # ---- sandbox.metrics.get -------------------------------------------------------------
    def _status(self, ns, only):
        ent = self.emu.load_config(ns)
        if only is not None and only not in ent:
            raise internal("cannot find sandbox: '%s' in '%s'" % (only, self.emu.sandboxfile(ns)))
        out = []
        for name in ([only] if only is not None else list(ent)):
            rt = self.emu.runtime(ns, name)
            vm = rt.vm if rt.state == "RUNNING" else None
            if vm is not None:
                out.append({"namespace": ns, "name": name, "running": True, "cpu_usage": 0.0,
                            "memory_usage": vm.memory_mib(), "disk_usage": vm.disk_bytes()})
            else:
                out.append({"namespace": ns, "name": name, "running": False, "cpu_usage": None,
                            "memory_usage": None, "disk_usage": None})
        return out

    def metrics(self, p):
        emu = self.emu
        ns, only = p["namespace"], p["sandbox"]
        if ns != "*":
            validate_name(ns, "Namespace")
        if only is not None:
            validate_name(only, "Sandbox name")
        if not os.path.isdir(emu.ns_root):
            raise internal("Namespaces directory '%s' does not exist" % emu.ns_root)
        statuses = []
        if ns == "*":
            for entry in os.listdir(emu.ns_root):
                if not os.path.isdir(os.path.join(emu.ns_root, entry)) or entry.startswith(".emulator"):
                    continue
                try:
                    statuses += self._status(entry, only)
                except ServerError as e:
                    Log.write("WARN", "microsandbox_server::handler",
                              "Error getting metrics for namespace %s: %s" % (entry, e.message))
        else:
            if not os.path.exists(emu.ns_dir(ns)):
                raise invalid("Namespace directory '%s' does not exist" % ns)
            try:
                statuses = self._status(ns, only)
            except ServerError as e:
                raise internal("Error getting metrics for namespace %s: %s" % (ns, e.message)) from None
        return {"sandboxes": statuses}

    # ---- forwarded methods -----------------------------------------------------------------
    def forward(self, req, ctx):
        emu = self.emu
        params = req["params"]
        try:
            if not isinstance(params, dict):
                raise invalid("Request parameters must be an object containing 'sandbox' and 'namespace'")
            name = params.get("sandbox")
            if not isinstance(name, str):
                raise invalid("Missing required 'sandbox' parameter for portal request")
            ns = params.get("namespace")
            if not isinstance(ns, str):
                raise invalid("Missing required 'namespace' parameter for portal request")
            key = ns + "/" + name
            ctx = dict(ctx, namespace=ns, sandbox=name)
            with emu.lock:
                port = emu.ports.get(key)
            if port is None:
                raise internal("No portal port assigned for sandbox %s" % key)
            url = "http://127.0.0.1:%d" % port
            if self._proxied():
                raise internal("Portal returned error status 502 Bad Gateway: " + PROXY_502_BODY)
            vm = self._probe(port, ctx)
            if vm is None:
                raise internal("Failed to connect to portal after 10000 retries: error sending request for url (%s/)" % url)
            f = emu.faults.take({"portal_status"}, ctx)
            if f is not None:
                status = int(f.spec.get("status", 502))
                raise internal("Portal returned error status %d %s: %s" % (status, reason(status), f.spec.get("body", "")))
            try:
                status, body = Portal(vm).handle(req)
            except PortalGone:
                raise internal("Failed to forward RPC to portal: error sending request for url (%s/api/v1/rpc)" % url) from None
            if status != 200:
                raise internal("Portal returned error status %d %s: %s" % (status, reason(status), to_json(body).decode()))
            return 200, body
        except ServerError as e:
            return e.response()

    @staticmethod
    def _proxied():
        if not EMU_ARGS.honour_proxy_env:
            return False
        proxy = os.environ.get("http_proxy") or os.environ.get("HTTP_PROXY") or os.environ.get("ALL_PROXY")
        if not proxy:
            return False
        no_proxy = (os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or "").split(",")
        return not any(h.strip() in ("127.0.0.1", "*") for h in no_proxy)

    def _probe(self, port, ctx):
        """10 000 HEAD probes of 50 ms without sleep: ~150 ms when nothing listens."""
        deadline = time.monotonic() + self.emu.args.probe_window
        unreachable = self.emu.faults.take({"portal_unreachable"}, ctx) is not None
        while True:
            vm = None if unreachable else self.emu.find_vm_by_port(port)
            if vm is not None and vm.portal_listening():
                return vm
            if time.monotonic() >= deadline or SHUTDOWN.is_set():
                return None
            time.sleep(0.003)


_START_SPEC = ("struct", "SandboxStartParams", (("sandbox", "string"), ("namespace", "string"),
                                                ("config", ("option", _sandbox_config_spec()))))
_STOP_SPEC = ("struct", "SandboxStopParams", (("sandbox", "string"), ("namespace", "string")))


class Portal:
    """microsandbox-portal's JSON-RPC handler for one sandbox (in-process)."""

    def __init__(self, vm):
        self.vm = vm
        self.cfg = vm.cfg

    def handle(self, req):
        rid = req["id"]
        method = req["method"]
        try:
            if method == self.cfg.m_repl:
                result = self.repl(req["params"])
            elif method == self.cfg.m_command:
                result = self.command(req["params"])
            else:
                raise PortalError("method", "Method not found: %s" % method)
        except PortalError as e:
            return 400, Ordered(("jsonrpc", "2.0"), ("error", Ordered(("code", e.code()), ("message", e.text()))),
                                ("id", rid) if rid is not None else None)
        return 200, Ordered(("jsonrpc", "2.0"), ("result", result), ("id", rid) if rid is not None else None)

    def repl(self, params):
        spec = ("struct", "SandboxReplRunParams", (("code", "string"), ("language", "string"),
                                                  ("timeout", ("option", "u64"))))
        try:
            p = from_value(spec, params)
        except JsonError as e:
            raise PortalError("jsonrpc", "Invalid parameters: %s" % e.text()) from None
        lang = p["language"].lower()
        kind = self.vm.portal_kind
        if lang == "python" and kind == "python":
            lines = self.vm.get_repl().eval(p["code"], p["timeout"])
        elif lang == "python":
            raise PortalError("jsonrpc", "Python language support is not enabled. Recompile with --features python")
        elif lang in ("node", "nodejs", "javascript"):
            raise PortalError("jsonrpc", "Node.js language support is not enabled. Recompile with --features nodejs")
        else:
            raise PortalError("jsonrpc", "Unsupported language: %s" % p["language"])
        return {"status": "success", "language": p["language"],
                "output": [{"stream": s, "text": t} for s, t in lines]}

    def command(self, params):
        spec = ("struct", self.cfg.command_struct, (("command", "string"),
                                                   ("args", ("default", ("vec", "string"))),
                                                   ("timeout", ("option", "u64"))))
        try:
            p = from_value(spec, params)
        except JsonError as e:
            raise PortalError("jsonrpc", "Invalid parameters: %s" % e.text()) from None
        code, lines = run_command(self.vm, p["command"], p["args"], p["timeout"])
        return {"command": p["command"], "args": p["args"], "exit_code": code, "success": code == 0,
                "output": [{"stream": s, "text": t} for s, t in lines]}


# =====================================================================================
#  HTTP layer (axum 0.8 + tower-http CORS + hyper 1 as observed by a client)
# =====================================================================================

EMU = None          # the Emulator
SERVER = None       # the Server (RPC handlers)
EMU_ARGS = None


def visible_ascii(v):
    return all(ch == "\t" or " " <= ch <= "~" for ch in v)


_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MIME_RE = re.compile(r"\s*(%s)/(%s)\s*((?:;\s*%s\s*=\s*(?:%s|\"(?:[^\"\\]|\\.)*\")\s*)*);?\s*$"
                      % (_TOKEN, _TOKEN, _TOKEN, _TOKEN))


def json_content_type(value):
    """axum's json_content_type(): mime parses, application/json or application/*+json."""
    if value is None or not visible_ascii(value):
        return False
    m = _MIME_RE.match(value)
    if not m:
        return False
    typ, sub = m.group(1).lower(), m.group(2).lower()
    return typ == "application" and (sub == "json" or ("+" in sub and sub.rsplit("+", 1)[1] == "json"))


class Resp:
    def __init__(self, status, body=b"", ctype=None, headers=(), cors=True):
        self.status = status
        self.body = body
        self.ctype = ctype
        self.headers = list(headers)
        self.cors = cors


def json_resp(status, obj, headers=()):
    return Resp(status, to_json(obj), "application/json", headers)


def text_resp(status, text, headers=()):
    return Resp(status, text.encode("utf-8"), "text/plain; charset=utf-8", headers)


def authenticate(headers, body, ctx):
    """microsandbox-server auth_middleware (section 3.3). Raises ServerError."""
    cfg = EMU.cfg
    value = headers.get("Proxy-Authorization")
    if value is None:
        value = headers.get("Authorization")
    if value is None:
        raise ServerError("credentials", "Missing authorization header")
    if not visible_ascii(value):
        raise ServerError("credentials", "Invalid authorization header format")
    api_key = value[len("Bearer "):] if value.startswith("Bearer ") else value
    if not api_key.startswith(API_KEY_PREFIX):
        raise ServerError("credentials", "Invalid API key format: missing prefix")
    jwt = api_key[len(API_KEY_PREFIX):]
    if cfg.version == "0.2.0":
        parts = jwt.split(".")
        if len(parts) != 2:
            raise ServerError("credentials", "Invalid API key format")
        jwt = JWT_HEADER_B64 + "." + jwt
    try:
        claims = decode_jwt(jwt, cfg.key, int(cfg.now()))
    except ValueError as e:
        raise ServerError("token", str(e)) from None
    if EMU.faults.take({"expire_tokens"}, ctx):
        raise ServerError("token", "Token expired (injected fault)")
    if claims["namespace"] == "*":
        return
    try:
        value = parse_json_document(body)
    except JsonError as e:
        raise invalid("Invalid JSON-RPC request: %s" % e.text()) from None
    method = value.get("method") if isinstance(value, dict) else None
    method = method if isinstance(method, str) else "unknown"
    if not isinstance(value, dict) or "params" not in value:
        raise invalid("Missing 'params' field in JSON-RPC request")
    params = value["params"]
    ns = params.get("namespace") if isinstance(params, dict) else None
    if not isinstance(ns, str):
        raise invalid("Missing or invalid 'namespace' in params for method '%s'" % method)
    if claims["namespace"] != ns:
        raise ServerError("access", "Token does not have access to namespace '%s'" % ns)


def route(method, path, headers, body, ctx):
    """-> Resp. The router of microsandbox-server/lib/route.rs (+ CORS layer)."""
    if method == "OPTIONS":                       # tower-http CorsLayer answers every preflight
        return Resp(200, b"", None, [("vary", CORS_VARY), ("access-control-allow-methods", CORS_METHODS),
                                     ("access-control-allow-headers", CORS_HEADERS),
                                     ("access-control-allow-origin", "*")], cors=False)
    if path == "/api/v1/health":
        if method in ("GET", "HEAD"):
            return json_resp(200, Ordered(("message", "Service is healthy")))
        return Resp(405, b"", None, [("allow", "GET,HEAD")])
    if path == "/api/v1/rpc":
        allow = [] if method == "POST" else [("allow", "POST")]
        if not EMU.cfg.dev:
            try:
                authenticate(headers, body, ctx)
            except ServerError as e:
                status, obj = e.response()
                return json_resp(status, obj, allow)
        if method != "POST":
            return Resp(405, b"", None, allow)
        if not json_content_type(headers.get("Content-Type")):
            return text_resp(415, "Expected request with `Content-Type: application/json`")
        if len(body) > BODY_LIMIT:
            return text_resp(413, "Failed to buffer the request body: length limit exceeded")
        try:
            req = parse_rpc_request(body)
        except JsonError as e:
            if e.category == "data":
                return text_resp(422, "Failed to deserialize the JSON body into the target type: " + e.path_text())
            return text_resp(400, "Failed to parse the request body as JSON: " + e.path_text())
        status, obj = SERVER.json_rpc(req, ctx)
        return json_resp(status, obj)
    return Resp(404)


def rpc_context(path, body):
    """Lenient look at the request for fault matching (never affects semantics)."""
    ctx = {"path": path}
    if path == "/api/v1/rpc" and body:
        try:
            v = json.loads(body)
            if isinstance(v, dict):
                if isinstance(v.get("method"), str):
                    ctx["rpc_method"] = v["method"]
                p = v.get("params")
                if isinstance(p, dict):
                    if isinstance(p.get("namespace"), str):
                        ctx["namespace"] = p["namespace"]
                    if isinstance(p.get("sandbox"), str):
                        ctx["sandbox"] = p["sandbox"]
        except (ValueError, RecursionError):
            pass
    return ctx


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):           # silence http.server's own logging
        pass

    def send_error(self, code, message=None, explain=None):
        """hyper's answer to an unparseable request: status, empty body, close."""
        self.close_connection = True
        try:
            self.wfile.write(("HTTP/1.1 %d %s\r\ncontent-length: 0\r\ndate: %s\r\n\r\n"
                              % (code, reason(code), email.utils.formatdate(usegmt=True))).encode("latin-1"))
        except OSError:
            pass

    def handle_one_request(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self.dispatch()
        except (ConnectionError, socket.timeout, OSError):
            self.close_connection = True

    def read_body(self):
        te = self.headers.get("Transfer-Encoding")
        if te is not None and te.strip().lower() == "chunked":
            data = bytearray()
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("eof in chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"x", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                if len(data) + size > READ_CAP:
                    raise OverflowError()
                data += self.rfile.read(size)
                self.rfile.readline(65537)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        n = int(cl.strip())
        if n < 0:
            raise ValueError()
        if n > READ_CAP:
            raise OverflowError()
        data = self.rfile.read(n)
        if len(data) != n:
            raise ConnectionError("short body")
        return data

    def write_resp(self, resp, truncate=None):
        hdrs = []
        if resp.ctype:
            hdrs.append(("content-type", resp.ctype))
        hdrs += resp.headers
        hdrs.append(("content-length", str(len(resp.body))))
        if resp.cors:
            hdrs += [("vary", CORS_VARY), ("access-control-allow-origin", "*")]
        hdrs.append(("date", email.utils.formatdate(usegmt=True)))
        version = "HTTP/1.0" if self.request_version == "HTTP/1.0" else "HTTP/1.1"
        head = "%s %d %s\r\n" % (version, resp.status, reason(resp.status))
        head += "".join("%s: %s\r\n" % kv for kv in hdrs) + "\r\n"
        body = b"" if self.command == "HEAD" else resp.body
        if truncate is not None:
            body = body[:truncate]
            self.close_connection = True
        self.wfile.write(head.encode("latin-1") + body)
        if truncate is not None:
            try:
                self.connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def drop(self, reset=False):
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def dispatch(self):
        method = self.command
        target = self.path
        if target.startswith("http://") or target.startswith("https://"):
            target = urllib.parse.urlsplit(target).path or "/"
        path = target.split("?", 1)[0] or "/"
        try:
            body = self.read_body()
        except OverflowError:
            self.write_resp(text_resp(413, "Failed to buffer the request body: length limit exceeded"))
            self.close_connection = True
            return
        except (ValueError, ConnectionError):
            self.send_error(400)
            return
        if path.startswith("/__emulator/") and not EMU_ARGS.no_control:
            return self.control(method, path, body)
        with EMU.lock:
            EMU.requests += 1
        Log.write("INFO", "microsandbox_server::middleware", "Request: %s %s" % (method, self.path))
        ctx = rpc_context(path, body)
        f = EMU.faults.take(HTTP_FAULTS - {"truncate"}, ctx)
        if f is not None and f.kind == "delay":
            end = time.monotonic() + float(f.spec.get("ms", 1000)) / 1000.0
            while time.monotonic() < end and not SHUTDOWN.is_set():
                time.sleep(min(0.05, max(0.0, end - time.monotonic())))
            f = None
        if f is not None:
            return self.fault_answer(f, body)
        resp = route(method, path, self.headers, body, ctx)
        tf = EMU.faults.take({"truncate"}, ctx)
        cut = None
        if tf is not None:
            cut = int(tf.spec.get("bytes", len(resp.body) // 2))
        Log.write("INFO", "microsandbox_server::middleware",
                  "Response: %s %s: %d %s" % (method, self.path, resp.status, reason(resp.status)))
        self.write_resp(resp, cut)

    def fault_answer(self, f, body):
        k, s = f.kind, f.spec
        if k == "die":
            return die_now()
        if k == "drop":
            return self.drop()
        if k == "reset":
            return self.drop(reset=True)
        if k == "hang":
            end = time.monotonic() + float(s.get("ms", 10 ** 9)) / 1000.0
            while time.monotonic() < end and not SHUTDOWN.is_set():
                time.sleep(0.05)
            return self.drop()
        if k == "garbage":
            body = s.get("body", "\x00garbage, not JSON {{{")
            return self.write_resp(Resp(int(s.get("status", 200)), body.encode("utf-8"),
                                        s.get("content_type", "application/json"), cors=False))
        if k == "empty":
            return self.write_resp(Resp(int(s.get("status", 200)), b"",
                                        s.get("content_type", "application/json"), cors=False))
        if k == "proxy_502":
            return self.write_resp(Resp(502, PROXY_502_BODY.encode(), "text/html", [("server", "nginx")], cors=False))
        if k == "status":
            return self.write_resp(Resp(int(s.get("status", 502)), s.get("body", "").encode("utf-8"),
                                        s.get("content_type"), [tuple(h) for h in s.get("headers", [])], cors=False))
        if k == "envelope":
            code = s.get("code", 5002)
            obj = Ordered(("error", s.get("error", "Internal server error")), ("code", code))
            return self.write_resp(json_resp(int(s.get("status", 500)), obj))
        if k == "jsonrpc_error":
            try:
                rid = json.loads(body).get("id")
            except (ValueError, AttributeError):
                rid = None
            obj = Server._rpc_error(int(s.get("code", -32603)), s.get("message", "Internal error"), s.get("id", rid))
            return self.write_resp(json_resp(int(s.get("status", 200)), obj))
        return self.drop()

    # ---- control endpoint (loopback only; not part of the real server) ------------------
    def control(self, method, path, body):
        peer = self.client_address[0]
        try:
            loop = ipaddress.ip_address(peer.split("%", 1)[0]).is_loopback
        except ValueError:
            loop = False
        if not loop:
            return self.write_resp(Resp(404))

        def answer(status, obj):
            self.write_resp(Resp(status, json.dumps(obj).encode(), "application/json", cors=False))

        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError as e:
            return answer(400, {"error": "body is not JSON: %s" % e})
        try:
            if path == "/__emulator/state" and method == "GET":
                return answer(200, control_state())
            if path == "/__emulator/fault" and method == "POST":
                specs = data if isinstance(data, list) else [data]
                return answer(200, {"ids": [EMU.faults.add(sp).id for sp in specs]})
            if path == "/__emulator/fault" and method == "DELETE" or path == "/__emulator/fault/clear" and method == "POST":
                EMU.faults.clear()
                return answer(200, {"cleared": True})
            if path == "/__emulator/clock" and method == "POST":
                if "offset" in data:
                    EMU.cfg.clock_offset = float(data["offset"])
                EMU.cfg.clock_offset += float(data.get("advance", 0))
                return answer(200, {"offset": EMU.cfg.clock_offset, "now": EMU.cfg.now()})
            if path == "/__emulator/token" and method == "POST":
                if EMU.cfg.key is None:
                    return answer(409, {"error": "dev mode: the server has no key"})
                now = int(EMU.cfg.now())
                iat = int(data.get("iat", now))
                exp = int(data.get("exp", iat + int(data.get("expire_seconds", 86400))))
                tok = mint_api_key(EMU.cfg.key, exp, iat, data.get("namespace", "*"), EMU.cfg.version)
                return answer(200, {"token": tok, "exp": exp, "iat": iat})
            if path in ("/__emulator/sandbox/kill-repl", "/__emulator/sandbox/crash") and method == "POST":
                rt = EMU.runtime(str(data.get("namespace")), str(data.get("sandbox")))
                vm = rt.vm
                if vm is None:
                    return answer(404, {"error": "sandbox is not running"})
                if path.endswith("kill-repl"):
                    if vm.repl is None or not vm.repl.alive():
                        return answer(404, {"error": "no REPL process"})
                    os.kill(vm.repl.pid(), signal.SIGKILL)
                    return answer(200, {"killed": vm.repl.pid()})
                EMU._vm_died(rt, vm)
                return answer(200, {"crashed": True})
        except (ValueError, TypeError, KeyError) as e:
            return answer(400, {"error": str(e)})
        return answer(404, {"error": "unknown control route %s %s" % (method, path)})


def control_state():
    sandboxes = []
    with EMU.lock:
        items = list(EMU.runtimes.items())
        mappings = dict(EMU.ports.mappings)
    for key, rt in items:
        ns, name = key.split("/", 1)
        vm = rt.vm
        repl = vm.repl if vm is not None else None
        with (vm.groups_lock if vm is not None else threading.Lock()):
            groups = sorted(vm.groups) if vm is not None else []
        sandboxes.append({
            "namespace": ns, "name": name, "state": rt.state,
            "vm_port": vm.port if vm is not None else None, "mapped_port": mappings.get(key),
            "portal": vm.portal_kind if vm is not None else None,
            "portal_ready": bool(vm is not None and vm.portal_listening()),
            "repl_pid": repl.pid() if repl is not None else None,
            "repl_alive": bool(repl is not None and repl.alive()),
            "engine_dead": bool(repl is not None and repl.dead),
            "process_groups": groups,
            "workdir": vm.workdir() if vm is not None else None})
    return {"version": EMU.cfg.version, "dev": EMU.cfg.dev, "home": EMU.home, "pid": os.getpid(),
            "time_scale": EMU.cfg.time_scale, "exec_time_scale": EMU.cfg.exec_time_scale,
            "clock_offset": EMU.cfg.clock_offset, "requests": EMU.requests,
            "key_file": EMU_ARGS.key_file_effective, "sandboxes": sandboxes,
            "faults": EMU.faults.describe(), "internal_errors": list(Log.errors),
            "pulled_images": sorted(EMU.pulled)}


class HTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def server_bind(self):                 # no getfqdn(): no name lookups at all
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]


class HTTPServer6(HTTPServer):
    address_family = socket.AF_INET6


def die_now():
    """Fault `die`: msbserver killed mid-request. The request was read and gets no answer.

    The sandboxes' process groups are killed with the same cleanup as a normal exit (so a
    test leaves no orphans; a real msbserver's sandboxes would survive it), an automatic
    --home is removed, and then the process SIGKILLs itself: every connection closes at once
    and a parent sees the wait status of a SIGKILLed server.
    """
    Log.write("ERROR", "msb_emulator", "fault die: terminating the whole process now")
    try:
        EMU.shutdown()
        if EMU.auto_home and not EMU_ARGS.keep_home:
            shutil.rmtree(EMU.home, ignore_errors=True)
    finally:
        try:
            sys.stderr.flush()
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
            os._exit(137)                      # not reached


# =====================================================================================
#  main
# =====================================================================================

def build_parser():
    ap = argparse.ArgumentParser(prog="msb_emulator.py",
                                 description="TEST EMULATOR of the microsandbox 0.2.x server "
                                             "(runs code UNSANDBOXED; test snippets only).")
    ap.add_argument("--host", default="127.0.0.1", help="loopback address to bind (127.0.0.0/8 or ::1)")
    ap.add_argument("--port", type=int, default=5555, help="0 = a free port")
    ap.add_argument("--dev", action="store_true", help="development mode: no auth at all (msb server start --dev)")
    ap.add_argument("--key", help="server key (msb server start --key); written to the key file")
    ap.add_argument("--key-file", help="server.key to read (verbatim) or create (default <home>/server.key)")
    ap.add_argument("--reset-key", action="store_true", help="generate a new key even if the key file exists")
    ap.add_argument("--home", help="emulated ~/.microsandbox (default: a temporary directory, removed at exit)")
    ap.add_argument("--keep-home", action="store_true", help="do not remove an automatic --home at exit")
    ap.add_argument("--version", default="0.2.6", choices=VERSIONS, help="server version to emulate")
    ap.add_argument("--python", default=sys.executable, help="interpreter behind python3 in the sandbox")
    ap.add_argument("--time-scale", type=float, default=1.0,
                    help="factor applied to every protocol delay and timeout (0.01 = 100x faster)")
    ap.add_argument("--exec-time-scale", type=float, default=None,
                    help="factor for the `timeout` of repl.run/command.run (default: --time-scale)")
    ap.add_argument("--pull-delay", type=float, default=30.0, help="seconds the first pull of an image takes")
    ap.add_argument("--resolve-delay", type=float, default=0.5, help="seconds every start spends on image details")
    ap.add_argument("--running-delay", type=float, default=0.05, help="seconds from spawn to RUNNING")
    ap.add_argument("--boot-delay", type=float, default=1.5, help="seconds from RUNNING until the portal listens")
    ap.add_argument("--stop-delay", type=float, default=0.1, help="seconds from sandbox.stop until the VM is gone")
    ap.add_argument("--status-cost", type=float, default=0.005, help="seconds one status poll costs (start's 2500 polls)")
    ap.add_argument("--probe-window", type=float, default=0.15,
                    help="real seconds the 10000 portal probes take when nothing listens")
    ap.add_argument("--images", default="microsandbox/python,microsandbox/node",
                    help="images the emulated registry has, NAME[=python|node|none], comma separated")
    ap.add_argument("--preloaded", action="store_true", help="treat every known image as already pulled")
    ap.add_argument("--vm-base-rss-mib", type=int, default=64, help="memory_usage of an idle sandbox")
    ap.add_argument("--listen-delay", type=float, default=0.0,
                    help="bind the port but accept connections only after this many seconds (refused before)")
    ap.add_argument("--never-listen", action="store_true", help="bind the port and never accept (never healthy)")
    ap.add_argument("--fault", action="append", default=[], metavar="JSON", help="a fault spec (see README)")
    ap.add_argument("--no-control", action="store_true", help="no /__emulator/ control routes (404 like the real server)")
    ap.add_argument("--honour-proxy-env", action="store_true",
                    help="with HTTP_PROXY set and 127.0.0.1 not in NO_PROXY, the portal hop fails with 502 (section 7, INFERRED)")
    ap.add_argument("--verbose", action="store_true", help="tracing-style log lines on stderr")
    return ap


def keygen_main(argv):
    ap = argparse.ArgumentParser(prog="msb_emulator.py keygen",
                                 description="`msb server keygen` against an emulator home (section 4.3)")
    ap.add_argument("--home")
    ap.add_argument("--key-file")
    ap.add_argument("--expire")
    ap.add_argument("-n", "--namespace", default="*")
    ap.add_argument("--version", default="0.2.6", choices=VERSIONS)
    a = ap.parse_args(argv)
    if not a.key_file and not a.home:
        ap.error("one of --home or --key-file is required")
    path = a.key_file or os.path.join(a.home, "server.key")
    try:
        seconds = parse_duration(a.expire) if a.expire is not None else 24 * 3600
    except ValueError as e:
        sys.stderr.write("Error: invalid argument: %s\n" % e)
        return 1
    if not os.path.exists(path):
        sys.stderr.write("Error: Server key failed to generate: Server key file not found. "
                         "Make sure the server is running in secure mode.\n")
        return 1
    with open(path, encoding="utf-8", newline="") as f:
        key = f.read()
    now_ns = time.time_ns()
    now = now_ns // 10 ** 9
    exp_ns = now_ns + seconds * 10 ** 9
    token = mint_api_key(key, exp_ns // 10 ** 9, now, a.namespace, a.version)
    sys.stdout.write("Token: %s\nToken expires: %s\nNamespace: %s\n" % (token, rfc3339_ns(exp_ns), a.namespace))
    return 0


def main(argv=None):
    global EMU_ARGS
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["keygen"]:
        return keygen_main(argv[1:])
    args = build_parser().parse_args(argv)
    EMU_ARGS = args
    Log.verbose = args.verbose
    try:
        addr = ipaddress.ip_address(args.host)
    except ValueError:
        sys.stderr.write("Error: Server configuration failed: Invalid host address: %s\n" % args.host)
        return 1
    if not addr.is_loopback:
        sys.stderr.write("msb_emulator: refusing to listen on %s: a test emulator binds loopback only\n" % args.host)
        return 2
    auto_home = args.home is None
    home = tempfile.mkdtemp(prefix="msb-emulator-") if auto_home else os.path.abspath(args.home)
    os.makedirs(home, exist_ok=True)
    try:
        return serve(args, home, auto_home)
    finally:
        if auto_home and not args.keep_home:
            shutil.rmtree(home, ignore_errors=True)


def serve(args, home, auto_home):
    global EMU, SERVER
    addr = ipaddress.ip_address(args.host)
    cfg = Config(args)
    args.key_file_effective = None
    if not cfg.dev:
        kf = os.path.abspath(args.key_file) if args.key_file else os.path.join(home, "server.key")
        args.key_file_effective = kf
        if args.key is not None:
            key = args.key
        elif os.path.exists(kf) and not args.reset_key:
            with open(kf, encoding="utf-8", newline="") as f:
                key = f.read()                        # verbatim, no trimming (section 3.1)
        else:
            key = random_alnum(32)
        if not os.path.exists(kf) or args.key is not None or args.reset_key:
            os.makedirs(os.path.dirname(kf), exist_ok=True)
            with open(kf, "w", encoding="utf-8", newline="") as f:
                f.write(key)
        cfg.key = key
    EMU = Emulator(args, cfg, home, auto_home)
    SERVER = Server(EMU)
    for spec in args.fault:
        try:
            EMU.faults.add(json.loads(spec))
        except ValueError as e:
            sys.stderr.write("msb_emulator: bad --fault %s: %s\n" % (spec, e))
            return 2
    SPAWNER.start()

    cls = HTTPServer6 if addr.version == 6 else HTTPServer
    try:
        httpd = cls((args.host, args.port), Handler, bind_and_activate=False)
        httpd.server_bind()
    except OSError as e:
        sys.stderr.write("Error: io error: %s\n" % io_error_text(e))
        return 1
    port = httpd.server_address[1]

    def on_signal(signum, frame):
        SHUTDOWN.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    if cfg.dev:
        Log.write("INFO", "msbserver", "Development mode: true")
    Log.write("INFO", "msbserver", "Starting server on %s:%d" % (args.host, port))
    delayed = args.never_listen or args.listen_delay > 0
    if not delayed:
        httpd.server_activate()               # listening before the line is printed
    sys.stdout.write("MSB-EMULATOR LISTENING %d\n" % port)
    sys.stdout.flush()

    serving = None
    if not args.never_listen:
        if delayed:                            # bound but refusing connections until then
            SHUTDOWN.wait(args.listen_delay)
            if not SHUTDOWN.is_set():
                httpd.server_activate()
        if not SHUTDOWN.is_set():
            serving = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                       name="http", daemon=True)
            serving.start()
    while not SHUTDOWN.wait(0.5):
        pass
    if serving is not None:
        httpd.shutdown()
    httpd.server_close()
    EMU.shutdown()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
