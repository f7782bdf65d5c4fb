"""clap-like command-line parsing for tests/emulator/fake_msb.py (a TEST TOOL, never shipped).

The real `msb` 0.2.6 parses its arguments with clap 4.5 (`microsandbox-cli/lib/args/msb.rs`).
A wizard that runs `msb` sees clap's exit status 2 and its error texts for bad arguments, so
the fake reproduces the forms that matter: unknown subcommands and arguments, missing values,
repeated flags, bad `--port` values, missing required positionals, `-h/--help`. Clap's help
screens are approximated (same sections, not the same wording), and clap's colours on a
terminal are not reproduced.
"""

import sys

# Global flags (`global = true` in msb.rs): accepted before or after any subcommand.
GLOBAL_FLAGS = {"version": "V", "error": None, "warn": None, "info": None, "debug": None, "trace": None}
GLOBAL_HELP = [("-V, --version", "Show version"), ("    --error", "Show logs with error level"),
               ("    --warn", "Show logs with warn level"), ("    --info", "Show logs with info level"),
               ("    --debug", "Show logs with debug level"), ("    --trace", "Show logs with trace level"),
               ("-h, --help", "Print help")]
# Upstream subcommands (and aliases) that the fake does not emulate.
NOT_EMULATED = {(): {"init", "add", "remove", "rm", "list", "log", "tree", "run", "r", "shell", "exe", "x",
                     "install", "i", "uninstall", "apply", "up", "down", "status", "ps", "stat", "clean",
                     "build", "self"},
                ("server",): {"log", "list", "ssh"}}


class Spec:
    """One clap (sub)command: flags, options taking a value, positionals, subcommands."""

    def __init__(self, usage, about="", flags=None, options=None, positional=None, subcommands=None):
        self.usage = usage
        self.about = about
        self.flags = flags or {}            # long name -> short letter or None
        self.options = options or {}        # long name -> (short letter or None, VALUE_NAME)
        self.positional = positional        # None or (VALUE_NAME, required, multiple)
        self.subcommands = subcommands      # None or [(name, about)]

    def shorts(self):
        """short letter -> long name, including the global -V."""
        table = {s: n for n, s in self.flags.items() if s}
        table.update({o[0]: n for n, o in self.options.items() if o[0]})
        table["V"] = "version"
        return table

    def label(self, name):
        """How clap names an argument in messages: `--dev` or `--port <PORT>`."""
        if name in self.options:
            return "--%s <%s>" % (name, self.options[name][1])
        return "--" + name


def specs(has_server, has_host):
    """The command tree of the emulated version (0.3+ has no `server`; --host is 0.2.6+)."""
    top = [("pull", "Pull image from a registry"), ("login", "Login to a registry"),
           ("push", "Push image to a registry"), ("version", "Print version of microsandbox")]
    if has_server:
        top.insert(3, ("server", "Start a sandbox server for orchestrating and working with sandboxes"))
    start_opts = {"port": (None, "PORT"), "path": ("p", "NAMESPACE_DIR"), "key": ("k", "KEY")}
    if has_host:
        start_opts = dict({"host": (None, "HOST")}, **start_opts)
    table = {
        (): Spec("msb [OPTIONS] [COMMAND]",
                 "msb (microsandbox) is a tool for managing lightweight sandboxes and images",
                 subcommands=top),
        ("pull",): Spec("msb pull [OPTIONS] <NAME>", "Pull image from a registry",
                        flags={"image": "i", "image-group": "G"}, options={"layer-path": ("L", "LAYER_PATH")},
                        positional=("NAME", True, False)),
        ("login",): Spec("msb login [OPTIONS]", "Login to a registry"),
        ("push",): Spec("msb push [OPTIONS] <NAME>", "Push image to a registry",
                        flags={"image": "i", "image-group": "G"}, positional=("NAME", True, False)),
        ("version",): Spec("msb version [OPTIONS]", "Print version of microsandbox"),
    }
    if has_server:
        table.update({
            ("server",): Spec("msb server [OPTIONS] <COMMAND>",
                              "Start a sandbox server for orchestrating and working with sandboxes",
                              subcommands=[("start", "Start the sandbox server which is also an MCP server"),
                                           ("stop", "Stop the sandbox server"),
                                           ("keygen", "Generate a new API key"),
                                           ("log", "Show logs of a sandbox"),
                                           ("list", "List sandboxes in a namespace"),
                                           ("status", "Show server status"),
                                           ("ssh", "SSH into a sandbox")]),
            ("server", "start"): Spec("msb server start [OPTIONS]",
                                      "Start the sandbox server which is also an MCP server",
                                      flags={"dev": None, "detach": "d", "reset-key": "r"},
                                      options=start_opts),
            ("server", "stop"): Spec("msb server stop [OPTIONS]", "Stop the sandbox server"),
            ("server", "keygen"): Spec("msb server keygen [OPTIONS]", "Generate a new API key",
                                       options={"expire": (None, "EXPIRE"), "namespace": ("n", "NAMESPACE")}),
            ("server", "status"): Spec("msb server status [OPTIONS] [NAMES]...", "Show server status",
                                       flags={"sandbox": "s"}, options={"namespace": ("n", "NAMESPACE")},
                                       positional=("NAMES", False, True)),
        })
    return table


class Parsed:
    """The outcome of a successful parse: the subcommand path and the given arguments."""

    def __init__(self):
        self.path = ()
        self.flags = set()
        self.options = {}
        self.positionals = []


class Exit(Exception):
    """Raised to end the program with this status after output was written."""

    def __init__(self, status):
        """status: the process exit status to end with."""
        super().__init__(status)
        self.status = status


