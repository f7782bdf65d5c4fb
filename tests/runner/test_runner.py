"""Drives resources/runner/pysandbox_runner.py the way the native host does.

Each test starts `sys.executable -I -B -u -X utf8 -c <runner source> <request-fd> <result-fd>`
with two private pipes, sends one request frame, reads the result frame, closes the request
pipe (the release handshake) and checks that the runner exited with 0.

The runner path comes from $PYSANDBOX_RUNNER (falling back to the source tree). Tests that need
numpy, pandas or matplotlib are skipped when the interpreter under test lacks them.
"""
import base64
import importlib.util
import json
import os
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
import unittest

RUNNER = os.environ.get("PYSANDBOX_RUNNER") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "runner",
    "pysandbox_runner.py")
with open(RUNNER, encoding="utf-8") as _f:
    SOURCE = _f.read()

TIMEOUT = 20.0
HAVE_NUMPY = importlib.util.find_spec("numpy") is not None
HAVE_PANDAS = importlib.util.find_spec("pandas") is not None
HAVE_MPL = importlib.util.find_spec("matplotlib") is not None
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def frame(payload):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    return len(body).to_bytes(8, "big") + body


class Run:
    """The outcome of one runner process."""

    def __init__(self, rc, raw, stdout, stderr, request_fds):
        self.rc, self.raw, self.stdout, self.stderr = rc, raw, stdout, stderr
        self.request_fds = request_fds
        self.frame = None
        if raw:
            if len(raw) != 8 + int.from_bytes(raw[:8], "big"):
                raise AssertionError("incomplete result frame: %r" % raw[:200])
            self.frame = json.loads(raw[8:].decode("utf-8"))  # strict UTF-8, like the host

    @property
    def result(self):
        return self.frame["result"]

    @property
    def error(self):
        return self.frame["error"]


class RunnerTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="pysandbox-runner-test-")
        self.addCleanup(self._tmp.cleanup)

    def start(self, preexec_fn=None):
        """Spawn the runner; returns (proc, request write end, result read end, fd numbers)."""
        req_r, req_w = os.pipe()
        res_r, res_w = os.pipe()
        self.out = tempfile.TemporaryFile(dir=self._tmp.name)
        self.err = tempfile.TemporaryFile(dir=self._tmp.name)
        self.addCleanup(self.out.close)
        self.addCleanup(self.err.close)
        proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-u", "-X", "utf8", "-c", SOURCE, str(req_r), str(res_w)],
            pass_fds=(req_r, res_w), cwd=self._tmp.name, stdin=subprocess.DEVNULL,
            stdout=self.out, stderr=self.err, env={"PATH": "/usr/bin:/bin"},
            preexec_fn=preexec_fn)
        os.close(req_r)
        os.close(res_w)
        self.addCleanup(self._kill, proc)
        return proc, req_w, res_r, (req_r, res_w)

    @staticmethod
    def _kill(proc):
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    def read_output(self, which):
        which.seek(0)
        return which.read().decode("utf-8", "replace")

    def wait_for_output(self, marker, deadline):
        while time.monotonic() < deadline:
            if marker in self.read_output(self.out):
                return
            time.sleep(0.02)
        self.fail("runner never printed %r" % marker)

    @staticmethod
    def read_frame(fd, deadline):
        data = b""
        while True:
            if len(data) >= 8 and len(data) >= 8 + int.from_bytes(data[:8], "big"):
                return data
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("timed out waiting for the result frame")
            if not select.select([fd], [], [], remaining)[0]:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return data
            data += chunk

    def run_raw(self, payload, preexec_fn=None, on_started=None, expect_rc=0):
        proc, req_w, res_r, fds = self.start(preexec_fn)
        deadline = time.monotonic() + TIMEOUT
        try:
            if payload is not None:
                self._write_all(req_w, frame(payload))
            if on_started is not None:
                on_started(proc, deadline)
            raw = self.read_frame(res_r, deadline) if payload is not None else b""
        finally:
            os.close(req_w)  # the release handshake
        rc = proc.wait(timeout=TIMEOUT)
        # Nothing may follow the frame (e.g. a second frame from a forked child).
        trailing = os.read(res_r, 1 << 16) if select.select([res_r], [], [], 1.0)[0] else b""
        os.close(res_r)
        self.assertEqual(trailing, b"", "data after the result frame")
        stdout, stderr = self.read_output(self.out), self.read_output(self.err)
        self.assertEqual(rc, expect_rc, "runner exit code; stderr:\n" + stderr)
        return Run(rc, raw, stdout, stderr, fds)

    @staticmethod
    def _write_all(fd, data):
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]

    def run_code(self, code, inputs=None, limits=None, filename="<snippet>", **kw):
        request = {"protocol": 1, "code": code, "inputs": {} if inputs is None else inputs,
                   "filename": filename}
        if limits is not None:
            request["limits"] = limits
        run = self.run_raw(request, **kw)
        self.assertIsNotNone(run.frame, "no result frame; stderr:\n" + run.stderr)
        self.assertEqual(run.frame["protocol"], 1)
        self.assertEqual(sorted(run.frame), ["displays", "error", "has_result", "protocol",
                                             "result", "result_truncated"])
        return run

    def result_of(self, code, **kw):
        run = self.run_code(code, **kw)
        self.assertIsNone(run.error, run.error and run.error["traceback"])
        self.assertTrue(run.frame["has_result"])
        return run.result


