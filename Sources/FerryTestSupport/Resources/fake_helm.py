#!/usr/bin/env python3
# ferry-fake-helm: a FAKE `helm` for Ferry's tests. It is not Helm and must never be shipped.
# It accepts Helm 3.8-3.x's command grammar, and Helm 4's where the version file says v4 (the
# upgrade flags --rollback-on-failure and --wait=STRATEGY; --atomic deprecated), with cobra/pflag
# parsing, the same flags, arities and error texts, for: version, repo add|list|update, search repo, pull, install, upgrade, status, history,
# get values|manifest, rollback. Releases are records in $FERRY_FAKE_HELM_STATE, not in a cluster;
# charts are loaded and rendered by the real Helm engine (PyPI helm-python-sdk, `helm_python`).
# A real helm flag whose behaviour this fake does not model fails with exit 2 ("fake helm: ...").
import base64, copy, json, os, re, shutil, sys, tempfile, time


class Failure(Exception):
    # What real helm would print as "Error: <message>" (exit 1).
    pass


class NotFaked(Exception):
    # Valid for real helm but not modelled by this fake (exit 2).
    pass


STATE = os.environ.get("FERRY_FAKE_HELM_STATE", "")
if not STATE:
    sys.stderr.write("Error: fake helm: FERRY_FAKE_HELM_STATE is not set\n")
    sys.exit(2)
os.makedirs(STATE, exist_ok=True)


def read_version():
    try:
        with open(os.path.join(STATE, "version")) as f:
            text = f.read().strip()
    except FileNotFoundError:
        text = ""
    return text or "v3.14.4"


VERSION = read_version()
_vm = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", VERSION)
VT = (int(_vm.group(1)), int(_vm.group(2)), int(_vm.group(3) or 0)) if _vm else (3, 14, 4)

_helm = None


def H():
    global _helm
    if _helm is None:
        try:
            import helm_python
        except ImportError:
            sys.stderr.write("Error: fake helm: helm-python-sdk is not installed (pip install helm-python-sdk)\n")
            sys.exit(3)
        _helm = helm_python
    return _helm


def hmsg(e):
    # The engine (Helm 4's SDK) spreads template errors over indented lines; helm 3 prints them on one.
    lines = [l.strip() for l in (getattr(e, "detail", None) or str(e)).strip().splitlines() if l.strip()]
    if len(lines) > 1 and re.match(r"^\S+:\d+(:\d+)?$", lines[0]):
        return "template: " + ": ".join(l.rstrip(":") for l in lines)
    return " ".join(lines)


# ---------------------------------------------------------------- output encodings (Go's)

def go_json(obj):
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for a, b in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        s = s.replace(a, b)
    return s + "\n"


def go_yaml(obj):
    if obj is None:
        return "null\n"
    if obj == {}:
        return "{}\n"
    if obj == []:
        return "[]\n"
    import yaml

    class Dumper(yaml.SafeDumper):
        def choose_scalar_style(self):
            style = super().choose_scalar_style()
            return '"' if style == "'" else style  # go-yaml quotes with double quotes

    def text(dumper, data):
        if "\n" in data:
            return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
        return dumper.represent_scalar("tag:yaml.org,2002:str", data)

    Dumper.add_representer(str, text)
    return yaml.dump(obj, Dumper=Dumper, default_flow_style=False, sort_keys=True, allow_unicode=True, width=1 << 30)


def yaml_load(data):
    # PyYAML without the timestamp resolver: Go's YAML keeps dates as strings.
    import yaml
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):
        pass

    Loader.yaml_implicit_resolvers = {
        k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
        for k, v in base.yaml_implicit_resolvers.items()
    }
    return yaml.load(data, Loader=Loader)


def table(rows, max_width=0):
    cells = [[str(c) for c in row] for row in rows]
    if max_width:
        cells = [[c if len(c) <= max_width else c[:max(max_width - 3, 0)] + "..." for c in row] for row in cells]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return "\n".join("\t".join(c.ljust(widths[i]) for i, c in enumerate(row)) for row in cells) + "\n"


