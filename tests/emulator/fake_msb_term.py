"""Terminal output of the real `msb` 0.2.6, for tests/emulator/fake_msb.py (a TEST TOOL).

The real CLI draws with four Rust crates, and each has its own rule for when it colours or
draws at all. This module reproduces those rules and their bytes, so that the fake command
shows a client the same thing under a pseudo-terminal and under pipes:

* console 0.15.11 (`style(...)`, the ✓/✗ marks): colours only if **stdout** is a terminal,
  `NO_COLOR` is unset, `TERM` is set and not `dumb`, and `CLICOLOR` is not `0`; or if
  `CLICOLOR_FORCE` is not `0`. indicatif's template styles are console styles, so the progress
  drawn on stderr is coloured by the *stdout* rule, too.
* indicatif 0.17.11 (spinners, progress bars): draws on **stderr** and only when stderr is a
  terminal. A MultiProgress block is redrawn in place: cursor up, `\\r\\x1b[2K` per old line,
  cursor up again, then the new lines joined by `\\n`, the last one padded with spaces to the
  terminal width (`draw_target.rs` `draw_to_term`).
* anstyle (clap styles, `msb --version`): only if stdin and stdout are terminals and `TERM`
  does not contain `dumb` (microsandbox `is_ansi_interactive_terminal`).
* tracing-subscriber 0.3.19 (log lines on stdout): ANSI unless `NO_COLOR` is set.

Standard library only; never shipped.
"""

import datetime
import math
import os
import re
import struct
import sys
import unicodedata

SPINNER_TICKS = ("⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏")   # microsandbox TICK_STRINGS
TICK_SECONDS = 0.080          # enable_steady_tick(80 ms)
DRAW_INTERVAL = 0.050         # indicatif's stderr target draws at most 20 times a second
DEFAULT_SIZE = (80, 24)       # console's fallback when TIOCGWINSZ reports 0 x 0
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

GREEN, RED, YELLOW, BLUE, CYAN, WHITE = 32, 31, 33, 34, 36, 37
BOLD, DIM = 1, 2


def isatty(fd):
    """os.isatty that treats a closed descriptor as 'not a terminal' instead of failing."""
    try:
        return os.isatty(fd)
    except OSError:
        return False


def colors_enabled():
    """console::colors_enabled(): the stdout decision (also used for what goes to stderr)."""
    env = os.environ
    supported = isatty(1) and "NO_COLOR" not in env and env.get("TERM") not in (None, "dumb")
    return (supported and env.get("CLICOLOR", "1") != "0") or env.get("CLICOLOR_FORCE", "0") != "0"


def ansi_interactive():
    """microsandbox_utils::term::is_ansi_interactive_terminal (used by the CLI's own styles)."""
    return isatty(0) and isatty(1) and "dumb" not in os.environ.get("TERM", "")


def style(text, *codes, width=None, enabled=None):
    """console `style(text).<codes>` with optional `{:<width}` padding *inside* the escapes.

    `codes` must be given in console's order: foreground colour first, then attributes in
    enum order (bold before dim), which is the order console writes them.
    """
    body = text.ljust(width) if width else text
    if enabled is None:
        enabled = colors_enabled()
    if not enabled or not codes:
        return body
    return "".join("\x1b[%dm" % c for c in codes) + body + "\x1b[0m"


def checkmark():
    """microsandbox CHECKMARK: a green ✓ (console, stdout rule)."""
    return style("✓", GREEN)


def error_mark():
    """microsandbox ERROR_MARK: a red ✗."""
    return style("✗", RED)


def anstyle(text, *codes):
    """A clap/anstyle style as the CLI applies it (`"…".literal()`): effects, then colour."""
    if not ansi_interactive():
        return text
    return "".join("\x1b[%dm" % c for c in codes) + text + "\x1b[0m"


def text_width(s):
    """console::measure_text_width: ANSI escapes stripped, wide characters count 2."""
    width = 0
    for ch in ANSI_RE.sub("", s):
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def terminal_size(fd=2):
    """(columns, rows) of the terminal on fd, or console's 80 x 24 when it reports 0 x 0."""
    try:
        size = os.get_terminal_size(fd)
        if size.columns > 0 and size.lines > 0:
            return size.columns, size.lines
    except OSError:
        pass
    return DEFAULT_SIZE


def human_bytes(n):
    """indicatif HumanBytes: binary prefixes, `{:.0} B` below 1 KiB, else `{:.2} KiB` etc."""
    if n < 1024:
        return "%d B" % n
    value, idx = float(n), 0
    prefixes = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi")
    while value >= 1024 and idx < len(prefixes) - 1:
        value /= 1024.0
        idx += 1
    return "%.2f %sB" % (value, prefixes[idx])


def _f32(x):
    """Round to an IEEE single, because indicatif computes the bar's fill in f32."""
    return struct.unpack("f", struct.pack("f", x))[0]