class PlainResults(RunnerTestCase):
    def test_json_native_values(self):
        result = self.result_of(
            "result = {'none': None, 't': True, 'f': False, 'i': 42, 'neg': -7, 'x': 1.5,\n"
            "          's': 'h\\u00e9 \"q\" \\\\ \\n', 'l': [1, [2, []]], 'tup': (1, (2,)),\n"
            "          'd': {'a': {'b': {}}}, 'max': 2**53, 'min': -2**53}")
        self.assertEqual(result, {"none": None, "t": True, "f": False, "i": 42, "neg": -7, "x": 1.5,
                                  "s": 'h\u00e9 "q" \\ \n', "l": [1, [2, []]], "tup": [1, [2]],
                                  "d": {"a": {"b": {}}}, "max": 2**53, "min": -2**53})

    def test_no_result(self):
        run = self.run_code("x = 1")
        self.assertFalse(run.frame["has_result"])
        self.assertIsNone(run.result)
        self.assertIsNone(run.error)
        self.assertFalse(run.frame["result_truncated"])
        self.assertEqual(run.frame["displays"], [])

    def test_result_none_is_a_result(self):
        run = self.run_code("result = None")
        self.assertTrue(run.frame["has_result"])
        self.assertIsNone(run.result)

    def test_stdout_and_stderr_pass_through(self):
        run = self.run_code("import sys\nprint('hello out')\nprint('hello err', file=sys.stderr)\n"
                            "result = 1")
        self.assertEqual(run.stdout, "hello out\n")
        self.assertEqual(run.stderr, "hello err\n")

    def test_fake_frame_on_stdout_is_ignored(self):
        run = self.run_code(
            "import json, sys\n"
            "fake = json.dumps({'protocol': 1, 'has_result': True, 'result': 666}).encode()\n"
            "sys.stdout.buffer.write(len(fake).to_bytes(8, 'big') + fake)\n"
            "print(json.dumps({'protocol': 1, 'has_result': True, 'result': 666}))\n"
            "result = 1\n")
        self.assertEqual(run.result, 1)
        self.assertIn('"result": 666', run.stdout)

    def test_runner_does_not_import_heavy_modules(self):
        probe = ("import sys\nresult = [m for m in ('numpy', 'pandas', 'matplotlib', 'json', 're', 'enum')\n"
                 "          if m in sys.modules]\n")
        # Whatever the bare interpreter loads at startup (site, .pth files) is not the runner's doing.
        bare = subprocess.run([sys.executable, "-I", "-c", probe + "print(result)"], capture_output=True,
                              text=True, timeout=TIMEOUT, env={"PATH": "/usr/bin:/bin"})
        self.assertEqual(repr(self.result_of(probe)), bare.stdout.strip())