def go_time(ns=None):
    # Go's time.Time JSON form (RFC 3339 with nanoseconds, local zone; "Z" in UTC).
    ns = time.time_ns() if ns is None else ns
    secs, frac = divmod(ns, 1_000_000_000)
    lt = time.localtime(secs)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", lt)
    if frac:
        text += ("." + "%09d" % frac).rstrip("0")
    off = lt.tm_gmtoff
    if off == 0:
        return text + "Z"
    sign = "+" if off > 0 else "-"
    off = abs(off)
    return text + "%s%02d:%02d" % (sign, off // 3600, (off % 3600) // 60)


def ansic(ns):
    lt = time.localtime(ns // 1_000_000_000)
    return time.strftime("%a %b ", lt) + "%2d" % lt.tm_mday + time.strftime(" %H:%M:%S %Y", lt)


# ---------------------------------------------------------------- semver (Masterminds v3 rules)

_SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$")


class Ver:
    def __init__(self, major, minor, patch, pre):
        self.t = (major, minor, patch)
        self.pre = pre or ""

    def key(self):
        if not self.pre:
            return self.t + ((1,),)
        ids = tuple((0, int(p)) if p.isdigit() else (1, p) for p in self.pre.split("."))
        return self.t + ((0,) + ids,)


def parse_version(text):
    m = _SEMVER.match(str(text))
    if not m:
        return None
    return Ver(int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0), m.group(4))


_OP = r"(?:!=|>=|=>|<=|=<|~>|=|>|<|~|\^)"
_CV = r"v?(?:\d+|[xX*])(?:\.(?:\d+|[xX*]))?(?:\.(?:\d+|[xX*]))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
_TERM = re.compile(r"\s*(" + _OP + r")?\s*(" + _CV + r")\s*,?")
_HYPHEN = re.compile(r"(" + _CV + r")\s+-\s+(" + _CV + r")")


def parse_constraint(text):
    groups = []
    for part in str(text).split("||"):
        part = _HYPHEN.sub(lambda m: ">= %s, <= %s" % (m.group(1), m.group(2)), part.strip())
        terms, pos = [], 0
        while pos < len(part):
            m = _TERM.match(part, pos)
            if not m or m.end() == pos:
                raise Failure("improper constraint: %s" % text)
            op = {"=>": ">=", "=<": "<=", "~>": "~"}.get(m.group(1) or "=", m.group(1) or "=")
            raw = m.group(2).lstrip("v")
            core, _, _meta = raw.partition("+")
            core, _, pre = core.partition("-")
            parts = core.split(".")
            nums = []
            for p in parts:
                nums.append(None if p in ("x", "X", "*") else int(p))
            nums += [None] * (3 - len(nums))  # an omitted minor/patch is a wildcard, as in Masterminds
            terms.append((op, nums, pre))
            pos = m.end()
        if not terms:
            raise Failure("improper constraint: %s" % text)
        groups.append(terms)
    return groups


def _term_ok(v, op, nums, pre):
    if v.pre and not pre:
        return False
    major, minor, patch = nums
    dirty = None in nums
    low = Ver(major or 0, minor or 0, patch or 0, pre)
    if major is None:
        high = None
    elif minor is None:
        high = (major + 1, 0, 0)
    elif patch is None:
        high = (major, minor + 1, 0)
    else:
        high = None
    vk, lk = v.key(), low.key()
    if op == "=":
        if not dirty:
            return vk == lk
        return vk >= lk and (high is None or v.t < high)
    if op == "!=":
        return not _term_ok(v, "=", nums, pre) if (not v.pre or pre) else False
    if op == ">":
        if not dirty:
            return vk > lk
        return high is not None and v.t >= high
    if op == ">=":
        return vk >= lk
    if op == "<":
        return vk < lk
    if op == "<=":
        if not dirty:
            return vk <= lk
        return high is None or v.t < high
    if op == "~":
        upper = (major or 0, (minor or 0) + 1, 0) if minor is not None else ((major or 0) + 1, 0, 0)
        if major is None:
            return True
        return vk >= lk and v.t < upper
    if op == "^":
        if major is None:
            return True
        if major > 0:
            upper = (major + 1, 0, 0)
        elif minor is None:
            upper = (1, 0, 0)
        elif minor > 0:
            upper = (0, minor + 1, 0)
        elif patch is None:
            upper = (0, 1, 0)
        else:
            upper = (0, 0, patch + 1)
        return vk >= lk and v.t < upper
    return False


def constraint_ok(groups, v):
    return any(all(_term_ok(v, op, nums, pre) for op, nums, pre in terms) for terms in groups)


# ---------------------------------------------------------------- flags (pflag rules)

class Flag:
    def __init__(self, name, kind="bool", short=None, default=None, noopt=None, since=None, faked=True, until=None, deprecated=None):
        self.name, self.kind, self.short, self.since, self.faked = name, kind, short, since, faked
        # until: the first version without the flag; deprecated: helm's note when it is used.
        self.until, self.deprecated = until, deprecated
        self.noopt = "true" if kind == "bool" and noopt is None else noopt
        if default is None:
            default = {"bool": False, "int": 0, "uint": 0, "float": 0.0, "stringArray": [], "stringSlice": [],
                       "stringToString": {}, "output": "table", "duration": "0s"}.get(kind, "")
        self.default = default

    def display(self):
        return ("-%s, --%s" % (self.short, self.name)) if self.short else "--" + self.name


def F(*a, **k):
    return Flag(*a, **k)


GLOBAL_FLAGS = [
    F("namespace", "string", "n"), F("kubeconfig", "string"), F("kube-context", "string"), F("kube-token", "string"),
    F("kube-as-user", "string"), F("kube-as-group", "stringArray"), F("kube-apiserver", "string"),
    F("kube-ca-file", "string"), F("kube-tls-server-name", "string", since=(3, 10)),
    F("kube-insecure-skip-tls-verify", since=(3, 10)), F("debug"), F("registry-config", "string"),
    F("repository-config", "string"), F("repository-cache", "string"), F("burst-limit", "int", default=100, since=(3, 10)),
    F("qps", "float", since=(3, 14)),
]

OUTPUT = [F("output", "output", "o")]
CHART_PATH = [
    F("version", "string"), F("verify", faked=False), F("keyring", "string"), F("repo", "string"),
    F("username", "string"), F("password", "string"), F("cert-file", "string"), F("key-file", "string"),
    F("insecure-skip-tls-verify"), F("plain-http", since=(3, 13)), F("ca-file", "string"), F("pass-credentials"),
]
VALUES = [
    F("values", "stringSlice", "f"), F("set", "stringArray"), F("set-string", "stringArray"),
    F("set-file", "stringArray"), F("set-json", "stringArray", since=(3, 10)), F("set-literal", "stringArray", since=(3, 12)),
]
POST_RENDER = [F("post-renderer", "string", faked=False), F("post-renderer-args", "stringArray", faked=False)]
INSTALL_COMMON = [
    F("create-namespace"), F("dry-run", "string", noopt="client", since=(3, 13)), F("dry-run", until=(3, 13)), F("force"),
    F("no-hooks"), F("timeout", "duration", default="5m0s"), F("wait", until=(4, 0)),
    F("wait", "string", noopt="watcher", since=(4, 0)), F("wait-for-jobs"), F("description", "string"), F("devel"),
    F("dependency-update"), F("disable-openapi-validation"), F("atomic", until=(4, 0)),
    F("atomic", since=(4, 0), deprecated="use --rollback-on-failure instead"), F("rollback-on-failure", since=(4, 0)),
    F("skip-crds"), F("render-subchart-notes"),
    F("labels", "stringToString", "l", since=(3, 13)), F("enable-dns", since=(3, 12)),
]

COMMANDS = {
    ("version",): dict(use="version", args=("none",), flags=[F("short"), F("template", "string"), F("client", short="c", default=True)]),
    ("repo",): dict(use="repo add|remove|list|index|update [ARGS]", args=("none",), parent=True),
    ("repo", "add"): dict(use="add [NAME] [URL]", args=("exact", 2), flags=[
        F("username", "string"), F("password", "string"), F("password-stdin"), F("force-update"), F("no-update"),
        F("cert-file", "string"), F("key-file", "string"), F("ca-file", "string"), F("insecure-skip-tls-verify"),
        F("allow-deprecated-repos"), F("pass-credentials")]),
    ("repo", "list"): dict(use="list", args=("none",), flags=OUTPUT),
    ("repo", "update"): dict(use="update [REPO1 [REPO2 ...]]", args=("min", 0), flags=[F("fail-on-repo-update-fail")]),
    ("search",): dict(use="search [keyword]", args=("any",), parent=True),
    ("search", "repo"): dict(use="repo [keyword]", args=("any",), flags=[
        F("regexp", short="r"), F("versions", short="l"), F("devel"), F("version", "string"),
        F("max-col-width", "uint", default=50), F("fail-on-no-result", since=(3, 14))] + OUTPUT),
    ("pull",): dict(use="pull [chart URL | repo/chartname] [...]", args=("min", 1), flags=[
        F("devel"), F("untar"), F("prov", faked=False), F("untardir", "string", default="."),
        F("destination", "string", "d", default=".")] + CHART_PATH),
    ("install",): dict(use="install [NAME] [CHART]", args=("min", 1), flags=INSTALL_COMMON + [
        F("replace"), F("generate-name", short="g"), F("name-template", "string", faked=False)] + VALUES + CHART_PATH + OUTPUT + POST_RENDER),
    ("upgrade",): dict(use="upgrade [RELEASE] [CHART]", args=("exact", 2), flags=INSTALL_COMMON + [
        F("install", short="i"), F("recreate-pods"), F("reset-values"), F("reuse-values"),
        F("reset-then-reuse-values", since=(3, 14)), F("history-max", "int", default=None), F("cleanup-on-fail")]
        + VALUES + CHART_PATH + OUTPUT + POST_RENDER),
    ("status",): dict(use="status RELEASE_NAME", args=("exact", 1), flags=[
        F("revision", "int"), F("show-desc"), F("show-resources", since=(3, 11))] + OUTPUT),
    ("history",): dict(use="history RELEASE_NAME", args=("exact", 1), flags=[F("max", "int", default=256)] + OUTPUT),
    ("list",): dict(use="list [flags]", args=("none",), flags=[
        F("all-namespaces", short="A"), F("all", short="a"), F("deployed"), F("failed"), F("pending"), F("superseded"),
        F("uninstalled"), F("uninstalling"), F("max", "int", short="m", default=256), F("offset", "int"), F("filter", "string", short="f", faked=False),
        F("selector", "string", short="l", faked=False), F("short", short="q"), F("no-headers"), F("date", short="d"), F("reverse", short="r"),
        F("time-format", "string", faked=False)] + OUTPUT),
    ("get",): dict(use="get", args=("none",), parent=True),
    ("get", "values"): dict(use="values RELEASE_NAME", args=("exact", 1), flags=[F("revision", "int"), F("all", short="a")] + OUTPUT),
    ("get", "manifest"): dict(use="manifest RELEASE_NAME", args=("exact", 1), flags=[F("revision", "int")]),
    ("rollback",): dict(use="rollback <RELEASE> [REVISION]", args=("min", 1), flags=[
        F("dry-run", faked=False), F("recreate-pods"), F("force"), F("no-hooks"), F("timeout", "duration", default="5m0s"),
        F("wait"), F("wait-for-jobs"), F("cleanup-on-fail"), F("history-max", "int", default=None)]),
}
ALIASES = {(): {"fetch": "pull", "hist": "history", "ls": "list"}, ("repo",): {"ls": "list", "up": "update"}}
REAL_BUT_NOT_FAKED = {
    (): ["completion", "create", "dependency", "env", "help", "lint", "package", "plugin", "push",
         "registry", "show", "template", "test", "uninstall", "verify", "un", "del", "delete", "uninstall", "inspect", "dep"],
    ("repo",): ["remove", "rm", "index"], ("search",): ["hub"], ("get",): ["all", "hooks", "notes", "metadata"],
}


def children(path):
    out = {p[len(path)]: p for p in COMMANDS if len(p) == len(path) + 1 and p[:len(path)] == path}
    for alias, target in ALIASES.get(path, {}).items():
        out[alias] = path + (target,)
    return out


def flagset(path):
    spec = COMMANDS.get(path, {})
    flags = [f for f in spec.get("flags", []) + GLOBAL_FLAGS
             if (f.since is None or VT[:2] >= f.since) and (f.until is None or VT[:2] < f.until)]
    return {f.name: f for f in flags}, {f.short: f for f in flags if f.short}


def use_line(path):
    spec = COMMANDS[path]
    prefix = " ".join(("helm",) + path[:-1]) if path else "helm"
    return prefix + " " + spec["use"] + " [flags]"


def usage_text(path):
    return "fake helm (Ferry test stand-in), Helm %s grammar\n\nUsage:\n  %s\n" % (VERSION, use_line(path))


def parse_bool(text, flag):
    table_ = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
              "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}
    if text not in table_:
        raise Failure('invalid argument "%s" for "%s" flag: strconv.ParseBool: parsing "%s": invalid syntax' % (text, flag.display(), text))
    return table_[text]


_DUR = re.compile(r"^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$")


def set_flag(values, flag, text):
    if flag.deprecated:
        sys.stderr.write("Flag --%s has been deprecated, %s\n" % (flag.name, flag.deprecated))
    if flag.name == "wait" and flag.kind == "string" and text not in ("watcher", "hookOnly", "legacy"):
        raise Failure('invalid argument "%s" for "--wait" flag: invalid wait strategy %q, must be one of watcher, hookOnly, legacy'.replace("%q", '"%s"') % (text, text))
    if flag.name == "dry-run" and flag.kind == "string" and text not in ("none", "client", "server", "false", "true"):
        raise Failure('Invalid dry-run flag. Flag must one of the following: false, true, none, client, server')
    k = flag.kind
    bad = lambda why: Failure('invalid argument "%s" for "%s" flag: %s' % (text, flag.display(), why))
    if k == "bool":
        values[flag.name] = parse_bool(text, flag)
    elif k in ("int", "uint"):
        try:
            n = int(text, 0)
            if k == "uint" and n < 0:
                raise ValueError
        except ValueError:
            raise bad('strconv.Parse%s: parsing "%s": invalid syntax' % ("Int" if k == "int" else "Uint", text))
        values[flag.name] = n
    elif k == "float":
        try:
            values[flag.name] = float(text)
        except ValueError:
            raise bad('strconv.ParseFloat: parsing "%s": invalid syntax' % text)
    elif k == "duration":
        if not (text in ("0", "+0", "-0") or _DUR.match(text)):
            if re.match(r"^[-+]?[\d.]+$", text):
                raise bad('time: missing unit in duration "%s"' % text)
            raise bad('time: invalid duration "%s"' % text)
        values[flag.name] = text
    elif k == "output":
        if text not in ("table", "json", "yaml"):
            raise bad("invalid format type")
        values[flag.name] = text
    elif k == "stringArray":
        values.setdefault(flag.name, [])
        values[flag.name] = values[flag.name] + [text]
    elif k == "stringSlice":
        import csv
        items = next(csv.reader([text])) if text else []
        values[flag.name] = values.get(flag.name, []) + items
    elif k == "stringToString":
        merged = dict(values.get(flag.name, {}))
        import csv
        for item in (next(csv.reader([text])) if text else []):
            key, eq, val = item.partition("=")
            if not eq:
                raise bad("%s must be formatted as key=value" % item)
            merged[key] = val
        values[flag.name] = merged
    else:
        values[flag.name] = text
    values.setdefault("__set__", set()).add(flag.name)


def parse_flags(path, tokens):
    longs, shorts = flagset(path)
    values = {f.name: copy.copy(f.default) for f in longs.values()}
    values["__set__"] = set()
    args, i, help_ = [], 0, False
    while i < len(tokens):
        s = tokens[i]
        i += 1
        if s == "--":
            args += tokens[i:]
            break
        if len(s) < 2 or s[0] != "-":
            args.append(s)
            continue
        if s[1] == "-":
            name, eq, val = s[2:].partition("=")
            if not name or name[0] in "-=":
                raise Failure("bad flag syntax: %s" % s)
            flag = longs.get(name)
            if flag is None:
                if name == "help":
                    help_ = True
                    continue
                raise Failure("unknown flag: --%s" % name)
            if eq:
                text = val
            elif flag.noopt is not None:
                text = flag.noopt
            elif i < len(tokens):
                text = tokens[i]
                i += 1
            else:
                raise Failure("flag needs an argument: %s" % s)
            set_flag(values, flag, text)
        else:
            rest = s[1:]
            while rest:
                c = rest[0]
                flag = shorts.get(c)
                if flag is None:
                    if c == "h":
                        help_ = True
                        rest = rest[1:]
                        continue
                    raise Failure("unknown shorthand flag: '%s' in -%s" % (c, rest))
                if len(rest) > 2 and rest[1] == "=":
                    text, rest = rest[2:], ""
                elif flag.noopt is not None:
                    text, rest = flag.noopt, rest[1:]
                elif len(rest) > 1:
                    text, rest = rest[1:], ""
                elif i < len(tokens):
                    text, rest = tokens[i], ""
                    i += 1
                else:
                    raise Failure("flag needs an argument: '%s' in -%s" % (c, rest))
                set_flag(values, flag, text)
    return values, args, help_


def find_command(tokens):
    # cobra's Find: walk subcommands over positional words, skipping flags (and their values).
    path, rest, i = (), [], 0
    while i < len(tokens):
        t = tokens[i]
        if t == "--":
            rest += tokens[i:]
            break
        if t.startswith("-") and len(t) > 1:
            rest.append(t)
            longs, shorts = flagset(path if path in COMMANDS else ())
            if t.startswith("--"):
                f = longs.get(t[2:])
                if "=" not in t and f is not None and f.noopt is None and i + 1 < len(tokens):
                    rest.append(tokens[i + 1])
                    i += 1
            else:
                f = shorts.get(t[-1])
                if len(t) == 2 and f is not None and f.noopt is None and i + 1 < len(tokens):
                    rest.append(tokens[i + 1])
                    i += 1
            i += 1
            continue
        kids = children(path)
        if t in kids:
            path = kids[t]
            i += 1
            continue
        if not path and t in REAL_BUT_NOT_FAKED[()]:
            raise NotFaked('"helm %s" is a real helm command that this fake does not implement' % t)
        if path in REAL_BUT_NOT_FAKED and t in REAL_BUT_NOT_FAKED[path] and COMMANDS[path].get("parent"):
            raise NotFaked('"helm %s %s" is a real helm command that this fake does not implement' % (" ".join(path), t))
        if not path:
            raise Failure('unknown command "%s" for "helm"\nRun \'helm --help\' for usage.' % t)
        rest += tokens[i:]
        break
    return path, rest


def check_args(path, args):
    kind = COMMANDS[path]["args"]
    cp = " ".join(("helm",) + path)
    n = len(args)
    if kind[0] == "none" and n > 0:
        raise Failure('"%s" accepts no arguments\n\nUsage:  %s' % (cp, use_line(path)))
    if kind[0] == "exact" and n != kind[1]:
        raise Failure('"%s" requires %d %s\n\nUsage:  %s' % (cp, kind[1], "argument" if kind[1] == 1 else "arguments", use_line(path)))
    if kind[0] == "min" and n < kind[1]:
        raise Failure('"%s" requires at least %d %s\n\nUsage:  %s' % (cp, kind[1], "argument" if kind[1] == 1 else "arguments", use_line(path)))


def refuse_unfaked(path, o):
    longs, _ = flagset(path)
    for name in sorted(o["__set__"]):
        f = longs[name]
        if not f.faked:
            raise NotFaked("flag --%s is valid for helm %s but this fake does not model it" % (name, VERSION))


# ---------------------------------------------------------------- state

def spath(*parts):
    return os.path.join(STATE, *parts)


def write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.replace(tmp, path)


class Lock:
    def __enter__(self):
        import fcntl
        self.f = open(spath(".lock"), "a")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *a):
        self.f.close()


