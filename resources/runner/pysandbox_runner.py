# PySandbox native runner, protocol 1 (docs/runner-protocol.md).
#
# Started as  python3 -I -B -u -X utf8 -c <this source> <request-fd> <result-fd> : reads one
# request frame, runs the snippet, writes one result frame, waits for the host to close the
# request pipe, then leaves with os._exit(0).
#
# Startup time matters. The source is compiled on every run (-c has no .pyc), so it is kept
# short, and only modules the interpreter has already loaded are imported up front: `signal`
# would pull in enum and `json` would pull in re (~7 ms together), so their C halves are used.
import os
import sys
import _signal

_DEFAULT_LIMITS = {"max_result_bytes": 8388608, "max_display_bytes": 4194304, "max_repr_chars": 2000,
                   "max_items": 1000, "max_table_rows": 50, "max_depth": 32}


def _json_codec():
    """(loads, dumps) on the C accelerator, falling back to the json package."""
    try:
        import _json

        class Context:
            strict, object_hook, object_pairs_hook, memo = True, None, None, {}
            parse_float, parse_int, parse_constant = float, int, float

        scan = _json.make_scanner(Context())
        encode = _json.make_encoder(None, None, _json.encode_basestring, None, ":", ",", False, False, False)

        def loads(text):
            text = text.strip(" \t\r\n")
            value, end = scan(text, 0)
            if end != len(text):
                raise ValueError("extra data after the JSON value")
            return value

        def dumps(value):
            return "".join(encode(value, 0))

        if loads(' {"a": [1, 2.5]} ') == {"a": [1, 2.5]} and dumps({"a": [None]}) == '{"a":[null]}':
            return loads, dumps
    except Exception:
        pass  # the private API changed: pay for the import instead
    import json
    return json.loads, lambda v: json.dumps(v, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


_loads, _dumps = _json_codec()


def _utf8(text):
    """UTF-8 for the host; lone surrogates (surrogateescape, "\\ud800") become U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace").encode("utf-8")


def _read_exact(fd, size):
    chunks = []
    while size > 0:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None  # EOF inside the frame
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_request(fd):
    """The request object, or None if the host sent no usable frame (EOF, bad JSON...)."""
    try:
        header = _read_exact(fd, 8)
        body = None if header is None else _read_exact(fd, int.from_bytes(header, "big"))
        request = None if body is None else _loads(body.decode("utf-8"))
        if isinstance(request, dict) and request.get("protocol") == 1 \
                and isinstance(request.get("code"), str):
            return request
    except Exception:
        pass
    return None


def _flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass


def _release(fd):
    """Block until the host closes the request pipe (it first kills the snippet's leftovers)."""
    while True:
        try:
            if not os.read(fd, 65536):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    _flush()
    os._exit(0)  # snippet atexit handlers and threads must not run on


# ---------------------------------------------------------------- running the snippet

def _limits(raw):
    limits = dict(_DEFAULT_LIMITS)
    for key in limits:
        value = raw.get(key) if isinstance(raw, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1 << 62:
            limits[key] = int(value)
    return limits


def _namespace(inputs):
    """A fresh __main__ module for the snippet (pickle then finds the snippet's classes)."""
    module = type(sys)("__main__")
    ns = module.__dict__
    ns["__builtins__"] = sys.modules["builtins"]
    if isinstance(inputs, dict) and inputs:
        from keyword import iskeyword
        for key, value in inputs.items():
            # "result" is the snippet's answer, not an input: injecting it would fake one.
            if key.isidentifier() and not iskeyword(key) and not key[:2] == key[-2:] == "__" \
                    and key != "result":
                ns[key] = value
    ns["inputs"] = inputs  # set last: an input named "inputs" stays reachable as inputs["inputs"]
    sys.modules["__main__"] = module
    return ns


def _execute(code_obj, ns):
    """Run the snippet; return the exception that ended it, or None."""
    try:
        exec(code_obj, ns)
    except BaseException as exc:  # SystemExit, KeyboardInterrupt, GeneratorExit... are all reported
        return exc
    finally:
        # A cancel (SIGINT) arriving from here on must not interrupt the reporting.
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    return None


def _safe_str(value, fn=str):
    try:
        return str.__str__(fn(value))
    except BaseException as exc:
        return "<%s failed: %s>" % ("repr" if fn is repr else "str", type(exc).__name__)


def _cut(text, limit):
    return text if len(text) <= limit else text[:max(limit - 1, 0)] + "\u2026"


def _error_info(exc, compiled, code, filename, limits, message):
    import linecache
    import traceback
    # The snippet is not a file: hand linecache its lines so tracebacks quote them.
    lines = [line + "\n" for line in code.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    linecache.cache[filename] = (len(code), None, lines, filename)
    frames, line = [], None
    if not compiled:  # compile() failed: no frames, only the position it reports
        line = getattr(exc, "lineno", None)
        text = "".join(traceback.format_exception_only(type(exc), exc))
    else:
        tb = exc.__traceback__
        tb = tb and tb.tb_next  # the first entry is always _execute's own frame
        while tb is not None and tb.tb_frame.f_code.co_filename != filename:
            tb = tb.tb_next
        for entry in traceback.extract_tb(tb):
            frames.append({"file": entry.filename, "line": entry.lineno, "function": entry.name,
                           "text": entry.line or ""})
            if entry.filename == filename:
                line = entry.lineno
        text = "".join(traceback.format_exception(type(exc), exc, tb))
    if message is None:  # a SyntaxError's str() repeats the file and line; its msg does not
        syntax = isinstance(exc, SyntaxError) and isinstance(exc.msg, str)
        message = exc.msg if syntax else _safe_str(exc)
    keep, cap = limits["max_items"], limits["max_result_bytes"]
    if len(frames) > keep:  # deep recursion: keep both ends
        frames = frames[:keep // 2] + frames[len(frames) - (keep - keep // 2):]
    if len(text) > cap:
        text = text[:cap // 2] + "\n[\u2026]\n" + text[len(text) - cap // 2:]
    cls = type(exc)
    name = cls.__qualname__
    if cls.__module__ not in ("builtins", "__main__"):  # as Python's own traceback spells it
        name = cls.__module__ + "." + name
    return {"type": name, "message": _cut(message, limits["max_repr_chars"]),
            "line": line if isinstance(line, int) else None, "traceback": text, "frames": frames}


def _exit_message(exc):
    """For a SystemExit: None if it is a normal end (code 0/None), else the error message."""
    code = exc.code
    if code is None or isinstance(code, int) and int(code) == 0:
        return None
    return "exit code %d" % int(code) if isinstance(code, int) else "exit code 1: " + _safe_str(code)


# ---------------------------------------------------------------- encoding values

class _TooBig(Exception):
    """The encoded result is going to exceed max_result_bytes."""


def _int_digits(n, limit):
    """The leading decimal digits of n (at most `limit` chars) without a quadratic str()."""
    sign, n = ("-", -n) if n < 0 else ("", n)
    drop = int(n.bit_length() * 0.30102999566398120) - limit - 1  # still keeps > limit digits
    if n.bit_length() > 100000 and drop > 0:
        n //= 10 ** drop
    return (sign + str(n))[:limit]


class _Encoder:
    """Python value -> JSON-ready value, "$type"-tagged as in the protocol's table."""

    def __init__(self, limits, budget):
        self.items, self.chars = limits["max_items"], limits["max_repr_chars"]
        self.max_depth, self.rows = limits["max_depth"], limits["max_table_rows"]
        self.budget = budget  # estimated output bytes left (shared references count every time)
        self.path = set()  # ids of the containers being encoded, to spot cycles

    def encode(self, v, depth=0):
        """Never raises, except _TooBig and MemoryError."""
        try:
            return self._encode(v, depth)
        except (_TooBig, MemoryError):
            raise
        except RecursionError:
            return {"$type": "depth_limit"}
        except BaseException:  # a hostile __len__/__iter__/property...: fall back to repr()
            return self._object(v)

    def _spend(self, size):
        self.budget -= size
        if self.budget < 0:
            raise _TooBig

    def _encode(self, v, depth):
        t = type(v)
        self._spend(8)
        if v is None or t is bool or t is int and -(1 << 53) <= v <= (1 << 53):
            return v
        if t is int:
            return {"$type": "int", "repr": _int_digits(v, self.chars), "bits": v.bit_length()}
        if t is float:
            return v if v - v == 0 else {"$type": "float", "repr": repr(v)}
        if issubclass(t, getattr(sys.modules.get("numpy"), "generic", ())):  # before str/float
            return {"$type": "numpy." + t.__name__, "value": self.encode(v.item(), depth + 1)}
        if issubclass(t, str):
            s = str.__str__(v)
            self._spend(min(len(s), self.chars))
            if len(s) <= self.chars:
                return s
            return {"$type": "truncated", "value": s[:self.chars], "length": len(s)}
        if issubclass(t, (bytes, bytearray)):
            from binascii import b2a_base64
            view = memoryview(v)
            data = b2a_base64(view[:self.chars].tobytes(), newline=False).decode("ascii")
            self._spend(len(data))
            return {"$type": "bytes", "base64": data, "length": view.nbytes,
                    "truncated": view.nbytes > self.chars}
        build = self._builder(t)
        if build is None:
            return self._stdlib(v, t) or self._object(v)
        if depth >= self.max_depth:
            return {"$type": "depth_limit"}
        if id(v) in self.path:
            return {"$type": "cycle"}
        self.path.add(id(v))
        try:
            return build(v, depth + 1)
        finally:
            self.path.discard(id(v))

    def _builder(self, t):
        for cls, build in (((list, tuple), self._sequence), (dict, self._dict),
                           ((set, frozenset), self._set)):
            if issubclass(t, cls):
                return build
        if "numpy" in sys.modules or "pandas" in sys.modules:
            return _library("_library_builder")(self, t)
        return None

    def _wrap(self, value, length):
        return value if length <= self.items else {"$type": "truncated", "value": value, "length": length}

    # Containers are read through their base type's methods: a subclass's overridden (or
    # raising) __len__/__iter__/items() is never called.
    def _sequence(self, v, depth):
        base = list if issubclass(type(v), list) else tuple
        items = base.__getitem__(v, slice(0, self.items))  # a copy: safe from mutation below
        return self._wrap([self.encode(x, depth) for x in items], base.__len__(v))

    def _dict(self, v, depth):
        from itertools import islice
        ordered = getattr(sys.modules.get("collections"), "OrderedDict", ())  # keeps its own order
        base = ordered if issubclass(type(v), ordered) else dict
        pairs, n = list(islice(base.items(v), self.items)), dict.__len__(v)
        if all(type(k) is str and k != "$type" for k, _ in pairs):  # "$type" would read as a tag
            self._spend(sum(len(k) for k, _ in pairs))
            return self._wrap({k: self.encode(x, depth) for k, x in pairs}, n)
        items = [[self.encode(k, depth), self.encode(x, depth)] for k, x in pairs]
        return {"$type": "dict", "items": items, "length": n, "truncated": n > len(items)}

    def _set(self, v, depth):
        from itertools import islice
        base = set if issubclass(type(v), set) else frozenset
        items, n = list(islice(base.__iter__(v), self.items)), base.__len__(v)
        if all(type(x) is str for x in items) or all(type(x) is int or type(x) is float for x in items):
            items.sort()  # a stable order; these compare without running snippet code
        return {"$type": "set", "items": [self.encode(x, depth) for x in items], "length": n,
                "truncated": n > len(items)}

    def _stdlib(self, v, t):
        dt = sys.modules.get("datetime")
        if dt is not None and issubclass(t, dt.timedelta):
            return {"$type": "timedelta", "seconds": self.encode(float(v.total_seconds()))}
        for tag in ("datetime", "date", "time"):  # datetime first: it subclasses date
            if dt is not None and issubclass(t, getattr(dt, tag)):
                return {"$type": tag, "iso": _safe_str(v.isoformat())}
        for module, name in (("builtins", "complex"), ("decimal", "Decimal"), ("fractions", "Fraction"),
                             ("uuid", "UUID"), ("pathlib", "PurePath")):
            cls = getattr(sys.modules.get(module), name, None)
            if isinstance(cls, type) and issubclass(t, cls):
                text = _cut(_safe_str(v), self.chars)
                self._spend(len(text))
                return {"$type": "path" if name == "PurePath" else name.lower(), "repr": text}
        return None

    def _object(self, v):
        try:
            cls = "%s.%s" % (type(v).__module__, type(v).__qualname__)
        except BaseException:
            cls = "?"
        text = _cut(_safe_str(v, repr), self.chars)
        self._spend(len(text))
        return {"$type": "object", "class": cls, "repr": text}


def _short_repr(value, limit):
    """About the first `limit` chars of repr(value), without building all of a huge repr."""
    try:
        import reprlib

        class Budgeted(reprlib.Repr):
            left = limit

            def repr1(self, x, level):
                if self.left <= 0:
                    return "..."  # past the cut, so it never shows
                self.left -= 1  # every call costs, which bounds the walk
                before = self.left
                text = reprlib.Repr.repr1(self, x, level)
                if self.left == before:  # a leaf; a container is paid for by its pieces
                    self.left -= len(text)
                return text

            def repr_str(self, x, level):
                return repr(str.__str__(x)[:limit + 1])

            def repr_int(self, x, level):
                return _int_digits(x, limit + 1)

            def repr_instance(self, x, level):
                return _safe_str(x, repr)[:limit + 1]

        short = Budgeted()
        short.maxlevel = 8
        for kind in ("tuple", "list", "array", "dict", "set", "frozenset", "deque"):
            setattr(short, "max" + kind, limit // 3 + 1)  # more pieces than that cannot fit
        return short.repr(value)[:limit]
    except BaseException as exc:
        return "<repr failed: %s>" % type(exc).__name__


def _encode_result(value, limits):
    """(UTF-8 JSON of the result, truncated?); never raises."""
    cap = limits["max_result_bytes"]
    try:
        data = _utf8(_dumps(_Encoder(limits, cap).encode(value)))
        if len(data) <= cap:
            return data, False
    except BaseException:  # _TooBig, MemoryError: the short form below
        pass
    short = _short_repr(value, limits["max_repr_chars"])
    return _utf8(_dumps({"$type": "truncated", "repr": short})), True


# ---------------------------------------------------------------- numpy, pandas, matplotlib

# This part only matters when the snippet imported one of them, which already cost 100+ ms.
# It is kept as text and compiled on first use: compiling it with the rest of this file
# would add ~0.6 ms to every run.
_LIBRARY_SOURCE = r'''
def _library_builder(enc, t):
    """The encoder's builder for numpy arrays and pandas objects, or None."""
    numpy, pandas = sys.modules.get("numpy"), sys.modules.get("pandas")
    for cls, build in ((getattr(numpy, "ndarray", ()), _ndarray),
                       (getattr(pandas, "DataFrame", ()), _dataframe),
                       (getattr(pandas, "Series", ()), _series)):
        if issubclass(t, cls):
            return lambda v, depth: build(enc, v, depth)
    return None


def _ndarray(enc, a, depth):
    shape, keep, budget = [int(n) for n in a.shape], [], max(enc.items, 1)
    for n in reversed(shape):  # at most max_items elements in all, cutting outer axes first
        keep.insert(0, min(n, budget))
        budget = max(1, budget // max(keep[0], 1))
    data = a[tuple(slice(0, k) for k in keep)].tolist()
    return {"$type": "numpy.ndarray", "dtype": str(a.dtype), "shape": shape,
            "data": enc.encode(data, depth), "truncated": keep != shape}


def _cells(values):
    """Table cells as the UI shows them: pandas' missing markers (NaT, NA) are None, and numpy
    numbers (extension arrays' tolist() yields them) plain Python ones, not numpy tags."""
    pandas, numpy = sys.modules.get("pandas"), sys.modules.get("numpy")
    missing = [m for m in (getattr(pandas, "NaT", None), getattr(pandas, "NA", None)) if m is not None]
    plain = (getattr(numpy, "number", ()), getattr(numpy, "bool_", ()))
    return [None if any(x is m for m in missing) else x.item() if isinstance(x, plain) else x
            for x in values]


def _table(enc, df, depth):
    """The table shared by the pandas.DataFrame tag and the table display."""
    n_rows, n_cols = (int(n) for n in df.shape)
    rows, cols = min(n_rows, enc.rows), min(n_cols, enc.items)
    sub = df.iloc[:rows, :cols]
    columns = [_cells(sub.iloc[:, j].tolist()) for j in range(cols)]  # Python scalars, not numpy ones
    return {"columns": [enc.encode(x, depth) for x in _cells(df.columns[:cols].tolist())],
            "dtypes": [str(x) for x in df.dtypes.iloc[:cols].tolist()],
            "index": [enc.encode(x, depth) for x in _cells(df.index[:rows].tolist())],
            "rows": [[enc.encode(x, depth) for x in row] for row in zip(*columns)] if cols
            else [[] for _ in range(rows)],
            "shape": [n_rows, n_cols], "truncated": rows < n_rows or cols < n_cols}


def _dataframe(enc, df, depth):
    return dict({"$type": "pandas.DataFrame"}, **_table(enc, df, depth))


def _series(enc, s, depth):
    rows = min(len(s), enc.rows)
    return {"$type": "pandas.Series", "name": enc.encode(s.name, depth), "dtype": str(s.dtype),
            "length": len(s), "index": [enc.encode(x, depth) for x in _cells(s.index[:rows].tolist())],
            "values": [enc.encode(x, depth) for x in _cells(s.iloc[:rows].tolist())],
            "truncated": rows < len(s)}


def _note(text):
    return {"data": {"text/plain": text}, "metadata": {}}


def _size(n):
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            text = "%.1f" % (n / scale)
            return (text[:-2] if text.endswith(".0") else text) + " " + unit
    return "%d bytes" % n


def _figures(limits):
    """Open pyplot figures as PNG displays (only if the snippet imported pyplot); closes them."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    import io
    from binascii import b2a_base64
    cap, displays = limits["max_display_bytes"], []
    # All figures together get 3 caps of PNG (4 in base64): with the default limits the result
    # frame (8 MB result + 16 MB figures + 4 MB table) stays under the host's 32 MB frame cap.
    total, left = 3 * cap, 3 * cap
    try:
        numbers = list(plt.get_fignums())
    except BaseException as exc:
        return [_note("Figures (omitted: %s)" % type(exc).__name__)]
    for number in numbers:
        label = "Figure %s" % number
        over_total = _note("%s (omitted: the figures together are over the %s display cap)"
                           % (label, _size(total)))
        if left < 0:  # used up: the rest are not even drawn
            displays.append(over_total)
            continue
        try:
            buffer = io.BytesIO()
            plt.figure(number).savefig(buffer, format="png")
            png = buffer.getvalue()
            if len(png) > cap:
                displays.append(_note("%s (omitted: %s over the %s display cap)"
                                      % (label, _size(len(png)), _size(cap))))
                continue
            if len(png) > left:
                left = -1
                displays.append(over_total)
                continue
            left -= len(png)
            data = b2a_base64(png, newline=False).decode("ascii")
            displays.append({"data": {"image/png": data, "text/plain": label},
                             # The PNG header has the real pixel size, whatever dpi/bbox savefig used.
                             "metadata": {"width": int.from_bytes(png[16:20], "big"),
                                          "height": int.from_bytes(png[20:24], "big")}})
        except BaseException as exc:
            displays.append(_note("%s (omitted: %s)" % (label, type(exc).__name__)))
    try:
        plt.close("all")
    except BaseException:
        pass
    return displays


def _table_display(value, limits):
    pandas = sys.modules.get("pandas")
    frame_type, series_type = getattr(pandas, "DataFrame", ()), getattr(pandas, "Series", ())
    try:
        if not issubclass(type(value), (frame_type, series_type)):
            return None
        frame = value.to_frame() if issubclass(type(value), series_type) else value
        cap, rows = limits["max_display_bytes"], limits["max_table_rows"]
        text = _cut(_safe_str(value, repr), max(cap // 4, 1))
        while True:  # the first max_table_rows rows, or as many as fit the display cap
            enc = _Encoder(limits, cap)
            enc.rows = rows
            try:
                display = {"data": {"application/vnd.pysandbox.table+json": _table(enc, frame, 1),
                                    "text/plain": text}, "metadata": {}}
                if len(_utf8(_dumps(display))) <= cap:
                    return display
            except _TooBig:
                pass
            if rows == 0:
                return _note("Table (omitted: over the %s display cap)" % _size(cap))
            rows //= 2
    except BaseException as exc:
        return _note("Table (omitted: %s)" % type(exc).__name__)
'''


def _library(name):
    """A function from _LIBRARY_SOURCE, compiling that on first use."""
    if "_library_builder" not in globals():
        exec(compile(_LIBRARY_SOURCE, "<pysandbox_runner libraries>", "exec"), globals())
    return globals()[name]


# ---------------------------------------------------------------- main

def _serve(request, pid):
    """Run the request's snippet; return the result frame's JSON."""
    code, filename = request["code"], request.get("filename")
    if not isinstance(filename, str) or not filename:
        filename = "<snippet>"
    limits = _limits(request.get("limits"))
    environment = request.get("environment")
    if isinstance(environment, dict):  # warm runs: the variables the user allowed, set here
        os.environ.update({k: v for k, v in environment.items() if isinstance(k, str) and isinstance(v, str)})
    # Freed before reporting, so that a MemoryError can still be described. bytes(n) is
    # calloc'ed, so its pages are never touched: it reserves address space (RLIMIT_AS, which
    # is what raises MemoryError) for ~0.01 ms instead of costing 0.5 ms of page faults.
    reserve = bytes(1 << 20)
    ns = _namespace(request.get("inputs", {}))
    sys.argv[:] = [filename]  # the private fd numbers are none of the snippet's business
    builtins = sys.modules["builtins"]
    saved_builtins = dict(builtins.__dict__)  # the reporting below needs len, repr, str...
    compiled, error = False, None
    try:
        code_obj = compile(code, filename, "exec", dont_inherit=True)
        compiled = True
    except BaseException as exc:
        error = exc
    if compiled:
        error = _execute(code_obj, ns)
    if os.getpid() != pid:
        os._exit(0)  # a forked child of the snippet fell through: only the runner reports
    del reserve
    builtins.__dict__.update(saved_builtins)
    # Undo what the snippet may have changed that the reporting relies on.
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    _signal.signal(_signal.SIGPIPE, _signal.SIG_IGN)  # a closed result pipe is exit code 4
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # _int_digits keeps int -> str cheap by itself
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))

    info = None
    message = _exit_message(error) if isinstance(error, SystemExit) else None
    if error is not None and (message is not None or not isinstance(error, SystemExit)):
        try:
            info = _error_info(error, compiled, code, filename, limits, message)
        except BaseException:  # e.g. out of memory again: at least say what happened
            info = {"type": type(error).__name__, "message": "", "line": None, "traceback": "",
                    "frames": []}
    error = None  # drop the frames it keeps alive
    has_result = "result" in ns
    result, truncated = _encode_result(ns["result"], limits) if has_result else (b"null", False)
    displays = _library("_figures")(limits) if "matplotlib.pyplot" in sys.modules else []
    if has_result and "pandas" in sys.modules:
        table = _library("_table_display")(ns["result"], limits)
        if table is not None:
            displays.append(table)
    # Assembled by hand so that the (possibly large) result is encoded once.
    return b"".join((b'{"protocol":1,"has_result":', b"true" if has_result else b"false",
                     b',"result":', result, b',"result_truncated":', b"true" if truncated else b"false",
                     b',"error":', _utf8(_dumps(info)), b',"displays":', _utf8(_dumps(displays)), b"}"))


def _main():
    pid, request_fd, result_fd = os.getpid(), int(sys.argv[1]), int(sys.argv[2])
    try:
        os.set_inheritable(request_fd, False)  # the snippet's children must not get them
        os.set_inheritable(result_fd, False)
        request = _read_request(request_fd)
        if request is None:
            os._exit(3)
        body = _serve(request, pid)
    except BaseException as exc:  # a cancel before the snippet ran, a runner bug, no memory...
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
        name = "".join(c for c in type(exc).__name__ if c.isalnum() and c.isascii()) or "Error"
        body = (b'{"protocol":1,"has_result":false,"result":null,"result_truncated":false,'
                b'"error":{"type":"' + name.encode() + b'","message":"","line":null,"traceback":"",'
                b'"frames":[]},"displays":[]}')
    _flush()  # all of the snippet's output is in the pipes before its result: a warm host may finish then
    try:
        view = memoryview(len(body).to_bytes(8, "big") + body)
        while view:
            view = view[os.write(result_fd, view):]
    except OSError:
        os._exit(4)
    _release(request_fd)


if __name__ != "__pysandbox_warm__":  # the warm zygote calls _main() in each forked child
    _main()