class TaggedValues(RunnerTestCase):
    def test_special_floats(self):
        self.assertEqual(self.result_of("result = [float('nan'), float('inf'), -float('inf'), 0.5]"),
                         [{"$type": "float", "repr": "nan"}, {"$type": "float", "repr": "inf"},
                          {"$type": "float", "repr": "-inf"}, 0.5])

    def test_ints_beyond_2_53(self):
        self.assertEqual(self.result_of("result = [2**53 + 1, -(2**60)]"), [
            {"$type": "int", "repr": "9007199254740993", "bits": 54},
            {"$type": "int", "repr": "-1152921504606846976", "bits": 61}])

    def test_huge_ints(self):
        if hasattr(sys, "set_int_max_str_digits"):  # for the expected values below
            self.addCleanup(sys.set_int_max_str_digits, sys.get_int_max_str_digits())
            sys.set_int_max_str_digits(0)
        result = self.result_of("result = [10**10000, -3**30000, 2**400000]")
        self.assertEqual(result[0], {"$type": "int", "repr": "1" + "0" * 1999, "bits": 33220})
        self.assertEqual(result[1]["repr"], str(-3**30000)[:2000])
        self.assertEqual(result[1]["bits"], (3**30000).bit_length())
        self.assertEqual(result[2]["repr"], str(2**400000)[:2000])  # the no-str() path
        self.assertEqual(result[2]["bits"], 400001)

    def test_sets(self):
        result = self.result_of("result = [{3, 1, 2}, frozenset('ba'), set(), set(range(1500))]")
        self.assertEqual(result[0], {"$type": "set", "items": [1, 2, 3], "length": 3, "truncated": False})
        self.assertEqual(result[1], {"$type": "set", "items": ["a", "b"], "length": 2, "truncated": False})
        self.assertEqual(result[2], {"$type": "set", "items": [], "length": 0, "truncated": False})
        self.assertEqual((len(result[3]["items"]), result[3]["length"], result[3]["truncated"]),
                         (1000, 1500, True))

    def test_bytes(self):
        result = self.result_of("result = [b'\\x00\\xffab', bytearray(b'xy'), bytes(5000)]")
        self.assertEqual(result[0], {"$type": "bytes", "base64": "AP9hYg==", "length": 4, "truncated": False})
        self.assertEqual(result[1], {"$type": "bytes", "base64": "eHk=", "length": 2, "truncated": False})
        self.assertEqual((result[2]["length"], result[2]["truncated"]), (5000, True))
        self.assertEqual(base64.b64decode(result[2]["base64"]), bytes(2000))

    def test_dict_with_non_string_keys(self):
        result = self.result_of("result = [{1: 'a', (1, 2): 'b', None: 0}, {'$type': 'fake'}]")
        self.assertEqual(result[0], {"$type": "dict", "items": [[1, "a"], [[1, 2], "b"], [None, 0]],
                                     "length": 3, "truncated": False})
        # A string-keyed dict that would read as a tag is tagged itself.
        self.assertEqual(result[1], {"$type": "dict", "items": [["$type", "fake"]], "length": 1,
                                     "truncated": False})

    def test_dates_and_times(self):
        result = self.result_of(
            "import datetime as dt\n"
            "result = [dt.datetime(2024, 1, 2, 3, 4, 5), dt.date(2024, 1, 2), dt.time(12, 30),\n"
            "          dt.timedelta(seconds=1.5)]")
        self.assertEqual(result, [{"$type": "datetime", "iso": "2024-01-02T03:04:05"},
                                  {"$type": "date", "iso": "2024-01-02"},
                                  {"$type": "time", "iso": "12:30:00"},
                                  {"$type": "timedelta", "seconds": 1.5}])

    def test_textual_types(self):
        result = self.result_of(
            "import decimal, fractions, uuid, pathlib\n"
            "result = [decimal.Decimal('1.10'), complex(1, -2), fractions.Fraction(1, 3),\n"
            "          uuid.UUID(int=1), pathlib.PurePosixPath('/tmp/x'), pathlib.Path('rel')]")
        self.assertEqual(result, [{"$type": "decimal", "repr": "1.10"},
                                  {"$type": "complex", "repr": "(1-2j)"},
                                  {"$type": "fraction", "repr": "1/3"},
                                  {"$type": "uuid", "repr": "00000000-0000-0000-0000-000000000001"},
                                  {"$type": "path", "repr": "/tmp/x"},
                                  {"$type": "path", "repr": "rel"}])

    def test_cycles(self):
        result = self.result_of("a = [1]\na.append(a)\nd = {}\nd['me'] = d\nshared = [0]\n"
                                "result = [a, d, [shared, shared]]")
        self.assertEqual(result, [[1, {"$type": "cycle"}], {"me": {"$type": "cycle"}}, [[0], [0]]])

    def test_depth_limit(self):
        result = self.result_of("x = 0\nfor _ in range(40):\n    x = [x]\nresult = x")
        depth = 0
        while isinstance(result, list):
            result, depth = result[0], depth + 1
        self.assertEqual((depth, result), (32, {"$type": "depth_limit"}))
        result = self.result_of("result = [[[1]]]", limits={"max_depth": 2})
        self.assertEqual(result, [[{"$type": "depth_limit"}]])

    def test_objects(self):
        result = self.result_of(
            "class P:\n    def __repr__(self):\n        return 'P()'\n"
            "class Broken:\n    def __repr__(self):\n        raise ValueError('no')\n"
            "class Long:\n    def __repr__(self):\n        return 'L' * 5000\n"
            "result = [P(), Broken(), Long(), len]")
        self.assertEqual(result[0], {"$type": "object", "class": "__main__.P", "repr": "P()"})
        self.assertEqual(result[1], {"$type": "object", "class": "__main__.Broken",
                                     "repr": "<repr failed: ValueError>"})
        self.assertEqual(len(result[2]["repr"]), 2000)
        self.assertTrue(result[2]["repr"].startswith("LLL"))
        self.assertEqual(result[3], {"$type": "object", "class": "builtins.builtin_function_or_method",
                                     "repr": "<built-in function len>"})

    def test_hostile_objects(self):
        result = self.result_of(
            "class L(list):\n"
            "    def __len__(self): raise RuntimeError\n"
            "    def __iter__(self): raise RuntimeError\n"
            "    def __getitem__(self, i): raise RuntimeError\n"
            "class D(dict):\n"
            "    def items(self): raise RuntimeError\n"
            "    def __iter__(self): raise RuntimeError\n"
            "    def __len__(self): raise RuntimeError\n"
            "class E:\n"
            "    def __eq__(self, other): raise RuntimeError\n"
            "    def __hash__(self): return id(self)\n"
            "    def __repr__(self): raise SystemExit(5)\n"
            "class H:\n"
            "    __hash__ = None\n"
            "    def __eq__(self, other): raise RuntimeError\n"
            "    def __len__(self): raise RuntimeError\n"
            "    def __iter__(self): raise RuntimeError\n"
            "    def __repr__(self): return 'H'\n"
            "result = [L([1, 2]), D(a=1), {E(), E()}, H()]\n")
        self.assertEqual(result[0], [1, 2])
        self.assertEqual(result[1], {"a": 1})
        self.assertEqual(result[2]["$type"], "set")
        self.assertEqual(result[2]["items"], [{"$type": "object", "class": "__main__.E",
                                               "repr": "<repr failed: SystemExit>"}] * 2)
        self.assertEqual(result[3], {"$type": "object", "class": "__main__.H", "repr": "H"})

    def test_ordered_dict_keeps_its_order(self):
        self.assertEqual(list(self.result_of(
            "import collections\nresult = collections.OrderedDict(a=1, b=2)\nresult.move_to_end('a')")),
            ["b", "a"])

    def test_snippet_breaking_builtins(self):
        self.assertEqual(self.result_of(
            "import builtins\nfor name in ('len', 'repr', 'str', 'isinstance', 'type', 'dict'):\n"
            "    setattr(builtins, name, None)\ndel builtins.int\nresult = [1, 'a', object]"),
            [1, "a", {"$type": "object", "class": "builtins.type", "repr": "<class 'object'>"}])

    def test_cut_containers_and_strings(self):
        result = self.result_of("result = [list(range(1500)), {str(i): i for i in range(1200)}, 'x' * 5000]")
        self.assertEqual(result[0], {"$type": "truncated", "value": list(range(1000)), "length": 1500})
        self.assertEqual(result[1]["$type"], "truncated")
        self.assertEqual((len(result[1]["value"]), result[1]["length"]), (1000, 1200))
        self.assertEqual(result[2], {"$type": "truncated", "value": "x" * 2000, "length": 5000})
        result = self.result_of("result = ['abcdef', [1, 2, 3]]",
                                limits={"max_items": 2, "max_repr_chars": 3})
        self.assertEqual(result, [{"$type": "truncated", "value": "abc", "length": 6},
                                  {"$type": "truncated", "value": [1, 2], "length": 3}])

    def test_result_over_max_result_bytes(self):
        run = self.run_code("result = ['y' * 500] * 10", limits={"max_result_bytes": 1000})
        self.assertTrue(run.frame["result_truncated"])
        self.assertEqual(sorted(run.result), ["$type", "repr"])
        self.assertEqual(run.result["$type"], "truncated")
        self.assertTrue(run.result["repr"].startswith("['yyyy"))
        self.assertEqual(run.result["repr"], repr(["y" * 500] * 10)[:2000])

    def test_exponential_shared_structure_is_bounded(self):
        run = self.run_code("a = []\nfor _ in range(64):\n    a = [a, a]\nresult = a")
        self.assertTrue(run.frame["result_truncated"])
        self.assertTrue(run.result["repr"].startswith("[[[[["))
        self.assertLessEqual(len(run.result["repr"]), 2000)

    def test_lone_surrogates_become_replacement_chars(self):
        run = self.run_code("result = [inputs['s'], b'\\xff'.decode('utf-8', 'surrogateescape')]\n"
                            "raise ValueError(result[1])", inputs={"s": "a\ud800b"})
        self.assertEqual(run.result, ["a\ufffdb", "\ufffd"])
        self.assertEqual(run.error["message"], "\ufffd")