def load_repos():
    try:
        with open(spath("repositories.json")) as f:
            return json.load(f).get("repositories", []), True
    except FileNotFoundError:
        return [], False


def save_repos(repos):
    write_atomic(spath("repositories.json"), json.dumps({"apiVersion": "", "repositories": repos}, indent=2))


def index_cache(name):
    return spath("cache", name + "-index.yaml")


def namespace(o):
    return o.get("namespace") or os.environ.get("HELM_NAMESPACE") or "default"


def release_file(ns, name):
    return spath("releases", ns, name + ".json")


def load_history(ns, name):
    try:
        with open(release_file(ns, name)) as f:
            return json.load(f)
    except FileNotFoundError:
        return []


def save_history(ns, name, hist):
    hist.sort(key=lambda r: r["version"])
    write_atomic(release_file(ns, name), json.dumps(hist, indent=1))


# ---------------------------------------------------------------- HTTP (Helm's getter rules)

def same_origin(a, b):
    from urllib.parse import urlsplit
    x, y = urlsplit(a), urlsplit(b)
    return x.scheme == y.scheme and x.netloc.rpartition("@")[2] == y.netloc.rpartition("@")[2]


def http_get(url, username="", password="", auth_url=None, pass_all=False, insecure=False, ca_file="", cert_file="", key_file=""):
    import ssl, urllib.error, urllib.request
    req = urllib.request.Request(url, headers={"User-Agent": "Helm/" + VERSION.lstrip("v")})
    if username and password and (pass_all or same_origin(auth_url or url, url)):
        req.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % (username, password)).encode()).decode())
    handlers = [urllib.request.ProxyHandler({})]
    if url.startswith("https:"):
        ctx = ssl.create_default_context(cafile=ca_file or None)
        if cert_file:
            ctx.load_cert_chain(cert_file, key_file or None)
        if insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=ctx))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(req, timeout=120) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        raise Failure("failed to fetch %s : %d %s" % (url, e.code, e.reason))
    except urllib.error.URLError as e:
        reason = e.reason
        from urllib.parse import urlsplit
        host = urlsplit(url).netloc
        if isinstance(reason, ConnectionRefusedError):
            raise Failure('Get "%s": dial tcp %s: connect: connection refused' % (url, host))
        raise Failure('Get "%s": %s' % (url, reason))
    except OSError as e:
        raise Failure('Get "%s": %s' % (url, e))