def bar(pos, length, width=40, chars="=+-"):
    """indicatif ProgressStyle::format_bar for `{bar:40.green/green.dim}` with `=+-`.

    Filled cells `=`, one head cell `+` while partially done, the rest `-`; the filled part
    and head are green, the rest green+dim (when colours are on).
    """
    fract = 1.0 if length == 0 else min(max(_f32(pos / length), 0.0), 1.0)
    fill = _f32(fract * width)
    full = int(fill)
    head = 1 if (fill > 0.0 and full < width) else 0
    rest = max(width - full - head, 0)
    on = colors_enabled()
    inner = chars[0] * full + (chars[1] if head else "") + style(chars[-1] * rest, GREEN, DIM, enabled=on)
    return style(inner, GREEN, enabled=on)


def tick_str(elapsed):
    """The spinner frame `elapsed` seconds after enable_steady_tick (first drawn frame: ⠙)."""
    return SPINNER_TICKS[(1 + int(elapsed / TICK_SECONDS)) % len(SPINNER_TICKS)]


def spinner_line(msg, elapsed=0.0, done=None, pos=None, length=None):
    """A term::create_spinner line: `{spinner} {msg}` or `{spinner} {msg} {pos} / {len}`.

    done=None: still spinning; True: finished (final tick ✓); False: finish_with_error (✗).
    """
    mark = tick_str(elapsed) if done is None else (checkmark() if done else error_mark())
    line = "%s %s" % (mark, msg)
    if length is not None:
        line += " %s / %s" % (style(str(pos), BOLD), style(str(length), DIM))
    return line


def layer_line(digest_hex, pos, length, slash=" / "):
    """A per-layer bar: `{prefix:.bold.dim} {bar:40…} {bytes:.bold} / {total_bytes:.dim}`.

    The extraction bars of image.rs use the same template with `/` instead of ` / `.
    """
    return "%s %s %s%s%s" % (style(digest_hex[:8], BOLD, DIM), bar(pos, length),
                             style(human_bytes(pos), BOLD), slash, style(human_bytes(length), DIM))


class MultiProgress:
    """indicatif's MultiProgress (alignment Top, no cursor-move mode) drawing on stderr.

    Every draw clears the block drawn last time and writes the new block, exactly like
    `DrawState::draw_to_term`, so a client sees the same escape sequences it would parse from
    the real msb. (indicatif additionally "commits" finished bars at the top of the block and
    stops redrawing them; the visible result is the same, only fewer lines get cleared.)
    """

    def __init__(self, fd=2):
        self.fd = fd
        self.count = 0
        self.width, self.height = terminal_size(fd)

    def draw(self, lines):
        """Replace the previously drawn block by `lines` (a list of strings without newlines)."""
        out = []
        n = self.count
        if n > 1:
            out.append("\x1b[%dA" % (n - 1))
        for i in range(n):
            out.append("\r\x1b[2K")
            if i + 1 != n:
                out.append("\x1b[1B")
        if n > 1:
            out.append("\x1b[%dA" % (n - 1))
        height = 0
        for idx, line in enumerate(lines):
            w = text_width(line)
            rows = max(1, math.ceil(w / self.width))
            if height + rows > self.height:
                break
            height += rows
            if idx:
                out.append("\n")
            out.append(line)
            if idx + 1 == len(lines):
                out.append(" " * (rows * self.width - w))
        self.count = height
        self.write("".join(out))

    def write(self, text):
        """Unbuffered write of the whole frame (indicatif flushes one frame at a time)."""
        data = text.encode("utf-8")
        while data:
            try:
                data = data[os.write(self.fd, data):]
            except InterruptedError:
                continue
            except OSError:
                return


class Spinner:
    """A single `term::create_spinner(msg)` of the msb server commands, drawn only on a TTY.

    These commands finish within milliseconds, so one spinning frame and the final frame are
    drawn (the real ticker draws ⠙ first, then the finished line replaces it in place).
    """

    def __init__(self, msg):
        self.msg = msg
        self.on = isatty(2)
        self.mp = MultiProgress() if self.on else None
        if self.on:
            self.mp.draw([spinner_line(msg)])

    def finish(self, ok=True):
        """finish() → ✓, finish_with_error() → ✗ (also used when indicatif drops a spinner)."""
        if self.on:
            self.mp.draw([spinner_line(self.msg, done=ok)])


def tracing_error(target, message):
    """One tracing-subscriber `fmt` ERROR line as msb prints it on stdout (not with RUST_LOG=off)."""
    if os.environ.get("RUST_LOG", "").strip().lower() == "off":
        return
    now = datetime.datetime.now(datetime.timezone.utc)
    ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % now.microsecond
    if "NO_COLOR" in os.environ:
        line = "%s ERROR %s: %s" % (ts, target, message)
    else:
        line = "\x1b[2m%s\x1b[0m \x1b[31mERROR\x1b[0m \x1b[2m%s\x1b[0m\x1b[2m:\x1b[0m %s" % (ts, target, message)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