class Inputs(RunnerTestCase):
    INPUTS = {"text": "quo\"te's \\back\\slash\nnew\tline \u00fcn\u00efc\u00f6de \U0001F389 \x00",
              "nested": {"a": [1, {"b": None, "c": [True, 2.5]}]},
              "not an identifier": 1, "2x": 2, "class": 3, "for": 4, "None": 5,
              "inputs": 6, "__name__": "hijack", "__builtins__": 7, "_ok": 8, "caf\u00e9": 9}

    def test_values_round_trip(self):
        result = self.result_of("result = [text, nested, inputs]", inputs=self.INPUTS)
        self.assertEqual(result, [self.INPUTS["text"], self.INPUTS["nested"], self.INPUTS])

    def test_only_safe_names_are_injected(self):
        result = self.result_of(
            "result = sorted(k for k in globals() if not k.startswith('__'))\n"
            "result.append(__name__)\nresult.append(inputs['inputs'])", inputs=self.INPUTS)
        self.assertEqual(result, sorted(["_ok", "caf\u00e9", "inputs", "nested", "text"]) + ["__main__", 6])

    def test_non_dict_inputs(self):
        self.assertEqual(self.result_of("result = inputs", inputs=[1, "two"]), [1, "two"])

    def test_large_input(self):
        self.assertEqual(self.result_of("result = len(big)", inputs={"big": "x" * 3000000}), 3000000)

    def test_namespace_has_no_runner_internals(self):
        result = self.result_of(
            "import builtins, sys, __main__\n"
            "result = {'globals': sorted(globals()), 'main': __main__.__dict__ is globals(),\n"
            "          'builtins': sorted(dir(builtins)), 'argv': sys.argv}")
        self.assertEqual(result["globals"], ["__builtins__", "__doc__", "__loader__", "__main__", "__name__",
                                             "__package__", "__spec__", "builtins", "inputs", "sys"])
        self.assertTrue(result["main"])
        bare = subprocess.run([sys.executable, "-I", "-c", "import builtins; print(sorted(dir(builtins)))"],
                              capture_output=True, text=True, timeout=TIMEOUT, env={})
        self.assertEqual(repr(result["builtins"]), bare.stdout.strip())
        self.assertEqual(result["argv"], ["<snippet>"])

    def test_snippet_classes_pickle(self):
        self.assertEqual(self.result_of(
            "import pickle\nclass A:\n    pass\nresult = type(pickle.loads(pickle.dumps(A()))).__name__"), "A")