def resolve_reference(base, ref):
    from urllib.parse import urljoin, urlsplit, urlunsplit
    if urlsplit(ref).scheme:
        return ref
    b = urlsplit(base)
    joined = urlsplit(urljoin(urlunsplit((b.scheme, b.netloc, b.path.rstrip("/") + "/", "", "")), ref))
    return urlunsplit((joined.scheme, joined.netloc, joined.path, b.query, ""))


def parse_index(data):
    if not data:
        raise Failure("empty index.yaml file")
    try:
        doc = json.loads(data)
    except ValueError:
        try:
            doc = yaml_load(data)
        except Exception as e:
            raise Failure("error converting YAML to JSON: yaml: %s" % str(e).replace("\n", " "))
    if not isinstance(doc, dict):
        raise Failure("error unmarshaling JSON: json: cannot unmarshal into Go value of type repo.IndexFile")
    entries = {}
    for name, versions in (doc.get("entries") or {}).items():
        good = [cv for cv in (versions or []) if isinstance(cv, dict) and cv.get("name") and parse_version(str(cv.get("version", "")))]
        for cv in good:
            cv["version"] = str(cv["version"])
            cv.setdefault("apiVersion", "v1")
        good.sort(key=lambda cv: parse_version(cv["version"]).key(), reverse=True)
        entries[name] = good
    doc["entries"] = entries
    if not doc.get("apiVersion"):
        raise Failure("no API version specified")
    return doc


def download_index(repo):
    url = resolve_reference(repo["url"], "index.yaml")
    data = http_get(url, repo.get("username", ""), repo.get("password", ""), repo["url"], repo.get("pass_credentials_all", False),
                    repo.get("insecure_skip_tls_verify", False), repo.get("caFile", ""), repo.get("certFile", ""), repo.get("keyFile", ""))
    parse_index(data)
    write_atomic(index_cache(repo["name"]), data)


def load_cached_index(name):
    path = index_cache(name)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise Failure("open %s: no such file or directory" % path)
    return parse_index(data)


def index_get(index, name, version):
    vs = index["entries"].get(name)
    if vs is None:
        raise Failure("no chart name found")
    if not vs:
        raise Failure("no chart version found")
    groups = parse_constraint(version or "*")
    if version:
        for cv in vs:
            if cv["version"] == version:
                return cv
    for cv in vs:
        v = parse_version(cv["version"])
        if v and constraint_ok(groups, v):
            return cv
    raise Failure("no chart version found for %s-%s" % (name, version))


# ---------------------------------------------------------------- chart download (pull / locate)

def is_oci(ref):
    return ref.startswith("oci://")


def save_into(dest, name, data):
    # fileutil.AtomicWriteFile: the destination directory must exist.
    if not os.path.isdir(dest):
        raise Failure("open %s: no such file or directory" % os.path.join(dest, name + "%09d" % (time.time_ns() % 10**9)))
    saved = os.path.join(dest, name)
    write_atomic(saved, data)
    return saved


def oci_pull(ref, version, dest, o):
    h = H()
    tmp = tempfile.mkdtemp(prefix="fake-helm-oci-")
    try:
        try:
            h.pull(ref, version=version or None, destination=tmp, plain_http=bool(o.get("plain-http")),
                   insecure_skip_tls_verify=bool(o.get("insecure-skip-tls-verify")),
                   username=o.get("username") or None, password=o.get("password") or None)
        except h.HelmError as e:
            raise Failure(hmsg(e))
        got = sorted(f for f in os.listdir(tmp) if f.endswith(".tgz"))
        if not got:
            raise Failure("fake helm: the engine pulled nothing for %s" % ref)
        with open(os.path.join(tmp, got[0]), "rb") as f:
            saved = save_into(dest, got[0], f.read())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    try:
        tag = new[0][:-4].split("-", 1)[1] if "-" in new[0] else ""
        base = ref[len("oci://"):].rsplit(":", 1)[0] if re.search(r":[^/]+$", ref[len("oci://"):]) else ref[len("oci://"):]
        try:
            with h.Chart.load(saved) as c:
                tag = str(c.metadata.get("version", tag))
        except Exception:
            pass
        digest = ""
        try:
            with h.RegistryClient(plain_http=bool(o.get("plain-http"))) as client:
                digest = client.resolve("oci://%s:%s" % (base, tag)).get("digest", "")
        except Exception:
            pass
        sys.stderr.write("Pulled: %s:%s\n" % (base, tag))
        if digest:
            sys.stderr.write("Digest: %s\n" % digest)
    except Exception:
        pass
    return saved


def download_to(ref, version, dest, o):
    # ChartDownloader.DownloadTo: returns the saved .tgz path.
    if is_oci(ref):
        return oci_pull(ref, version, dest, o)
    from urllib.parse import urlsplit
    u = urlsplit(ref)
    repos, _ = load_repos()
    user, pw, auth_url, pass_all = o.get("username", ""), o.get("password", ""), None, o.get("pass-credentials", False)
    tls = dict(insecure=o.get("insecure-skip-tls-verify", False), ca_file=o.get("ca-file", ""),
               cert_file=o.get("cert-file", ""), key_file=o.get("key-file", ""))
    if u.scheme and u.netloc and u.path:
        url = ref
        auth_url = ref
        for r in repos:
            if ref.startswith(r["url"].rstrip("/") + "/"):
                auth_url = r["url"]
                if r.get("username") and r.get("password"):
                    user, pw, pass_all = r["username"], r["password"], r.get("pass_credentials_all", False)
                break
    else:
        parts = u.path.split("/", 1)
        if len(parts) < 2:
            raise Failure("non-absolute URLs should be in form of repo_name/path_to_chart, got: %s" % ref)
        repo_name, chart_name = parts
        repo = next((r for r in repos if r["name"] == repo_name), None)
        if repo is None:
            raise Failure("repo %s not found" % repo_name)
        auth_url = repo["url"]
        if repo.get("username") and repo.get("password"):
            user, pw, pass_all = repo["username"], repo["password"], repo.get("pass_credentials_all", False)
        if repo.get("insecure_skip_tls_verify"):
            tls["insecure"] = True
        for k, rk in (("ca_file", "caFile"), ("cert_file", "certFile"), ("key_file", "keyFile")):
            if repo.get(rk):
                tls[k] = repo[rk]
        try:
            index = load_cached_index(repo_name)
        except Failure as e:
            raise Failure("no cached repo found. (try 'helm repo update'): %s" % e)
        try:
            cv = index_get(index, chart_name, version)
        except Failure as e:
            raise Failure("chart \"%s\" matching %s not found in %s index. (try 'helm repo update'): %s" % (chart_name, version, repo_name, e))
        if not cv.get("urls"):
            raise Failure("chart %s has no downloadable URLs" % ref)
        url = resolve_reference(repo["url"], cv["urls"][0])
    data = http_get(url, user, pw, auth_url, pass_all, **tls)
    return save_into(dest, os.path.basename(urlsplit(url).path), data)


def find_in_repo_url(repo_url, chart, version, o):
    url = resolve_reference(repo_url, "index.yaml")
    try:
        data = http_get(url, o.get("username", ""), o.get("password", ""), repo_url, o.get("pass-credentials", False),
                        o.get("insecure-skip-tls-verify", False), o.get("ca-file", ""), o.get("cert-file", ""), o.get("key-file", ""))
        index = parse_index(data)
    except Failure as e:
        raise Failure('looks like "%s" is not a valid chart repository or cannot be reached: %s' % (repo_url, e))
    what = 'chart "%s"' % chart + (' version "%s"' % version if version else "")
    try:
        cv = index_get(index, chart, version)
    except Failure:
        raise Failure("%s not found in %s repository" % (what, repo_url))
    if not cv.get("urls"):
        raise Failure("%s has no downloadable URLs" % what)
    return resolve_reference(repo_url, cv["urls"][0])


def locate_chart(name, o):
    name = name.strip()
    version = (o.get("version") or "").strip()
    if os.path.exists(name):
        return os.path.abspath(name)
    if os.path.isabs(name) or name.startswith("."):
        raise Failure('path "%s" not found' % name)
    opts = dict(o)
    if o.get("repo"):
        url = find_in_repo_url(o["repo"], name, version, o)
        if not (o.get("pass-credentials") or same_origin(o["repo"], url)):
            opts["username"] = opts["password"] = ""
        name = url
    os.makedirs(spath("cache", "charts"), exist_ok=True)
    return download_to(name, version, spath("cache", "charts"), opts)


