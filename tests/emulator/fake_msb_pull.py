"""`msb pull` of the fake msb 0.2.6 (tests/emulator/fake_msb.py). A TEST TOOL, never shipped.

Nothing is downloaded and no connection is opened: the pull is a timed simulation whose
progress output has the shape of the real one (protocol doc section 4.5; upstream
microsandbox-core `management/image.rs` and `oci/implementations/docker.rs`, drawn by
indicatif 0.17.11, see fake_msb_term.py). On success the image is recorded in
`<home>/.emulator/images.json`, the file msb_emulator.py uses for its `--pull-delay`
bookkeeping, so a later `sandbox.start` of that image skips the pull delay.

Environment switches (all optional):
  FAKE_MSB_PULL_LAYERS   number of layers (3)
  FAKE_MSB_PULL_BYTES    bytes per layer (3 MiB)
  FAKE_MSB_PULL_DELAY    seconds for the whole pull (1)
  FAKE_MSB_PULL_FAIL     a message: the last layer stops half way, the rest finish, then
                         `Error: <message>` and exit 1 (nothing recorded)
  FAKE_MSB_PULL_FORMAT   `garbled`: draw unrecognisable progress text instead (still a success)
"""

import hashlib
import json
import os
import sys
import tempfile
import time

import fake_msb_term as T

FETCH_MSG = "Fetch image details"
DOWNLOAD_MSG = "Download layers"
EXTRACT_MSG = "Extracting layers"
CHUNK = 16 * 1024            # the position advances in whole HTTP body chunks
PHASES = (0.15, 0.70, 0.15)  # fetch details / download / extract, as shares of the delay


class PullFailed(Exception):
    """The pull ends with `Error: <message>` and exit status 1."""


def _env_number(name, default, kind):
    """An env switch as int/float, falling back to the default when unset or malformed."""
    try:
        return kind(os.environ[name])
    except (KeyError, ValueError):
        return default


def images_file(home):
    """The emulator's record of pulled images (msb_emulator.py `Emulator.images_file`)."""
    return os.path.join(home, ".emulator", "images.json")


def read_pulled(home):
    """The set of image references msb_emulator.py considers pulled (a JSON list)."""
    try:
        with open(images_file(home), encoding="utf-8") as f:
            return set(json.load(f))
    except (OSError, ValueError, TypeError):
        return set()


def record_pulled(home, ref):
    """Add `ref` to images.json in the emulator's format (sorted list), atomically.

    Atomic (write + rename) because a running emulator may read the file concurrently.
    """
    pulled = read_pulled(home) | {ref}
    d = os.path.dirname(images_file(home))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".images-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(sorted(pulled), f)
    os.replace(tmp, images_file(home))


def layer_digests(ref, count):
    """Stable fake sha256 layer digests for an image (same image → same digests)."""
    return [hashlib.sha256(("%s#layer%d" % (ref, i)).encode()).hexdigest() for i in range(count)]