class Errors(RunnerTestCase):
    def test_syntax_error_line(self):
        run = self.run_code("a = 1\nb = 2\nc = = 3\nd = 4\n")
        self.assertFalse(run.frame["has_result"])
        self.assertEqual(run.error["type"], "SyntaxError")
        self.assertEqual(run.error["line"], 3)
        self.assertEqual(run.error["frames"], [])
        self.assertEqual(run.error["message"], "invalid syntax")
        self.assertIn('File "<snippet>", line 3', run.error["traceback"])
        self.assertIn("c = = 3", run.error["traceback"])
        self.assertTrue(run.error["traceback"].rstrip().endswith("SyntaxError: invalid syntax"))

    def test_indentation_error_line(self):
        run = self.run_code("if True:\n    x = 1\n  y = 2\n")
        self.assertEqual((run.error["type"], run.error["line"], run.error["frames"]),
                         ("IndentationError", 3, []))

    def test_runtime_error_line_and_clean_traceback(self):
        run = self.run_code("a = 1\nb = 0\nc = a / b\n")
        error = run.error
        self.assertEqual((error["type"], error["message"], error["line"]),
                         ("ZeroDivisionError", "division by zero", 3))
        self.assertEqual(error["frames"], [{"file": "<snippet>", "line": 3, "function": "<module>",
                                            "text": "c = a / b"}])
        self.assertTrue(error["traceback"].startswith(
            'Traceback (most recent call last):\n  File "<snippet>", line 3, in <module>\n    c = a / b\n'))
        self.assertNotIn("<string>", error["traceback"])  # the runner's own frames (-c source)
        self.assertTrue(error["traceback"].endswith("ZeroDivisionError: division by zero\n"))

    def test_error_inside_snippet_function(self):
        run = self.run_code("def f(x):\n    return 1 / x\n\nresult = 'partial'\ny = f(0)\n")
        self.assertEqual(run.error["line"], 2)
        self.assertEqual([(f["function"], f["line"]) for f in run.error["frames"]], [("<module>", 5), ("f", 2)])
        self.assertEqual(run.result, "partial")

    def test_library_frames_are_kept(self):
        run = self.run_code("import json\n\njson.loads('{')\n")
        self.assertEqual(run.error["type"], "json.decoder.JSONDecodeError")
        self.assertEqual(run.error["line"], 3)
        frames = run.error["frames"]
        self.assertEqual(frames[0]["file"], "<snippet>")
        self.assertTrue(len(frames) > 1 and all(f["file"].endswith(".py") for f in frames[1:]))

    def test_custom_filename(self):
        run = self.run_code("x = 1\nraise KeyError('k')", filename="<cell 7>")
        self.assertEqual((run.error["type"], run.error["line"], run.error["message"]), ("KeyError", 2, "'k'"))
        self.assertEqual(run.error["frames"][0]["file"], "<cell 7>")
        self.assertIn("raise KeyError('k')", run.error["traceback"])

    def test_chained_exception(self):
        run = self.run_code("try:\n    {}['a']\nexcept KeyError as e:\n    raise ValueError('b') from e\n")
        self.assertEqual((run.error["type"], run.error["line"]), ("ValueError", 4))
        self.assertIn("The above exception was the direct cause", run.error["traceback"])
        self.assertNotIn("<string>", run.error["traceback"])

    def test_recursion_error(self):
        run = self.run_code("def f():\n    return f()\nf()\n")
        self.assertEqual((run.error["type"], run.error["line"]), ("RecursionError", 2))
        self.assertLessEqual(len(run.error["frames"]), 1000)
        self.assertEqual(run.error["frames"][0]["line"], 3)

    def test_partial_result_before_exception(self):
        run = self.run_code("result = 41\nresult += 1\nraise ValueError('boom')\n")
        self.assertTrue(run.frame["has_result"])
        self.assertEqual(run.result, 42)
        self.assertEqual((run.error["type"], run.error["message"], run.error["line"]), ("ValueError", "boom", 3))

    def test_system_exit(self):
        for code, expected in (("sys.exit(0)", None), ("sys.exit()", None), ("sys.exit(None)", None)):
            with self.subTest(code=code):
                run = self.run_code("import sys\nresult = 1\n%s\nresult = 2\n" % code)
                self.assertEqual((run.result, run.error), (1, expected))
        run = self.run_code("import sys\nresult = 1\nraise SystemExit(3)\n")
        self.assertEqual(run.result, 1)
        self.assertEqual((run.error["type"], run.error["message"], run.error["line"]),
                         ("SystemExit", "exit code 3", 3))
        run = self.run_code("import sys\nsys.exit('bye')\n")
        self.assertEqual(run.error["message"], "exit code 1: bye")

    def test_base_exceptions_do_not_kill_the_runner(self):
        for code, name in (("raise GeneratorExit", "GeneratorExit"), ("raise BaseException('x')", "BaseException"),
                           ("class Mine(BaseException):\n    pass\nraise Mine()", "Mine"),
                           ("raise KeyboardInterrupt", "KeyboardInterrupt")):
            with self.subTest(name=name):
                self.assertEqual(self.run_code(code).error["type"], name)

    def test_exception_whose_str_raises(self):
        run = self.run_code("class E(Exception):\n    def __str__(self):\n        raise RuntimeError\nraise E()\n")
        self.assertEqual((run.error["type"], run.error["message"], run.error["line"]),
                         ("E", "<str failed: RuntimeError>", 4))

    def test_memory_error_from_one_allocation(self):
        run = self.run_code("result = 'before'\nx = bytearray(2**33)\n", preexec_fn=_limit_memory)
        self.assertEqual((run.error["type"], run.error["line"], run.result), ("MemoryError", 2, "before"))

    def test_memory_error_after_filling_memory(self):
        run = self.run_code("chunks = []\nwhile True:\n    chunks.append(bytearray(10**6))\n",
                            preexec_fn=_limit_memory)
        self.assertEqual((run.error["type"], run.error["line"]), ("MemoryError", 3))

    def test_keyboard_interrupt_during_sleep(self):
        def cancel(proc, deadline):
            self.wait_for_output("ready", deadline)
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
        run = self.run_code("import time\nprint('ready', flush=True)\ntime.sleep(10)\n", on_started=cancel)
        self.assertEqual((run.error["type"], run.error["line"]), ("KeyboardInterrupt", 3))
        self.assertEqual(run.error["frames"][-1]["text"], "time.sleep(10)")

    def test_keyboard_interrupt_is_catchable_by_the_snippet(self):
        def cancel(proc, deadline):
            self.wait_for_output("ready", deadline)
            proc.send_signal(signal.SIGINT)
        run = self.run_code("import time\ntry:\n    print('ready', flush=True)\n    time.sleep(10)\n"
                            "except KeyboardInterrupt:\n    result = 'caught'\n", on_started=cancel)
        self.assertEqual((run.result, run.error), ("caught", None))

    def test_sigint_while_encoding_does_not_lose_the_frame(self):
        def cancel(proc, deadline):
            self.wait_for_output("encoding", deadline)
            proc.send_signal(signal.SIGINT)
        run = self.run_code("import time\nclass Slow:\n    def __repr__(self):\n"
                            "        print('encoding', flush=True)\n        time.sleep(1)\n"
                            "        return 'Slow()'\nresult = Slow()\n", on_started=cancel)
        self.assertIsNone(run.error)
        self.assertEqual(run.result, {"$type": "object", "class": "__main__.Slow", "repr": "Slow()"})


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (300 * 1024 * 1024, 300 * 1024 * 1024))