# ---------------------------------------------------------------- values

def merge_maps(a, b):
    out = dict(a)
    for k, v in (b or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge_maps(out[k], v)
        else:
            out[k] = v
    return out


def coalesce_tables(dst, src):
    # chartutil.CoalesceTables: dst wins; a null in dst deletes the key.
    if src is None:
        return dst
    if dst is None:
        return src
    for k, sv in src.items():
        if k in dst and dst[k] is None:
            del dst[k]
        elif k not in dst:
            dst[k] = copy.deepcopy(sv)
        elif isinstance(sv, dict) and isinstance(dst[k], dict):
            coalesce_tables(dst[k], sv)
    return dst


def read_value_file(path):
    if path.strip() == "-":
        return sys.stdin.buffer.read()
    if re.match(r"^(https?)://", path):
        return http_get(path)
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise Failure("open %s: no such file or directory" % path)
    except IsADirectoryError:
        raise Failure("read %s: is a directory" % path)


def merge_values(o):
    h = H()
    base = {}
    for path in o.get("values", []):
        data = read_value_file(path)
        try:
            current = h.values_from_yaml(data.decode()) if data.strip() else {}
        except h.HelmError as e:
            raise Failure("failed to parse %s: %s" % (path, hmsg(e)))
        base = merge_maps(base, current or {})
    for kind, fn, wrap in (("set-json", h.parse_set_json, None), ("set", h.parse_set_string, "--set"),
                           ("set-string", h.parse_set_string_values, "--set-string"),
                           ("set-file", h.parse_set_file, "--set-file"), ("set-literal", h.parse_set_literal, "--set-literal")):
        for expr in o.get(kind, []):
            try:
                base = merge_maps(base, fn(expr))
            except h.HelmError as e:
                if wrap is None:
                    raise Failure("failed parsing --set-json data %s" % expr)
                raise Failure("failed parsing %s data: %s" % (wrap, hmsg(e)))
    return base


# ---------------------------------------------------------------- releases

INSTALL_ORDER = ["PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
                 "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
                 "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
                 "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
                 "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
                 "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService"]
HOOK_EVENTS = {"pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade",
               "pre-rollback", "post-rollback", "test", "test-success"}
_SPLIT = re.compile(r"(?:^|\s*\n)---\s*")


def kind_key(kind):
    if kind in INSTALL_ORDER:
        return (0, INSTALL_ORDER.index(kind), "")
    return (1, 0, kind)


def build_manifest(rendered, chart_name, sub_notes):
    # releaseutil.SortManifests + renderResources: one "# Source" block per document, hooks apart.
    notes = ""
    files = {}
    for path, text in rendered.items():
        if path.endswith("NOTES.txt"):
            if sub_notes or path == chart_name + "/templates/NOTES.txt":
                notes = text if path == chart_name + "/templates/NOTES.txt" or not notes else notes + "\n" + text
            continue
        files[path] = text
    generic, hooks = [], []
    for path in sorted(files):
        content = files[path]
        if os.path.basename(path).startswith("_") or not content.strip():
            continue
        for doc in _SPLIT.split(content.strip()):
            if doc == "":
                continue
            doc = doc.strip()
            try:
                head = yaml_load(doc)
            except Exception as e:
                mark = getattr(e, "problem_mark", None)
                why = getattr(e, "problem", None) or " ".join(str(e).split())
                where = ("line %d: " % (mark.line + 1)) if mark is not None else ""
                raise Failure("YAML parse error on %s: error converting YAML to JSON: yaml: %s%s" % (path, where, why))
            head = head if isinstance(head, dict) else {}
            meta = head.get("metadata") if isinstance(head.get("metadata"), dict) else {}
            ann = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
            kind = head.get("kind") if isinstance(head.get("kind"), str) else ""
            if "helm.sh/hook" not in ann:
                generic.append((path, doc, kind))
                continue
            events = [e.strip().lower() for e in str(ann["helm.sh/hook"]).split(",")]
            if any(e not in HOOK_EVENTS for e in events):
                continue
            try:
                weight = int(str(ann.get("helm.sh/hook-weight", "0")))
            except ValueError:
                weight = 0
            policies = [p.strip() for p in str(ann.get("helm.sh/hook-delete-policy", "")).split(",") if p.strip()]
            hooks.append({"name": str(meta.get("name", "")), "kind": kind, "path": path, "manifest": doc,
                          "events": events, "last_run": {"started_at": "", "completed_at": "", "phase": ""},
                          "weight": weight, "delete_policies": policies})
    generic.sort(key=lambda m: kind_key(m[2]))
    hooks.sort(key=lambda h: kind_key(h["kind"]))
    manifest = "".join("---\n# Source: %s\n%s\n" % (p, d) for p, d, _ in generic)
    return manifest, hooks, notes


METADATA_ORDER = ["name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion",
                  "condition", "tags", "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type"]


def ordered_metadata(md):
    out = {k: md[k] for k in METADATA_ORDER if k in md and md[k] not in (None, "", [], {}, False)}
    for k, v in md.items():
        if k not in out and k not in METADATA_ORDER:
            out[k] = v
    return out


def release_json(rec, with_chart=True):
    info = rec["info"]
    out = {"name": rec["name"]}
    i = {}
    for k in ("first_deployed", "last_deployed"):
        if info.get(k):
            i[k] = info[k]
    i["deleted"] = ""
    for k in ("description", "status", "notes"):
        if info.get(k):
            i[k] = info[k]
    out["info"] = i
    if with_chart and rec.get("chart"):
        ch = rec["chart"]
        out["chart"] = {"metadata": ordered_metadata(ch.get("metadata", {})), "lock": None,
                        "templates": ch.get("templates", []), "values": ch.get("values") or {},
                        "schema": ch.get("schema"), "files": ch.get("files", [])}
    if rec.get("config"):
        out["config"] = rec["config"]
    if rec.get("manifest"):
        out["manifest"] = rec["manifest"]
    if rec.get("hooks"):
        out["hooks"] = rec["hooks"]
    if rec.get("version"):
        out["version"] = rec["version"]
    if rec.get("namespace"):
        out["namespace"] = rec["namespace"]
    return out


def print_release(rec, fmt, with_chart=True, show_desc=False):
    if fmt == "json":
        sys.stdout.write(go_json(release_json(rec, with_chart)))
        return
    if fmt == "yaml":
        sys.stdout.write(go_yaml(release_json(rec, with_chart)))
        return
    w = sys.stdout.write
    w("NAME: %s\n" % rec["name"])
    if rec["info"].get("last_deployed_ns"):
        w("LAST DEPLOYED: %s\n" % ansic(rec["info"]["last_deployed_ns"]))
    w("NAMESPACE: %s\n" % rec["namespace"])
    w("STATUS: %s\n" % rec["info"]["status"])
    w("REVISION: %d\n" % rec["version"])
    if show_desc:
        w("DESCRIPTION: %s\n" % rec["info"].get("description", ""))
    tests = [h for h in rec.get("hooks", []) if "test" in h["events"]]
    if not tests:
        w("TEST SUITE: None\n")
    if rec["info"].get("notes"):
        w("NOTES:\n%s\n" % rec["info"]["notes"].strip())


def validate_name(name):
    return bool(name) and len(name) <= 53 and re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", name)


def mask_defaults(target, defaults):
    # Values that make the chart's own defaults invisible (null deletes a default when coalescing), so
    # the engine renders as if the chart's values were `target` (Helm's --reuse-values swaps them in).
    out = copy.deepcopy(target)

    def walk(t, d):
        for k, dv in d.items():
            if k not in t:
                t[k] = None
            elif isinstance(t[k], dict) and isinstance(dv, dict):
                walk(t[k], dv)

    walk(out, defaults or {})
    return out


def open_chart(path, installable=False, check_deps=True):
    # loader.Load plus the checks helm makes before running the action; returns (chart handle, metadata).
    h = H()
    try:
        c = h.Chart.load(path)
    except h.HelmError as e:
        raise Failure(hmsg(e))
    try:
        md = c.metadata
        md = md if isinstance(md, dict) else dict(md)
        if installable and md.get("type") not in (None, "", "application"):
            raise Failure("%s charts are not installable" % md.get("type"))
        if md.get("deprecated"):
            sys.stderr.write("WARNING: This chart is deprecated\n")
        declared = md.get("dependencies") or []
        if check_deps and declared:
            loaded = {d.get("name") for d in (c.dependencies or [])}
            missing = [d.get("name") for d in declared if d.get("name") not in loaded]
            if missing:
                raise Failure("An error occurred while checking for chart dependencies. You may need to run "
                              "`helm dependency build` to fetch missing dependencies: found in Chart.yaml, but "
                              "missing in charts/ directory: " + ", ".join(missing))
    except BaseException:
        c.close()
        raise
    return c, md


def render_release(c, md, config, ns, name, revision, upgrade, reuse_chart_values=None, sub_notes=False):
    # Renders with the real engine; returns (chart record, computed values, manifest, hooks, notes).
    h = H()
    defaults = c.values or {}
    chart_values, render_values = defaults, config
    if reuse_chart_values is not None:
        # --reuse-values: helm swaps the new chart's defaults for the old release's computed values.
        chart_values = reuse_chart_values
        render_values = mask_defaults(coalesce_tables(copy.deepcopy(config), reuse_chart_values), defaults)
    try:
        rendered = c.render(copy.deepcopy(render_values), name=name, namespace=ns, revision=revision,
                            is_install=not upgrade, is_upgrade=upgrade)
        computed = c.merge_values(copy.deepcopy(render_values))
    except h.HelmError as e:
        raise Failure(hmsg(e))
    manifest, hooks, notes = build_manifest(rendered, md.get("name", ""), sub_notes)
    encode = lambda items: [{"name": t.get("name", ""), "data": base64.b64encode(str(t.get("data", "")).encode()).decode()}
                            for t in (items or [])]
    schema = c.schema
    chart = {"metadata": md, "values": chart_values, "templates": encode(c.templates), "files": encode(c.files),
             "schema": base64.b64encode(json.dumps(schema).encode()).decode() if schema else None}
    return chart, computed, manifest, hooks, notes


def prune(hist, max_history):
    # storage.removeLeastRecent(name, max-1) before a new record is created.
    keep = max_history - 1
    if max_history <= 0 or len(hist) <= keep:
        return hist
    deployed = [r for r in hist if r["info"]["status"] == "deployed"]
    last_deployed = max(deployed, key=lambda r: r["version"]) if deployed else None
    doomed = []
    for rec in sorted(hist, key=lambda r: r["version"]):
        if len(hist) - len(doomed) == keep:
            break
        if last_deployed is None or rec["version"] != last_deployed["version"]:
            doomed.append(rec["version"])
    return [r for r in hist if r["version"] not in doomed]


def new_record(name, ns, version, chart, config, computed, manifest, hooks, notes, status, description, first_deployed=None):
    now = time.time_ns()
    info = {"first_deployed": first_deployed or go_time(now), "last_deployed": go_time(now), "last_deployed_ns": now,
            "deleted": "", "description": description, "status": status}
    if notes:
        info["notes"] = notes
    return {"name": name, "namespace": ns, "version": version, "info": info, "chart": chart, "config": config,
            "computed": computed, "manifest": manifest, "hooks": hooks}


# ---------------------------------------------------------------- commands

def cmd_version(o, args):
    if o["template"]:
        fields = {"Version": VERSION, "GitCommit": "fake", "GitTreeState": "clean", "GoVersion": "go1.21.9"}

        def sub(m):
            if m.group(1) not in fields:
                raise Failure('template: _:1:%d: executing "_" at <.%s>: can\'t evaluate field %s in type version.BuildInfo'
                              % (m.start() + 2, m.group(1), m.group(1)))
            return fields[m.group(1)]

        text = re.sub(r"\{\{-?\s*\.(\w+)\s*-?\}\}", sub, o["template"])
        if "{{" in text:
            raise NotFaked("only {{.Field}} templates are modelled by this fake")
        sys.stdout.write(text)
        return
    if o["short"]:
        print(VERSION + "+gfake")
        return
    print('version.BuildInfo{Version:"%s", GitCommit:"fake", GitTreeState:"clean", GoVersion:"go1.21.9"}' % VERSION)


def cmd_repo_list(o, args):
    repos, exists = load_repos()
    fmt = o["output"]
    if (VT[:2] < (3, 10) and not exists) or (not repos and fmt not in ("json", "yaml")):
        raise Failure("no repositories to show")
    if fmt == "json":
        sys.stdout.write(go_json([{"name": r["name"], "url": r["url"]} for r in repos]))
    elif fmt == "yaml":
        sys.stdout.write(go_yaml([{"name": r["name"], "url": r["url"]} for r in repos]))
    else:
        sys.stdout.write(table([["NAME", "URL"]] + [[r["name"], r["url"]] for r in repos]))


def cmd_repo_add(o, args):
    name, url = args
    if not o["allow-deprecated-repos"]:
        for old, new in (("https://kubernetes-charts.storage.googleapis.com", "https://charts.helm.sh/stable"),
                         ("https://kubernetes-charts-incubator.storage.googleapis.com", "https://charts.helm.sh/incubator")):
            if old in url:
                raise Failure('repo "%s" is no longer available; try "%s" instead' % (url, new))
    with Lock():
        repos, _ = load_repos()
        username, password = o["username"], o["password"]
        if username and not password:
            if o["password-stdin"]:
                password = sys.stdin.read()
                if password.endswith("\n"):
                    password = password[:-1]
                if password.endswith("\r"):
                    password = password[:-1]
            else:
                sys.stdout.write("Password: ")
                sys.stdout.flush()
                if not sys.stdin.isatty():
                    print()
                    raise Failure("inappropriate ioctl for device")
                import getpass
                password = getpass.getpass("")
        entry = {"name": name, "url": url, "username": username, "password": password,
                 "pass_credentials_all": o["pass-credentials"], "certFile": o["cert-file"], "keyFile": o["key-file"],
                 "caFile": o["ca-file"], "insecure_skip_tls_verify": o["insecure-skip-tls-verify"]}
        if "/" in name:
            raise Failure("repository name (%s) contains '/', please specify a different name without '/'" % name)
        existing = next((r for r in repos if r["name"] == name), None)
        if not o["force-update"] and existing is not None:
            if any(existing.get(k) != v for k, v in entry.items()):
                raise Failure("repository name (%s) already exists, please specify a different name" % name)
            print('"%s" already exists with the same configuration, skipping' % name)
            return
        try:
            download_index(entry)
        except Failure as e:
            raise Failure('looks like "%s" is not a valid chart repository or cannot be reached: %s' % (url, e))
        repos = [r for r in repos if r["name"] != name] + [entry] if existing is None else [entry if r["name"] == name else r for r in repos]
        save_repos(repos)
    print('"%s" has been added to your repositories' % name)


def cmd_repo_update(o, args):
    with Lock():
        repos, _ = load_repos()
        if not repos:
            raise Failure("no repositories found. You must add one before updating")
        for n in args:
            if not any(r["name"] == n for r in repos):
                raise Failure("no repositories found matching '%s'.  Nothing will be updated" % n)
        chosen = [r for r in repos if not args or r["name"] in args]
        print("Hang tight while we grab the latest from your chart repositories...")
        failed = []
        for r in chosen:
            try:
                download_index(r)
                print('...Successfully got an update from the "%s" chart repository' % r["name"])
            except Failure as e:
                print('...Unable to get an update from the "%s" chart repository (%s):\n\t%s' % (r["name"], r["url"], e))
                failed.append(r["url"])
        if failed and o["fail-on-repo-update-fail"]:
            raise Failure("Failed to update the following repositories: [%s]" % " ".join(failed))
        print("Update Complete. \u2388Happy Helming!\u2388")


def cmd_search_repo(o, args):
    version = o["version"] or (">0.0.0-0" if o["devel"] else ">0.0.0")
    repos, _ = load_repos()
    if not repos:
        raise Failure("no repositories configured")
    lines = {}
    for r in repos:
        try:
            index = load_cached_index(r["name"])
        except Failure as e:
            sys.stderr.write('WARNING: Repo "%s" is corrupt or missing. Try \'helm repo update\'.\nWARNING: %s\n' % (r["name"], e))
            continue
        for chart, vs in index["entries"].items():
            if not vs:
                continue
            fname = r["name"] + "/" + chart
            for cv in vs:  # all versions: --version is always set (to >0.0.0 by default)
                text = "\v".join([cv.get("name", ""), r["name"] + "/" + cv.get("name", ""), cv.get("description", "") or "",
                                  " ".join(cv.get("keywords") or [])])
                lines[fname + "$$" + cv["version"]] = (text, cv)
    results = []
    if not args:
        results = [(k.split("$$")[0], 0, cv) for k, (t, cv) in lines.items()]
    else:
        term = " ".join(args)
        matcher = None
        if o["regexp"]:
            try:
                matcher = re.compile(term)
            except re.error as e:
                raise Failure("error parsing regexp: %s: `%s`" % (e.msg, term))
        for k, (text, cv) in lines.items():
            if matcher:
                m = matcher.search(text)
                idx = m.start() if m else -1
            else:
                idx = text.lower().find(term.lower())
            if idx < 0:
                continue
            seps = [i for i, ch in enumerate(text) if ch == "\v"]
            score = next((n for n, pos in enumerate(seps) if idx <= pos), len(seps))
            if score < 25:
                results.append((k.split("$$")[0], score, cv))
    import functools

    def less(a, b):
        if a[1] != b[1]:
            return -1 if a[1] < b[1] else 1
        if a[0] == b[0]:
            ka, kb = parse_version(a[2]["version"]).key(), parse_version(b[2]["version"]).key()
            return -1 if ka > kb else (1 if ka < kb else 0)
        return -1 if a[0] < b[0] else 1

    results.sort(key=functools.cmp_to_key(less))
    try:
        groups = parse_constraint(version)
    except Failure as e:
        raise Failure("an invalid version/constraint format: %s" % e)
    data, found = [], set()
    for name, score, cv in results:
        if not o["versions"] and name in found:
            continue
        v = parse_version(cv["version"])
        if v and constraint_ok(groups, v):
            data.append((name, cv))
            found.add(name)
    fmt = o["output"]
    if not data and o.get("fail-on-no-result"):
        raise Failure("no results found")
    items = [{"name": n, "version": cv["version"], "app_version": str(cv.get("appVersion", "") or ""),
              "description": cv.get("description", "") or ""} for n, cv in data]
    if fmt == "json":
        sys.stdout.write(go_json(items))
    elif fmt == "yaml":
        sys.stdout.write(go_yaml(items))
    elif not data:
        sys.stdout.write("No results found\n")
    else:
        rows = [["NAME", "CHART VERSION", "APP VERSION", "DESCRIPTION"]] + [[i["name"], i["version"], i["app_version"], i["description"]] for i in items]
        sys.stdout.write(table(rows, o["max-col-width"]))


def cmd_pull(o, args):
    refuse_unfaked(("pull",), o)
    version = o["version"] or (">0.0.0-0" if o["devel"] else "")
    for ref in args:
        opts = dict(o)
        dest = o["destination"]
        tmp = None
        if o["untar"]:
            tmp = tempfile.mkdtemp(prefix="helm-")
            dest = tmp
        try:
            if o["repo"]:
                ref_url = find_in_repo_url(o["repo"], ref, version, o)
                if not (o["pass-credentials"] or same_origin(o["repo"], ref_url)):
                    opts["username"] = opts["password"] = ""
                saved = download_to(ref_url, version, dest, opts)
            else:
                saved = download_to(ref, version, dest, opts)
            if o["untar"]:
                ud = o["untardir"]
                if not os.path.isabs(ud):
                    ud = os.path.normpath(os.path.join(o["destination"], ud))
                chart_name = ref.rstrip("/").rsplit("/", 1)[-1]
                check = chart_name if ud == "." else os.path.join(ud, chart_name)
                if os.path.exists(check):
                    raise Failure("failed to untar: a file or directory with the name %s already exists" % check)
                os.makedirs(check, 0o755, exist_ok=True)
                try:
                    H().expand(ud, saved)
                except H().HelmError as e:
                    raise Failure(hmsg(e))
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)