class Layer:
    """One layer's simulated download: finishes at `done_at` seconds into the download phase."""

    def __init__(self, digest, size, done_at, fail_at=None):
        self.digest = digest
        self.size = size
        self.done_at = done_at
        self.fail_at = fail_at          # seconds into the phase at which this layer errors out
        self.failed = False

    def pos(self, t):
        """Bytes received after t seconds (whole chunks, capped at the size)."""
        if self.done_at <= 0:
            return self.size
        frac = min(t, self.fail_at if self.fail_at is not None else t) / self.done_at
        got = int(min(frac, 1.0) * self.size)
        return self.size if got >= self.size else (got // CHUNK) * CHUNK

    def finished(self, t):
        """Done (and therefore cleared from the block) after t seconds; a failing layer never is."""
        return self.fail_at is None and t >= self.done_at


def plan_layers(ref, count, size, seconds, fail):
    """Layers finish one after the other between half and the end of the download phase.

    With a failure, the last layer errors out when it is half done; the others complete, as
    upstream's join_all waits for every layer before returning the first error.
    """
    layers = []
    for i, digest in enumerate(layer_digests(ref, count)):
        done_at = seconds * (0.5 + 0.5 * (i + 1) / count)
        fail_at = done_at * 0.5 if (fail and i == count - 1) else None
        layers.append(Layer(digest, size, done_at, fail_at))
    return layers


def _run_phase(seconds, frame, draw):
    """Redraw `frame(t)` at indicatif's rate for `seconds`; a final frame is drawn by the caller."""
    start = time.monotonic()
    while True:
        t = time.monotonic() - start
        if t >= seconds:
            return
        if draw is not None:
            draw(frame(t))
        time.sleep(min(T.DRAW_INTERVAL, max(seconds - t, 0.0)))


def simulate(ref, layers, delay, fail, tty):
    """The real pull's output sequence: fetch spinner, download block, extraction block.

    Returns normally on success; raises PullFailed(message) after the download phase when a
    failure was requested (spinners then show their final ✓ and the failed layer's bar stays,
    which is what indicatif draws when upstream drops them on the error path).
    """
    mp = T.MultiProgress() if tty else None
    draw = mp.draw if tty else None
    fetch_s, download_s, extract_s = (delay * p for p in PHASES)

    _run_phase(fetch_s, lambda t: [T.spinner_line(FETCH_MSG, t)], draw)
    done_fetch = T.spinner_line(FETCH_MSG, done=True)
    if tty:
        draw([done_fetch])

    def download_frame(t, final=False):
        finished = sum(1 for layer in layers if layer.finished(t))
        lines = [done_fetch, T.spinner_line(DOWNLOAD_MSG, t, done=True if final else None,
                                            pos=finished, length=len(layers))]
        for layer in layers:
            if not layer.finished(t):               # finish_and_clear removes a finished bar
                lines.append(T.layer_line(layer.digest, layer.pos(t), layer.size))
        return lines

    _run_phase(download_s, download_frame, draw)
    if tty:
        draw(download_frame(download_s, final=True))
    if fail:
        raise PullFailed(fail)
    done_download = T.spinner_line(DOWNLOAD_MSG, done=True, pos=len(layers), length=len(layers))

    extract = plan_layers(ref, len(layers), layers[0].size if layers else 0, extract_s, None)

    def extract_frame(t, final=False):
        finished = sum(1 for layer in extract if layer.finished(t))
        lines = [done_fetch, done_download,
                 T.spinner_line(EXTRACT_MSG, t, done=True if final else None,
                                pos=finished, length=len(extract))]
        for layer in extract:
            if not layer.finished(t):
                lines.append(T.layer_line(layer.digest, layer.pos(t), layer.size, slash="/"))
        return lines

    _run_phase(extract_s, extract_frame, draw)
    if tty:
        draw(extract_frame(extract_s, final=True))


def simulate_garbled(ref, delay, tty):
    """FAKE_MSB_PULL_FORMAT=garbled: progress text no parser of the real format recognises."""
    start = time.monotonic()
    frames = "|/-\\"
    i = 0
    while time.monotonic() - start < delay:
        pct = int(100 * (time.monotonic() - start) / delay) if delay > 0 else 100
        if tty:
            hashes = "#" * (pct // 5)
            os.write(2, ("\r\x1b[2K%s pulling %s ~ [%-20s] %3d%% ... chunk %d"
                         % (frames[i % 4], ref, hashes, pct, i)).encode())
        i += 1
        time.sleep(T.DRAW_INTERVAL)
    if tty:
        os.write(2, ("\r\x1b[2K%s pulled ok (%d frames)\n" % (ref, i)).encode())


def pull(home, name, image_flag, group_flag, layer_path):
    """`msb pull [-i] [-G] NAME [-L DIR]` → exit status (errors printed as `Error: …`)."""
    if image_flag and group_flag:
        return _error("both image and image_group cannot be true")
    if group_flag:
        return _error("image group pull is currently not supported")
    sys.dont_write_bytecode = True
    import msb_emulator as M       # the emulator's own reference normalisation (section 2.6)
    registry, repo, tag = M.normalize_image(name)
    if registry != "docker.io":
        return _error("Unsupported registry: %s" % registry)
    ref = "%s/%s:%s" % (registry, repo, tag)
    layers_dir = layer_path or os.path.join(home, "layers")
    os.makedirs(layers_dir, exist_ok=True)
    if ref in read_pulled(home):
        return 0                                     # image and layers present: nothing drawn
    count = max(_env_number("FAKE_MSB_PULL_LAYERS", 3, int), 1)
    size = max(_env_number("FAKE_MSB_PULL_BYTES", 3 * 1024 * 1024, int), 0)
    delay = max(_env_number("FAKE_MSB_PULL_DELAY", 1.0, float), 0.0)
    fail = os.environ.get("FAKE_MSB_PULL_FAIL") or None
    tty = T.isatty(2)
    try:
        if os.environ.get("FAKE_MSB_PULL_FORMAT") == "garbled":
            if fail:
                simulate_garbled(ref, delay / 2, tty)
                raise PullFailed(fail)
            simulate_garbled(ref, delay, tty)
        else:
            layers = plan_layers(ref, count, size, delay * PHASES[1], fail)
            simulate(ref, layers, delay, fail, tty)
    except PullFailed as e:
        return _error(str(e))
    for digest in layer_digests(ref, count):          # what a GUI could watch (section 4.5)
        d = os.path.join(layers_dir, "sha256:%s.extracted" % digest)
        os.makedirs(d, exist_ok=True)
    record_pulled(home, ref)
    return 0


def _error(message):
    """What Rust's main prints for an Err: `Error: <Display>` on stderr, exit status 1."""
    sys.stderr.write("Error: %s\n" % message)
    sys.stderr.flush()
    return 1