class Protocol(RunnerTestCase):
    def test_eof_before_request(self):
        run = self.run_raw(None, expect_rc=3)
        self.assertEqual(run.raw, b"")

    def test_bad_requests(self):
        for payload in (b"", b"{not json", b'{"protocol": 2, "code": ""}', b'{"protocol": 1}', b"[1]"):
            with self.subTest(payload=payload):
                proc, req_w, res_r, _ = self.start()
                os.write(req_w, frame(payload) if payload else b"\x00\x00\x00")
                os.close(req_w)
                self.assertEqual(proc.wait(timeout=TIMEOUT), 3)
                self.assertEqual(os.read(res_r, 100), b"")
                os.close(res_r)

    def test_closed_result_pipe_exits_4(self):
        proc, req_w, res_r, _ = self.start()
        os.close(res_r)
        os.write(req_w, frame({"protocol": 1, "code": "result = 1", "inputs": {}, "filename": "<snippet>"}))
        self.assertEqual(proc.wait(timeout=TIMEOUT), 4)
        os.close(req_w)

    def test_limits_are_optional_and_partial(self):
        self.assertEqual(self.result_of("result = 'abcdef'", limits={"max_repr_chars": 4}),
                         {"$type": "truncated", "value": "abcd", "length": 6})

    def test_private_fds_are_not_inherited(self):
        run = self.run_code(
            "import os, subprocess, sys\n"
            "def pipes():\n"
            "    links = {}\n"
            "    for fd in os.listdir('/proc/self/fd'):\n"
            "        try:\n"
            "            links[int(fd)] = os.readlink('/proc/self/fd/' + fd)\n"
            "        except OSError:\n"
            "            pass\n"
            "    return {fd: link for fd, link in links.items() if fd > 2 and link.startswith('pipe:')}\n"
            "mine = pipes()\n"
            "lister = 'import os\\nfor fd in os.listdir(\"/proc/self/fd\"):\\n' \\\n"
            "         '    try: print(os.readlink(\"/proc/self/fd/\" + fd))\\n    except OSError: pass\\n'\n"
            "child = subprocess.run([sys.executable, '-c', lister], close_fds=False,\n"
            "                       capture_output=True, text=True)\n"
            "result = {'fds': sorted(mine), 'links': sorted(mine.values()), 'child': child.stdout.split(),\n"
            "          'inheritable': [os.get_inheritable(fd) for fd in sorted(mine)]}\n")
        result = run.result
        self.assertEqual(result["fds"], sorted(run.request_fds))
        self.assertEqual(result["inheritable"], [False, False])
        self.assertTrue(result["child"])  # the child did list its fds
        for link in result["links"]:
            self.assertNotIn(link, result["child"])

    def test_forked_child_does_not_report(self):
        run = self.run_code("import os\npid = os.fork()\nif pid == 0:\n    result = 'child'\n"
                            "else:\n    os.waitpid(pid, 0)\n    result = 'parent'\n")
        self.assertEqual(run.result, "parent")

    def test_atexit_and_threads_do_not_run_on(self):
        started = time.monotonic()
        run = self.run_code("import atexit, threading, time\n"
                            "atexit.register(print, 'atexit ran')\n"
                            "threading.Thread(target=time.sleep, args=(30,)).start()\nresult = 1\n")
        self.assertEqual(run.result, 1)
        self.assertNotIn("atexit ran", run.stdout)
        self.assertLess(time.monotonic() - started, TIMEOUT)

    def test_startup_time(self):
        rounds, started = 5, time.monotonic()
        for _ in range(rounds):
            self.assertEqual(self.result_of("result = 1"), 1)
        sys.stderr.write("[runner round trip %.1f ms] " % ((time.monotonic() - started) / rounds * 1000))