def install_release(o, name, chart_ref, ns, replace=False):
    # runInstall; errors come back unwrapped (the install command adds "INSTALLATION FAILED: ").
    if not o["version"] and o["devel"]:
        o["version"] = ">0.0.0-0"
    path = locate_chart(chart_ref, o)
    config = merge_values(o)
    c, md = open_chart(path, installable=True, check_deps=True)
    with c:
        if not name:
            raise Failure('release name "": no name provided')
        if not validate_name(name):
            raise Failure('release name "%s": invalid release name, must match regex '
                          '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not '
                          'be longer than 53' % name)
        hist = load_history(ns, name)
        if hist and not (replace and hist[-1]["info"]["status"] in ("uninstalled", "failed")):
            raise Failure("cannot re-use a name that is still in use")
        revision = (hist[-1]["version"] + 1) if hist else 1
        chart, computed, manifest, hooks, notes = render_release(c, md, config, ns, name, revision, False,
                                                                 sub_notes=o["render-subchart-notes"])
    rec = new_record(name, ns, revision, chart, config, computed, manifest, hooks, notes,
                     "deployed", o["description"] or "Install complete")
    hist.append(rec)
    save_history(ns, name, hist)
    return rec


def dry_run(o):
    # Helm 3.13+ and 4 take a strategy; before 3.13 --dry-run is a boolean.
    value = o.get("dry-run")
    return value not in (None, False, "", "none", "false")