def clap_error(message, usage=None):
    """clap's error layout on stderr, exit status 2."""
    text = "error: %s\n\n" % message
    if usage:
        text += "Usage: %s\n\n" % usage
    sys.stderr.write(text + "For more information, try '--help'.\n")
    raise Exit(2)


def help_text(spec):
    """An approximation of clap's help screen for `spec`."""
    out = [spec.about, "", "Usage: " + spec.usage, ""]
    if spec.subcommands:
        width = max(len(n) for n, _ in spec.subcommands + [("help", "")])
        out.append("Commands:")
        for name, about in spec.subcommands + [("help", "Print this message or the help of the given subcommand(s)")]:
            out.append("  %s  %s" % (name.ljust(width), about))
        out.append("")
    if spec.positional:
        out += ["Arguments:", "  <%s>%s" % (spec.positional[0], "..." if spec.positional[2] else ""), ""]
    rows = []
    for name, short in spec.flags.items():
        rows.append(("-%s, --%s" % (short, name) if short else "    --" + name, ""))
    for name, (short, value) in spec.options.items():
        rows.append(("-%s, --%s <%s>" % (short, name, value) if short else "    --%s <%s>" % (name, value), ""))
    rows += GLOBAL_HELP
    width = max(len(r[0]) for r in rows)
    out.append("Options:")
    out += ["  %s  %s" % (left.ljust(width), right) if right else "  " + left for left, right in rows]
    return "\n".join(out) + "\n"


def not_emulated(path):
    """An upstream subcommand the fake does not provide: say so plainly, exit status 2."""
    sys.stderr.write("fake msb: `msb %s` is not emulated (see tests/emulator/README.md)\n" % " ".join(path))
    raise Exit(2)


def parse(argv, table):
    """Parse argv like clap would for msb's command tree; raise Exit on errors and --help."""
    p = Parsed()
    spec = table[()]
    i = 0
    only_positional = False
    seen_any_after_sub = False

    def set_flag(name):
        if name in p.flags:
            clap_error("the argument '%s' cannot be used multiple times" % spec.label(name), spec.usage)
        p.flags.add(name)

    def set_option(name, value):
        if name in p.options:
            clap_error("the argument '%s' cannot be used multiple times" % spec.label(name), spec.usage)
        p.options[name] = value

    def take_value(name, inline):
        nonlocal i
        if inline is not None:
            return inline
        if i >= len(argv) or (argv[i].startswith("-") and argv[i] != "-"):
            clap_error("a value is required for '%s' but none was supplied" % spec.label(name))
        i += 1
        return argv[i - 1]

    while i < len(argv):
        a = argv[i]
        i += 1
        seen_any_after_sub = True
        if only_positional or a == "-" or not a.startswith("-"):
            if spec.subcommands is not None and not only_positional:
                names = [n for n, _ in spec.subcommands]
                if a in names:
                    p.path += (a,)
                    spec = table[p.path]
                    seen_any_after_sub = False
                    continue
                if a in NOT_EMULATED.get(p.path, ()):
                    not_emulated(list(p.path) + [a])
                if a == "help":
                    sys.stdout.write(help_text(spec))
                    raise Exit(0)
                clap_error("unrecognized subcommand '%s'" % a, spec.usage)
            if spec.positional is None or (p.positionals and not spec.positional[2]):
                clap_error("unexpected argument '%s' found" % a, spec.usage)
            p.positionals.append(a)
            continue
        if a == "--":
            only_positional = True
            continue
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            if name == "help":
                sys.stdout.write(help_text(spec))
                raise Exit(0)
            if name in GLOBAL_FLAGS or name in spec.flags:
                if eq:
                    clap_error("unexpected value '%s' for '--%s' found; no more were expected" % (value, name),
                               spec.usage)
                set_flag(name)
            elif name in spec.options:
                set_option(name, take_value(name, value if eq else None))
            else:
                clap_error("unexpected argument '--%s' found" % name, spec.usage)
            continue
        shorts = spec.shorts()
        j = 1
        while j < len(a):
            c = a[j]
            j += 1
            if c == "h":
                sys.stdout.write(help_text(spec))
                raise Exit(0)
            name = shorts.get(c)
            if name is None:
                clap_error("unexpected argument '-%s' found" % c, spec.usage)
            if name in spec.options:
                rest = a[j:]
                rest = rest[1:] if rest.startswith("=") else rest
                set_option(name, take_value(name, rest or None))
                break
            set_flag(name)

    if spec.subcommands is not None and p.path:          # `msb server` without a subcommand
        if not seen_any_after_sub:
            sys.stderr.write(help_text(spec))
            raise Exit(2)
        clap_error("'msb %s' requires a subcommand but one was not provided\n  [subcommands: %s]"
                   % (" ".join(p.path), ", ".join([n for n, _ in spec.subcommands] + ["help"])), spec.usage)
    if spec.positional and spec.positional[1] and not p.positionals:
        clap_error("the following required arguments were not provided:\n  <%s>" % spec.positional[0],
                   "msb %s <%s>" % (" ".join(p.path), spec.positional[0]))
    return p


def parse_port(value):
    """clap's u16 value parser, with its messages."""
    label = "--port <PORT>"
    if value == "":
        clap_error("invalid value '' for '%s': cannot parse integer from empty string" % label)
    body = value[1:] if value[:1] in "+-" else value
    if not body.isdigit() or not body.isascii():
        clap_error("invalid value '%s' for '%s': invalid digit found in string" % (value, label))
    n = int(value)
    if not 0 <= n <= 65535:
        clap_error("invalid value '%s' for '%s': %d is not in 0..=65535" % (value, label, n))
    return n