@unittest.skipUnless(HAVE_NUMPY, "numpy is not installed")
class NumpyValues(RunnerTestCase):
    def test_scalars(self):
        self.assertEqual(self.result_of(
            "import numpy as np\nresult = [np.int64(5), np.float64('nan'), np.bool_(True), np.float32(0.5)]"),
            [{"$type": "numpy.int64", "value": 5}, {"$type": "numpy.float64", "value": {"$type": "float", "repr": "nan"}},
             {"$type": "numpy.bool_", "value": True}, {"$type": "numpy.float32", "value": 0.5}])

    def test_arrays(self):
        result = self.result_of("import numpy as np\nresult = [np.arange(6.0).reshape(2, 3), np.zeros((3, 2000)),"
                                " np.array(7), np.array([1, np.nan])]")
        self.assertEqual(result[0], {"$type": "numpy.ndarray", "dtype": "float64", "shape": [2, 3],
                                     "data": [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], "truncated": False})
        self.assertEqual((result[1]["shape"], result[1]["truncated"], len(result[1]["data"]),
                          len(result[1]["data"][0])), ([3, 2000], True, 1, 1000))
        self.assertEqual(result[2]["data"], 7)
        self.assertEqual(result[3]["data"], [1.0, {"$type": "float", "repr": "nan"}])