def wait_fails():
    # A FAKE stand-in for a rollout that never becomes ready: the test says so with a state file.
    return os.path.exists(os.path.join(STATE, "wait-fails"))


def cmd_install(o, args):
    if dry_run(o):
        raise NotFaked("helm install --dry-run is valid but this fake does not model it")
    refuse_unfaked(("install",), o)
    ns = namespace(o)
    try:
        if len(args) > 2:
            raise Failure("expected at most two arguments, unexpected arguments: %s" % ", ".join(args[2:]))
        if len(args) == 2:
            if o["generate-name"]:
                raise Failure("cannot set --generate-name and also specify a name")
            name, chart = args
        elif not o["generate-name"]:
            raise Failure("must either provide a name or specify --generate-name")
        else:
            base = os.path.basename(args[0].rstrip("/")) or "chart"
            base = "chart" if base == "." else base.split(".")[0]
            name, chart = "%s-%d" % (base, int(time.time())), args[0]
        with Lock():
            rec = install_release(o, name, chart, ns, o["replace"])
    except Failure as e:
        raise Failure("INSTALLATION FAILED: %s" % e)
    print_release(rec, o["output"])


def cmd_upgrade(o, args):
    refuse_unfaked(("upgrade",), o)
    name, chart_ref = args
    ns = namespace(o)
    max_history = o["history-max"] if "history-max" in o["__set__"] else int(os.environ.get("HELM_MAX_HISTORY") or 10)
    with Lock():
        if o["install"]:
            hist = load_history(ns, name)
            if not hist or hist[-1]["info"]["status"] == "uninstalled":
                if o["output"] == "table":
                    print('Release "%s" does not exist. Installing it now.' % name)
                rec = install_release(o, name, chart_ref, ns, replace=bool(hist))
                print_release(rec, o["output"])
                return
        if not o["version"] and o["devel"]:
            o["version"] = ">0.0.0-0"
        path = locate_chart(chart_ref, o)
        new_vals = merge_values(o)
        c, md = open_chart(path, check_deps=True)
        try:
            if not validate_name(name):
                raise Failure("release name is invalid: %s" % name)
            hist = load_history(ns, name)
            if not hist:
                raise Failure('"%s" has no deployed releases' % name)
            last = hist[-1]
            if last["info"]["status"].startswith("pending-"):
                raise Failure("another operation (install/upgrade/rollback) is in progress")
            if last["info"]["status"] == "deployed":
                current = last
            else:
                deployed = [r for r in hist if r["info"]["status"] == "deployed"]
                if deployed:
                    current = deployed[-1]
                elif last["info"]["status"] in ("failed", "superseded"):
                    current = last
                else:
                    raise Failure('"%s" has no deployed releases' % name)
            old_config = current.get("config") or {}
            reuse_chart_values = None
            if o["reset-values"]:
                config = new_vals
            elif o["reuse-values"]:
                reuse_chart_values = current.get("computed")
                if reuse_chart_values is None:
                    reuse_chart_values = coalesce_tables(copy.deepcopy(old_config), (current.get("chart") or {}).get("values") or {})
                config = coalesce_tables(new_vals, old_config)
            elif o.get("reset-then-reuse-values"):
                config = coalesce_tables(new_vals, old_config)
            elif not new_vals and old_config:
                config = copy.deepcopy(old_config)
            else:
                config = new_vals
            revision = last["version"] + 1
            chart, computed, manifest, hooks, notes = render_release(
                c, md, config, current["namespace"], name, revision, True, reuse_chart_values=reuse_chart_values,
                sub_notes=o["render-subchart-notes"])
            if dry_run(o):
                rec = new_record(name, current["namespace"], revision, chart, config, computed, manifest, hooks, notes,
                                 "pending-upgrade", "Dry run complete", current["info"].get("first_deployed"))
                print_release(rec, o["output"])
                return
            atomic = bool(o.get("atomic") or o.get("rollback-on-failure"))
            if (o.get("wait") or atomic) and wait_fails():
                # The rollout never became ready within --timeout: the revision fails, and with
                # --atomic (--rollback-on-failure) helm rolls back to the revision that ran.
                failed = new_record(name, current["namespace"], revision, chart, config, computed, manifest, hooks, notes,
                                    "failed", "Upgrade \"%s\" failed: context deadline exceeded" % name, current["info"].get("first_deployed"))
                hist.append(failed)
                if atomic:
                    back = copy.deepcopy(current)
                    back["version"] = revision + 1
                    back["info"]["status"] = "deployed"
                    back["info"]["description"] = "Rollback to %d" % current["version"]
                    for r in hist:
                        if r["version"] == current["version"]:
                            r["info"]["status"] = "superseded"
                    hist.append(back)
                    save_history(ns, name, hist)
                    raise Failure("release %s failed, and has been rolled back due to atomic being set: context deadline exceeded" % name)
                save_history(ns, name, hist)
                raise Failure("context deadline exceeded")
            rec = new_record(name, current["namespace"], revision, chart, config, computed, manifest, hooks, notes,
                             "deployed", o["description"] or "Upgrade complete", current["info"].get("first_deployed"))
            hist = prune(hist, max_history)
            for r in hist:
                if r["version"] == current["version"]:
                    r["info"]["status"] = "superseded"
            hist.append(rec)
            save_history(ns, name, hist)
        except Failure as e:
            raise Failure("UPGRADE FAILED: %s" % e)
        finally:
            c.close()
    if o["output"] == "table":
        print('Release "%s" has been upgraded. Happy Helming!' % name)
    print_release(rec, o["output"])


