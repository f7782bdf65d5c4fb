"""`msb server status` of the fake msb 0.2.6 (tests/emulator/fake_msb.py). A TEST TOOL.

Upstream (microsandbox-core `management/orchestra.rs`, v0.2.6) reads every namespace's
Sandboxfile and sandbox database itself and prints the sandbox table of protocol doc section
4.4. The emulator keeps sandbox state in memory, so the fake asks the running emulator
(`sandbox.metrics.get`, see fake_msb.live_statuses) and falls back to the entries on disk, all
STOPPED, when no server answers. Rendering, sorting and errors follow orchestra.rs.
"""

import functools
import json
import os
import signal
import sys
import time

import fake_msb_term as T


class StatusError(Exception):
    """An error that upstream's status command returns (printed as `Error: …`)."""


def read_json(path):
    """A JSON file's content, or None if it is missing or broken."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def group_metrics(sandboxes, pid):
    """`sandbox.metrics.get` entries → {namespace: [status]}, PIDS shown as `<pid>/<pid>`."""
    groups = {}
    for s in sandboxes:
        groups.setdefault(s["namespace"], []).append(dict(s, pids="%d/%d" % (pid, pid)))
    return groups


def disk_statuses(ns_root):
    """No reachable server: every Sandboxfile entry on disk, all STOPPED (read like upstream)."""
    groups = {}
    for ns in sorted(os.listdir(ns_root)):
        d = os.path.join(ns_root, ns)
        if not os.path.isdir(d) or not os.path.exists(os.path.join(d, "Sandboxfile")):
            continue
        entries = read_json(os.path.join(d, ".menv", "emulator-sandboxes.json")) or []
        groups[ns] = [{"namespace": ns, "name": name, "running": False, "cpu_usage": None,
                       "memory_usage": None, "disk_usage": None, "pids": "-"} for name, _ in entries]
    return groups


def _opt_cmp(a, b):
    """Rust Option<T>::partial_cmp: None sorts before Some."""
    if a is None or b is None:
        return (a is not None) - (b is not None)
    return (a > b) - (a < b)


def status_cmp(a, b):
    """orchestra.rs row order: running first, then cpu, memory, disk (highest first), name."""
    for r in ((b["running"] > a["running"]) - (b["running"] < a["running"]),
              _opt_cmp(b["cpu_usage"], a["cpu_usage"]), _opt_cmp(b["memory_usage"], a["memory_usage"]),
              _opt_cmp(b["disk_usage"], a["disk_usage"])):
        if r:
            return r
    return (a["name"] > b["name"]) - (a["name"] < b["name"])


def format_disk(n):
    """format_status_columns: strict `>` thresholds, 1024-based, decimal-looking units."""
    if n > 1024 ** 3:
        return "%.2f GB" % (n / 1024 ** 3)
    if n > 1024 ** 2:
        return "%.2f MB" % (n / 1024 ** 2)
    if n > 1024:
        return "%.2f KB" % (n / 1024)
    return "%d B" % n


def table_lines(statuses):
    """The header, the rule and one `{:<15} {:<10} {:<15} {:<12} {:<12} {:<12}` row each."""
    s = T.style
    lines = ["%s %s %s %s %s %s" % (s("SANDBOX", T.BOLD, width=15), s("STATUS", T.BOLD, width=10),
                                    s("PIDS", T.BOLD, width=15), s("CPU", T.BOLD, width=12),
                                    s("MEMORY", T.BOLD, width=12), s("DISK", T.BOLD, width=12)),
             s("─" * 80, T.DIM)]
    for st in sorted(statuses, key=functools.cmp_to_key(status_cmp)):
        run = st["running"]
        lines.append("%s %s %-15s %-12s %-12s %-12s" % (
            s(st["name"], T.BOLD, width=15),
            s("RUNNING" if run else "STOPPED", T.GREEN if run else T.RED, width=10),
            st["pids"] if run else "-",
            "-" if st["cpu_usage"] is None else "%.1f%%" % st["cpu_usage"],
            "-" if st["memory_usage"] is None else "%d MiB" % st["memory_usage"],
            "-" if st["disk_usage"] is None else format_disk(st["disk_usage"])))
    return lines


def render_all(groups, ns_count):
    """display_status_namespaces: namespaces by activity, a table each, then the totals."""
    acts = []
    for ns, sts in groups.items():
        if sts:
            acts.append((-sum(1 for x in sts if x["running"]), -sum(x["cpu_usage"] or 0.0 for x in sts),
                         -sum(x["memory_usage"] or 0 for x in sts), ns, sts))
    lines = [T.style("Last updated: %s" % time.strftime("%Y-%m-%d %H:%M:%S"), T.DIM)]
    total = 0
    for i, (_, _, _, ns, sts) in enumerate(sorted(acts, key=lambda a: a[:4])):
        if i:
            lines.append("")
        lines += ["", T.style("NAMESPACE: %s" % ns, T.WHITE, T.BOLD), T.style("─" * 80, T.DIM)]
        lines += table_lines(sts)
        total += len(sts)
    lines += ["", "%s: %d, %s: %d" % (T.style("Total Namespaces", T.DIM), ns_count,
                                      T.style("Total Sandboxes", T.DIM), total)]
    return lines


def render_one(statuses):
    """display_status (`-n NS`): timestamp, blank line, one table, no totals."""
    return [T.style("Last updated: %s" % time.strftime("%Y-%m-%d %H:%M:%S"), T.DIM), ""] + table_lines(statuses)


def status_lines(home, fetch, names, namespace):
    """One screen of `msb server status`; raises StatusError for upstream's errors.

    `fetch()` returns the live groups from the running server, or None without one.
    """
    ns_root = os.path.join(home, "namespaces")
    try:
        groups = fetch()
    except (OSError, ValueError, KeyError, TypeError):
        groups = None                                   # not answering: read the disk instead
    if groups is None:
        groups = disk_statuses(ns_root)
    if namespace is not None:
        sts = groups.get(namespace, [])
        missing = [n for n in names if n not in {s["name"] for s in sts}]
        if missing:
            path = os.path.join(os.path.realpath(os.path.join(ns_root, namespace)), "Sandboxfile")
            raise StatusError("cannot find sandbox: '%s' in '%s'" % (", ".join(missing), path))
        return render_one([s for s in sts if not names or s["name"] in names])
    if names:               # a namespace lacking any of the names errors, and is skipped
        groups = {ns: [s for s in sts if s["name"] in names] for ns, sts in groups.items()
                  if set(names) <= {s["name"] for s in sts}}
    ns_count = sum(1 for e in os.listdir(ns_root) if os.path.isdir(os.path.join(ns_root, e)))
    return render_all(groups, ns_count)


def show(home, fetch, names, namespace):
    """`msb server status [-n NS] [NAMES…]`: once under pipes; a live view on a stdout TTY."""
    ns_root = os.path.join(home, "namespaces")
    if namespace is not None and not os.path.exists(os.path.join(ns_root, namespace)):
        return fail("not found: Namespace '%s' not found" % namespace)
    if namespace is None and not os.path.exists(ns_root):
        return fail("not found: No namespaces directory found")
    try:
        if not T.isatty(1):
            out("\n".join(status_lines(home, fetch, names, namespace)))
            return 0
        signal.signal(signal.SIGINT, signal.SIG_DFL)    # Ctrl+C ends it like the Rust binary
        out(T.style("Press Ctrl+C to exit live view", T.DIM))
        while True:
            sys.stdout.write("\x1b[2J\x1b[1;1H")
            out("\n".join(status_lines(home, fetch, names, namespace)))
            out("\n" + T.style("Updating every 2 seconds. Press Ctrl+C to exit.", T.DIM))
            time.sleep(2)
    except StatusError as e:
        return fail(str(e))


def out(text):
    """A stdout line, flushed at once."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def fail(message):
    """Rust's main returning Err: `Error: <message>` on stderr, exit status 1."""
    sys.stderr.write("Error: %s\n" % message)
    sys.stderr.flush()
    return 1