@unittest.skipUnless(HAVE_PANDAS, "pandas is not installed")
class PandasValues(RunnerTestCase):
    def test_dataframe(self):
        run = self.run_code("import pandas as pd\n"
                            "result = pd.DataFrame({'a': [1, 2, 3], 'b': ['x', 'y', 'z'], 'c': [1.5, None, 3.0]})")
        table = {"columns": ["a", "b", "c"], "dtypes": ["int64", "object", "float64"], "index": [0, 1, 2],
                 "rows": [[1, "x", 1.5], [2, "y", {"$type": "float", "repr": "nan"}], [3, "z", 3.0]],
                 "shape": [3, 3], "truncated": False}
        self.assertEqual(run.result, dict({"$type": "pandas.DataFrame"}, **table))
        self.assertEqual(len(run.frame["displays"]), 1)
        data = run.frame["displays"][0]["data"]
        self.assertEqual(data["application/vnd.pysandbox.table+json"], table)
        self.assertIn("a  b    c", data["text/plain"])

    def test_long_dataframe_is_cut_to_max_table_rows(self):
        run = self.run_code("import pandas as pd\nresult = pd.DataFrame({'v': range(100)})")
        self.assertEqual((run.result["shape"], len(run.result["rows"]), run.result["truncated"]),
                         ([100, 1], 50, True))
        table = run.frame["displays"][0]["data"]["application/vnd.pysandbox.table+json"]
        self.assertEqual((len(table["rows"]), table["truncated"]), (50, True))

    def test_series(self):
        run = self.run_code("import pandas as pd\nresult = pd.Series([1.5, 2.5], index=['p', 'q'], name='s')")
        self.assertEqual(run.result, {"$type": "pandas.Series", "name": "s", "dtype": "float64", "length": 2,
                                      "index": ["p", "q"], "values": [1.5, 2.5], "truncated": False})
        table = run.frame["displays"][0]["data"]["application/vnd.pysandbox.table+json"]
        self.assertEqual((table["columns"], table["rows"], table["shape"]), (["s"], [[1.5], [2.5]], [2, 1]))

    def test_missing_values_and_extension_dtypes(self):
        run = self.run_code("import pandas as pd, numpy as np\n"
                            "result = pd.DataFrame({'d': pd.to_datetime(['2024-01-02', None]),"
                            " 'td': pd.to_timedelta(['1s', None]), 'n': pd.array([7, None], dtype='Int64'),"
                            " 'f': [0.5, np.nan]})")
        table = run.frame["displays"][0]["data"]["application/vnd.pysandbox.table+json"]
        self.assertEqual(table["rows"], [[{"$type": "datetime", "iso": "2024-01-02T00:00:00"},
                                          {"$type": "timedelta", "seconds": 1.0}, 7, 0.5],
                                         [None, None, None, {"$type": "float", "repr": "nan"}]])
        self.assertEqual(run.result["rows"], table["rows"])

    def test_table_over_display_cap_keeps_fewer_rows(self):
        run = self.run_code("import pandas as pd\nresult = pd.DataFrame({'s': ['x' * 5000] * 60})",
                            limits={"max_display_bytes": 20000})
        display = run.frame["displays"][0]
        table = display["data"]["application/vnd.pysandbox.table+json"]
        self.assertLessEqual(len(json.dumps(display, separators=(",", ":"))), 20000)
        self.assertEqual((table["shape"], table["truncated"], len(table["rows"])), ([60, 1], True, 6))
        run = self.run_code("import pandas as pd\nresult = pd.DataFrame({'s' * 3000: [1]})",
                            limits={"max_display_bytes": 1000})
        self.assertEqual(run.frame["displays"], [{"data": {"text/plain": "Table (omitted: over the 1000 bytes display cap)"},
                                                  "metadata": {}}])


@unittest.skipUnless(HAVE_MPL, "matplotlib is not installed")
class Figures(RunnerTestCase):
    def test_open_figures_become_png_displays(self):
        run = self.run_code("import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\n"
                            "plt.figure(figsize=(2, 1), dpi=50)\nresult = plt.get_fignums()\n")
        self.assertEqual(run.result, [1, 2])
        displays = run.frame["displays"]
        self.assertEqual([d["data"]["text/plain"] for d in displays], ["Figure 1", "Figure 2"])
        for display, size in zip(displays, ((640, 480), (100, 50))):
            self.assertTrue(base64.b64decode(display["data"]["image/png"]).startswith(PNG_SIGNATURE))
            self.assertEqual((display["metadata"]["width"], display["metadata"]["height"]), size)

    def test_figure_over_display_cap(self):
        run = self.run_code("import matplotlib.pyplot as plt\nplt.plot([1, 2])\n", limits={"max_display_bytes": 100})
        self.assertEqual(len(run.frame["displays"]), 1)
        self.assertEqual(list(run.frame["displays"][0]["data"]), ["text/plain"])
        self.assertRegex(run.frame["displays"][0]["data"]["text/plain"],
                         r"^Figure 1 \(omitted: [\d.]+ KB over the 100 bytes display cap\)$")

    def test_figures_together_are_capped(self):
        run = self.run_code("import matplotlib.pyplot as plt, numpy as np\nrng = np.random.default_rng(0)\n"
                            "for _ in range(4):\n"
                            "    plt.figure(figsize=(1, 1), dpi=60).figimage(rng.integers(0, 256, (60, 60, 3), dtype=np.uint8))\n",
                            limits={"max_display_bytes": 16000})  # ~12.6 KB each; 46.9 KB for all
        self.assertEqual([list(d["data"]) for d in run.frame["displays"][:3]], [["image/png", "text/plain"]] * 3)
        self.assertEqual(run.frame["displays"][3]["data"]["text/plain"],
                         "Figure 4 (omitted: the figures together are over the 46.9 KB display cap)")

    def test_no_figures_no_displays(self):
        run = self.run_code("import matplotlib.pyplot as plt\nplt.close('all')\nresult = 1")
        self.assertEqual(run.frame["displays"], [])


if __name__ == "__main__":
    unittest.main()