def release_content(ns, name, revision):
    if not validate_name(name):
        raise Failure("releaseContent: Release name is invalid: %s" % name)
    hist = load_history(ns, name)
    if not hist:
        raise Failure("release: not found")
    if revision <= 0:
        return hist[-1]
    for r in hist:
        if r["version"] == revision:
            return r
    raise Failure("release: not found")


def cmd_status(o, args):
    rec = release_content(namespace(o), args[0], o["revision"])
    print_release(rec, o["output"], with_chart=False, show_desc=o["show-desc"])


def cmd_list(o, args):
    # helm list: the latest revision of each release, deployed or failed by default (pending too
    # with --pending, every state with --all), in this namespace or all of them with -A.
    refuse_unfaked(("list",), o)
    root = spath("releases")
    spaces = sorted(os.listdir(root)) if os.path.isdir(root) else []
    if not o["all-namespaces"]:
        spaces = [namespace(o)] if namespace(o) in spaces else []
    wanted = {k for k in ("deployed", "failed", "pending", "superseded", "uninstalled", "uninstalling") if o[k]}
    items = []
    for ns in spaces:
        for file in sorted(os.listdir(os.path.join(root, ns))):
            if not file.endswith(".json"):
                continue
            hist = load_history(ns, file[:-5])
            if not hist:
                continue
            last = max(hist, key=lambda r: r["version"])
            status = last["info"]["status"]
            state = "pending" if status.startswith("pending-") else status
            if not o["all"] and (state not in wanted if wanted else state not in ("deployed", "failed")):
                continue
            md = (last.get("chart") or {}).get("metadata") or {}
            items.append({"name": last["name"], "namespace": ns, "revision": str(last["version"]),
                          "updated": last["info"].get("last_deployed", ""), "status": status,
                          "chart": "%s-%s" % (md.get("name", ""), md.get("version", "")), "app_version": str(md.get("appVersion", "") or "")})
    items.sort(key=lambda i: i["name"], reverse=bool(o["reverse"]))
    if o["output"] == "json":
        sys.stdout.write(go_json(items))
    elif o["output"] == "yaml":
        sys.stdout.write(go_yaml(items))
    else:
        rows = [["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"]]
        rows += [[i["name"], i["namespace"], i["revision"], i["updated"], i["status"], i["chart"], i["app_version"]] for i in items]
        sys.stdout.write(table(rows))


def cmd_history(o, args):
    hist = load_history(namespace(o), args[0])
    if not hist:
        raise Failure("release: not found")
    hist = sorted(hist, key=lambda r: r["version"])
    hist = hist[-o["max"]:] if o["max"] > 0 else []
    items = []
    for r in hist:
        md = (r.get("chart") or {}).get("metadata") or {}
        items.append({"revision": r["version"], "updated": r["info"].get("last_deployed", ""),
                      "status": r["info"]["status"], "chart": "%s-%s" % (md.get("name", ""), md.get("version", "")),
                      "app_version": str(md.get("appVersion", "") or ""), "description": r["info"].get("description", "")})
    if o["output"] == "json":
        sys.stdout.write(go_json(items))
    elif o["output"] == "yaml":
        sys.stdout.write(go_yaml(items))
    else:
        rows = [["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"]]
        for r, i in zip(hist, items):
            rows.append([i["revision"], ansic(r["info"].get("last_deployed_ns", 0)), i["status"], i["chart"], i["app_version"], i["description"]])
        sys.stdout.write(table(rows))


def cmd_get_values(o, args):
    rec = release_content(namespace(o), args[0], o["revision"])
    if o["all"]:
        vals = rec.get("computed")
        if vals is None:
            vals = coalesce_tables(copy.deepcopy(rec.get("config") or {}), (rec.get("chart") or {}).get("values") or {})
    else:
        vals = rec.get("config") or None  # an empty config is stored as nothing (omitempty), so it prints null
    if o["output"] == "json":
        sys.stdout.write(go_json(vals))
    elif o["output"] == "yaml":
        sys.stdout.write(go_yaml(vals))
    else:
        sys.stdout.write(("COMPUTED VALUES:\n" if o["all"] else "USER-SUPPLIED VALUES:\n") + go_yaml(vals))


def cmd_get_manifest(o, args):
    rec = release_content(namespace(o), args[0], o["revision"])
    sys.stdout.write(rec.get("manifest", "") + "\n")


def cmd_rollback(o, args):
    refuse_unfaked(("rollback",), o)
    name = args[0]
    ns = namespace(o)
    version = 0
    if len(args) > 1:
        try:
            version = int(args[1])
        except ValueError:
            raise Failure('could not convert revision to a number: strconv.Atoi: parsing "%s": invalid syntax' % args[1])
    max_history = o["history-max"] if "history-max" in o["__set__"] else int(os.environ.get("HELM_MAX_HISTORY") or 10)
    with Lock():
        if not validate_name(name):
            raise Failure("prepareRollback: Release name is invalid: %s" % name)
        if version < 0:
            raise Failure("invalid release revision number")
        hist = load_history(ns, name)
        if not hist:
            raise Failure("release: not found")
        current = hist[-1]
        target = version or current["version"] - 1
        prev = next((r for r in hist if r["version"] == target), None)
        if prev is None:
            raise Failure("release has no %d version" % target)
        rec = new_record(name, current["namespace"], current["version"] + 1, copy.deepcopy(prev.get("chart")),
                         copy.deepcopy(prev.get("config") or {}), copy.deepcopy(prev.get("computed")), prev.get("manifest", ""),
                         copy.deepcopy(prev.get("hooks", [])), prev["info"].get("notes", ""), "deployed",
                         "Rollback to %d" % target, current["info"].get("first_deployed"))
        hist = prune(hist, max_history)
        for r in hist:
            if r["info"]["status"] == "deployed" or r["version"] == current["version"]:
                r["info"]["status"] = "superseded"
        hist.append(rec)
        save_history(ns, name, hist)
    print("Rollback was a success! Happy Helming!")


RUN = {("version",): cmd_version, ("repo", "list"): cmd_repo_list, ("repo", "add"): cmd_repo_add,
       ("repo", "update"): cmd_repo_update, ("search", "repo"): cmd_search_repo, ("pull",): cmd_pull,
       ("install",): cmd_install, ("upgrade",): cmd_upgrade, ("status",): cmd_status, ("history",): cmd_history, ("list",): cmd_list,
       ("get", "values"): cmd_get_values, ("get", "manifest"): cmd_get_manifest, ("rollback",): cmd_rollback}


def log_call(argv):
    out, hide = [], False
    for a in argv:
        if hide:
            out.append("******")
            hide = False
        elif a == "--password":
            out.append(a)
            hide = True
        elif a.startswith("--password="):
            out.append("--password=******")
        else:
            out.append(a)
    line = " ".join(["helm"] + out).replace("\n", " ") + "\n"
    fd = os.open(spath("calls.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def main(argv):
    log_call(argv)
    try:
        path, rest = find_command(argv)
        if not path:
            values, args, help_ = parse_flags((), rest)
            sys.stdout.write(usage_text(("version",)).replace("helm version [flags]", "helm [command]"))
            return 0
        o, args, help_ = parse_flags(path, rest)
        if help_ or COMMANDS[path].get("parent"):
            if not help_:
                check_args(path, args)
            sys.stdout.write(usage_text(path))
            return 0
        check_args(path, args)
        RUN[path](o, args)
        return 0
    except Failure as e:
        sys.stdout.flush()
        sys.stderr.write("Error: %s\n" % e)
        return 1
    except NotFaked as e:
        sys.stdout.flush()
        sys.stderr.write("Error: fake helm: %s\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
