#!/usr/bin/env python3
"""check-messages.py - every line hopboot can print is in the README's troubleshooting
catalogue, and every catalogue entry is still a line it can print.

Extraction: loader/src/*.c is read the way a person would look for messages.
  * Lines: the formats of log_error/log_warning/log_info/log_debug/log_msg/log_status,
    cmdline.c's warn(c, ...), printf, and fprintf/fputs to stdout, stderr or `out` (the
    command-line tools hopboot and hopboot-bless; hopboot status too).  A printf text is
    one message per output line.
  * Phrases printed inside other lines ("FILE: REASON, trying NEXT"):
    reason_set(reason, size, r, ...), stage 2's fail(label, ...), and any
    snprintf/asprintf/strdup of text with words in it (a space and a word of two
    letters: "/dev/%s" and "UUID=%s" are not messages).
C string concatenation across lines and comments, string macros ("..." STATE_DIR "...",
read from every header; one the build may set, #ifndef X / #define X, is a wildcard, as is
an unknown one), file-level string constants (bless.c's prog), ?: between literals (each
side is a variant of its own; arguments that test the same condition take the same side;
"s" or "" for a plural is one optional "s") and function-like macros wrapping a message
call (cmdline.c's BAD_VALUE) are followed.  printf conversions become wildcards; all
other text must appear literally.  Debug lines are included: hopboot.loglevel=7 shows
them.  Not messages: a usage() text past its "Usage:" line (the help, documented in the
man page), JSON output (functions named *json*, texts starting with { [ " ] or a comma),
and the formats in EXCLUDED.

The catalogue: README.md's "## Troubleshooting" section, up to the next "## " heading;
in it, every table whose first column is headed "message", and in that column every
`code span` is one entry.  In an entry, words in CAPITALS (FILE, NEXT, N, REASON, the X
of X.img) and the character \u2026 stand for what varies; numbers are examples.
  * Missing: a line the code prints must match a whole entry, a phrase must match inside
    one; each printf conversion matches any text, the rest literally (white space runs
    count as one space).
  * Stale: every word of an entry must be accounted for by one message matching the whole
    entry: by its literal text, by a wildcard of a value (a file name, a number, an errno
    text), or by being a placeholder (a word with CAPITALS or \u2026 in it).  A wildcard
    that carries another message (REASON in "FILE: REASON, trying NEXT": an argument
    named reason, error, why, what, ...) accounts for its text only when that text is in
    turn one whole message.  Only messages with words of their own count: "%s: %s"
    would account for any "A: B".
Rows holding <!-- pending --> are entries for messages being written right now: they may
match nothing (a note says how many), and a note names each one that a message accounts
for, so that its marker can go.  Not an error: a generic line such as "FILE: REASON" may
account for a pending entry before its own message exists.

Usage: check-messages.py [--src DIR] [--readme FILE] [--list] [--self-test]
Exit status: 0 all covered, 1 messages missing or entries stale, 2 unreadable input.
"""
import argparse
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

# Calls whose format string is printed as a whole line: name -> index of the format.
LINE_CALLS = {
    "log_error": 0, "log_warning": 0, "log_info": 0, "log_debug": 0, "log_msg": 1, "log_status": 0,
    "warn": 1,  # cmdline.c: a warning about a command-line word, printed as it is
    "printf": 0, "fprintf": 1, "puts": 0, "fputs": 0,
}
# Calls whose format is a phrase printed inside another line.
FRAGMENT_CALLS = {"reason_set": 3, "fail": 1}
# Formatting into a buffer: a message only when the text has words (a space and a word of
# two letters or more); "%s/%s", "/dev/%s", "UUID=%s" are paths and keys, not messages.
BUFFER_CALLS = {"snprintf": 2, "asprintf": 1, "vasprintf": 1, "strdup": 0, "strndup": 0}
# A call whose first argument starts a line that the callee completes with file names.
PREFIX_CALLS = {"pipeline_log_candidates": 0}
NO_FORMAT = {"puts", "fputs", "strdup", "strndup"}  # '%' is literal there
OUTPUT_STREAMS = {"stdout", "stderr", "out"}
# Identifiers whose value is another message's text: a wildcard fed by one of these
# accounts for no word of an entry (see the docstring).
CARRIERS = {"reason", "error", "why", "what", "line", "buf", "msg", "message", "warnings", "fmt", "ap", "verdict"}
NOT_CARRIERS = {
    ("progress.c", "what"),  # "FILE: verifying": a file name and a verb, not a message
}
EXCLUDED = {
    # file, format: why it is not a message
}
MAX_VARIANTS = 64
WILD = "\0"  # an unknown macro inside a string: a wildcard

TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\f\v]+) | (?P<nl>\n) | (?P<lc>//[^\n]*) | (?P<bc>/\*.*?\*/)
  | (?P<str>(?:u8|u|U|L)?"(?:\\.|[^"\\\n])*") | (?P<chr>'(?:\\.|[^'\\\n])*')
  | (?P<id>[A-Za-z_]\w*) | (?P<num>\.?\d(?:[eEpP][+-]|[\w.])*)
  | (?P<op>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||\.\.\.|\#\#|[-+*/%=<>!&|^~?:;,.(){}\[\]#\\])
""", re.S | re.X)


DIRECTIVE = re.compile(r"[ \t]*#((?:[^\n\\]|\\.)*)", re.S)


class Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

    def __repr__(self):
        return "%s:%r@%d" % (self.kind, self.text, self.line)


def tokenize(text, first_line=1):
    """C tokens with line numbers; a preprocessor directive is one 'pp' token."""
    toks, pos, line, at_line_start = [], 0, first_line, True
    while pos < len(text):
        if at_line_start:
            m = DIRECTIVE.match(text, pos)
            if m:
                toks.append(Tok("pp", m.group(1).replace("\\\n", " "), line))
                line += m.group(0).count("\n")
                pos = m.end()
                continue
        m = TOKEN.match(text, pos)
        if not m:
            raise ValueError("line %d: cannot tokenize %r" % (line, text[pos:pos + 20]))
        kind, value = m.lastgroup, m.group(0)
        pos = m.end()
        if kind == "nl":
            line += 1
            at_line_start = True
            continue
        if kind in ("ws", "lc", "bc"):
            line += value.count("\n")
            continue
        at_line_start = False
        toks.append(Tok(kind, value, line))
    return toks


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "?": "?", "a": "\a",
           "b": "\b", "f": "\f", "v": "\v", "e": "\x1b"}


def unescape(literal):
    body = literal[literal.index('"') + 1:-1]

    def one(m):
        s = m.group(1)
        if s[0] in "01234567":
            return chr(int(s, 8))
        if s[0] == "x":
            return chr(int(s[1:], 16))
        return ESCAPES.get(s, s)
    return re.sub(r"\\([0-7]{1,3}|x[0-9A-Fa-f]+|.)", one, body)


class Macros:
    """String macros of the source tree (#define NAME "..." or NAME OTHER "..."), plus
    printf's <inttypes.h> macros.  A macro set by the build (#ifndef NAME / #define NAME)
    or unknown resolves to a wildcard."""

    def __init__(self):
        self.defs = {}      # name -> token list
        self.build = set()  # names the build may override
        self.functions = {}  # function-like macros that wrap a message call

    def learn(self, toks):
        previous_ifndef = None
        for t in toks:
            if t.kind != "pp":
                previous_ifndef = None
                continue
            m = re.match(r"\s*(\w+)\s*(.*)", t.text, re.S)
            if not m:
                continue
            directive, rest = m.groups()
            if directive == "ifndef":
                previous_ifndef = rest.strip()
                continue
            if directive == "define":
                fm = re.match(r"(\w+)\(([^)]*)\)(.*)", rest, re.S)
                if fm:
                    name, params, body = fm.groups()
                    body_toks = tokenize(body, t.line)
                    if any(b.kind == "id" and (b.text in LINE_CALLS or b.text in FRAGMENT_CALLS)
                           for b in body_toks) and name not in LINE_CALLS:
                        self.functions[name] = ([p.strip() for p in params.split(",") if p.strip()], body_toks)
                else:
                    nm = re.match(r"(\w+)\s*(.*)", rest, re.S)
                    if nm:
                        name, value = nm.groups()
                        self.defs[name] = tokenize(value, t.line)
                        if previous_ifndef == name:
                            self.build.add(name)
            previous_ifndef = None

    def resolve(self, name, depth=0):
        """The string NAME stands for, or None when it is not a string macro."""
        pm = re.fullmatch(r"PRI([diouxX])(?:8|16|32|64|MAX|PTR|LEAST\d+|FAST\d+)", name)
        if pm:
            return pm.group(1)
        if name in self.build:
            return WILD
        toks = self.defs.get(name)
        if not toks or depth > 10:
            return None
        return literal_text(toks, self, depth + 1)


def literal_text(toks, macros, depth=0):
    """TOKS as one string when they are only string literals and string macros (with
    parentheses around them); else None.  Unknown macros between literals become WILD."""
    while len(toks) >= 2 and toks[0].text == "(" and toks[-1].text == ")" and matching(toks, 0) == len(toks) - 1:
        toks = toks[1:-1]
    if not toks or not any(t.kind == "str" for t in toks) and len(toks) != 1:
        return None
    out = []
    for t in toks:
        if t.kind == "str":
            out.append(unescape(t.text))
        elif t.kind == "id":
            value = macros.resolve(t.text, depth) if macros else None
            if value is None:
                if not any(x.kind == "str" for x in toks):
                    return None
                value = WILD
            out.append(value)
        else:
            return None
    return "".join(out)


def matching(toks, i):
    """Index of the bracket closing the one at I."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    depth, open_ch = 0, toks[i].text
    for j in range(i, len(toks)):
        if toks[j].text == open_ch:
            depth += 1
        elif toks[j].text == pairs[open_ch]:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def split_args(toks, open_index):
    """The arguments (token lists) of the call whose '(' is at OPEN_INDEX, and the index of ')'."""
    close = matching(toks, open_index)
    args, current, depth = [], [], 0
    for t in toks[open_index + 1:close]:
        if t.text in "([{":
            depth += 1
        elif t.text in ")]}":
            depth -= 1
        if t.text == "," and depth == 0:
            args.append(current)
            current = []
        else:
            current.append(t)
    if current or args:
        args.append(current)
    return args, close


def top_level(toks, text):
    depth = 0
    for i, t in enumerate(toks):
        if t.text in "([{":
            depth += 1
        elif t.text in ")]}":
            depth -= 1
        elif t.text == text and depth == 0:
            return i
    return -1


def split_ternary(toks):
    """(condition, then, else) of a top-level ?: in TOKS, or None."""
    q = top_level(toks, "?")
    if q < 0:
        return None
    depth, nested = 0, 0
    for i in range(q + 1, len(toks)):
        t = toks[i].text
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
        elif depth == 0 and t == "?":
            nested += 1
        elif depth == 0 and t == ":":
            if nested == 0:
                return toks[:q], toks[q + 1:i], toks[i + 1:]
            nested -= 1
    return None


def last_identifier(toks):
    """The name an expression's value comes from: `images[i].file` -> file,
    `config->warnings[i]` -> warnings, `strerror(-r)` -> strerror."""
    depth, name = 0, None
    for t in toks:
        if t.text in "([{":
            depth += 1
        elif t.text in ")]}":
            depth -= 1
        elif depth == 0 and t.kind == "id":
            name = t.text
    if name is None and toks and toks[0].text == "(":  # (why)
        return last_identifier(toks[1:matching(toks, 0)])
    return name


def alternatives(toks, ctx, tags=()):
    """What an expression may be: a list of (('lit', text) or ('wild', carrier), tags),
    where TAGS records the branch taken at each ?: (by its condition's text), so that two
    arguments testing the same condition take the same branch."""
    parts = split_ternary(toks)
    if parts:
        condition = " ".join(t.text for t in parts[0])
        return (alternatives(parts[1], ctx, tags + ((condition, 0),))
                + alternatives(parts[2], ctx, tags + ((condition, 1),)))
    text = literal_text(toks, ctx.macros)
    if text is not None:
        return [(("lit", text), tags)]
    if len(toks) == 1 and toks[0].kind == "id" and toks[0].text in ctx.constants:
        return [(("lit", ctx.constants[toks[0].text]), tags)]
    name = last_identifier(toks)
    return [(("wild", name in CARRIERS and (ctx.name, name) not in NOT_CARRIERS), tags)]


def consistent(tag_sets):
    taken = {}
    for tags in tag_sets:
        for condition, branch in tags:
            if taken.setdefault(condition, branch) != branch:
                return False
    return True


CONVERSION = re.compile(r"%([-+ #0'I]*)(\*|\d+)?(?:\.(\*|\d*))?(hh|h|ll|l|j|z|t|L|q)?([diouxXeEfFgGaAcspnm%])")


def expand_format(fmt, args, ctx, printf_like=True, fmt_tags=()):
    """Every variant of the line FMT prints with ARGS, as piece lists: ('lit', text),
    ('opt', text) (a plural's "s") or ('wild', carrier, spec)."""
    pieces, slots, arg = [], [], 0
    pos = 0
    while printf_like:
        m = CONVERSION.search(fmt, pos)
        if not m:
            break
        pieces.append(("lit", fmt[pos:m.start()]))
        pos = m.end()
        if m.group(5) == "%":
            pieces.append(("lit", "%"))
            continue
        arg += (m.group(2) == "*") + (m.group(3) == "*")
        choices = [(("wild", False), ())]
        if m.group(5) == "s" and arg < len(args):
            choices = alternatives(args[arg], ctx)
        if m.group(5) != "m":  # glibc's %m: strerror(errno), takes no argument
            arg += 1
        if sorted(c[0] for c in choices) in ([("lit", ""), ("lit", "s")], [("lit", ""), ("lit", "es")]):
            choices = [(("opt", max(c[0][1] for c in choices)), ())]  # key%s: one entry for both
        slots.append((len(pieces), choices, m.group(0)))
        pieces.append(None)
    pieces.append(("lit", fmt[pos:]))
    combos = [c for _, c, _ in slots]
    total = 1
    for c in combos:
        total *= len(c)
    if total > MAX_VARIANTS:  # too many: every conversion a plain wildcard
        combos = [[(("wild", any(a[0][0] == "wild" and a[0][1] for a in c)), ())] for c in combos]
    variants = []
    for choice in itertools.product(*combos):
        if not consistent([fmt_tags] + [tags for _, tags in choice]):
            continue
        out = list(pieces)
        for (index, _, spec), (piece, _) in zip(slots, choice):
            out[index] = piece if piece[0] != "wild" else ("wild", piece[1], spec)
        variants.append(normalize(out))
    return variants


def normalize(pieces):
    """Merge adjacent literals, turn WILD characters into wildcards, collapse white space."""
    out = []
    for p in pieces:
        if p[0] == "lit":
            for i, chunk in enumerate(p[1].split(WILD)):
                if i:  # a macro's value: one word (a version, a path)
                    out.append(("wild", False, "%s", "word"))
                if chunk:
                    if out and out[-1][0] == "lit":
                        out[-1] = ("lit", out[-1][1] + chunk)
                    else:
                        out.append(("lit", chunk))
        else:
            out.append(p)
    return out


def display(pieces):
    return "".join(p[1] if p[0] == "lit" else "(%s)" % p[1] if p[0] == "opt" else p[2] for p in pieces)


class Message:
    def __init__(self, file, line, kind, level, pieces):
        self.file, self.line, self.kind, self.level, self.pieces = file, line, kind, level, pieces
        self.text = " ".join(display(pieces).split())
        self.regex = build_regex(pieces, whole=(kind == "line"))

    @property
    def checked(self):
        """Only messages with words of their own must be in the catalogue: "%s: %s" just
        joins a file name and a reason, each documented where it comes from."""
        return any(re.search(r"[A-Za-z]{2}", p[1]) for p in self.pieces if p[0] == "lit")


def build_regex(pieces, whole):
    parts = []
    last = len(pieces) - 1
    for i, p in enumerate(pieces):
        if p[0] == "lit":
            words = p[1].split()
            lead = " " if p[1][:1].isspace() else ""
            trail = " " if p[1][-1:].isspace() and words else ""
            parts.append("(" + re.escape(lead + " ".join(words) + trail) + ")")
        elif p[0] == "opt":
            parts.append("((?:%s)?)" % re.escape(p[1]))
        elif len(p) > 3:
            parts.append(r"(\S*)" if i == last else r"(\S*?)")
        else:
            parts.append("(.*)" if i == last else "(.*?)")
    pattern = "".join(parts)
    return re.compile(pattern, re.S)


class FileContext:
    def __init__(self, name, toks, macros):
        self.name, self.toks, self.macros = name, toks, macros
        self.constants = {}
        self.functions = []  # (first token index, last token index, name)
        self.scan_file_scope()

    def scan_file_scope(self):
        toks, depth, i, last_call = self.toks, 0, 0, None
        while i < len(toks):
            t = toks[i]
            if t.kind == "pp":
                i += 1
                continue
            if depth == 0:
                if t.kind == "id" and i + 1 < len(toks) and toks[i + 1].text == "(":
                    last_call = t.text
                # static const char *prog = "hopboot-bless";
                if t.kind == "id" and i + 2 < len(toks) and toks[i + 1].text == "=" and i > 0 and toks[i - 1].text == "*":
                    end = i + 2
                    while end < len(toks) and toks[end].text != ";":
                        end += 1
                    value = literal_text(toks[i + 2:end], self.macros)
                    if value is not None:
                        self.constants[t.text] = value
                if t.text == "{" and i > 0 and toks[i - 1].text == ")" and last_call:
                    close = matching(toks, i)
                    self.functions.append((i, close, last_call))
                    i = close + 1
                    continue
            if t.text in "([{":
                depth += 1
            elif t.text in ")]}":
                depth -= 1
            i += 1

    def function_at(self, index):
        for start, end, name in self.functions:
            if start <= index <= end:
                return name
        return ""


def has_words(text):
    return " " in text.replace(WILD, "") and re.search(r"[A-Za-z]{2}", text) is not None


def extract_calls(ctx, toks, messages, line_override=None, function_of=None):
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind != "id" or i + 1 >= len(toks) or toks[i + 1].text != "(" or (i > 0 and toks[i - 1].text in (".", "->")):
            i += 1
            continue
        name = t.text
        line = line_override or t.line
        function = function_of(i) if function_of else ""
        if name in ctx.macros.functions:
            params, body = ctx.macros.functions[name]
            args, close = split_args(toks, i + 1)
            extract_calls(ctx, expand_macro(params, body, args), messages, line, lambda _: function)
            i = close + 1
            continue
        if name not in LINE_CALLS and name not in FRAGMENT_CALLS and name not in BUFFER_CALLS and name not in PREFIX_CALLS:
            i += 1
            continue
        args, close = split_args(toks, i + 1)
        i += 2  # nested calls in the arguments are looked at too
        index = {**LINE_CALLS, **FRAGMENT_CALLS, **BUFFER_CALLS, **PREFIX_CALLS}[name]
        if name == "fputs":
            index = 0
        if index >= len(args):
            continue
        if name == "fprintf" and last_identifier(args[0]) not in OUTPUT_STREAMS:
            continue
        if name == "fputs" and (len(args) < 2 or last_identifier(args[1]) not in OUTPUT_STREAMS):
            continue
        if "json" in function.lower():
            continue
        formats = [(a[0][1], a[1]) for a in alternatives(args[index], ctx) if a[0][0] == "lit"]
        for fmt, fmt_tags in formats:
            if name in BUFFER_CALLS and not has_words(fmt):
                continue
            if (ctx.name, fmt) in EXCLUDED or fmt.lstrip()[:1] in ("{", "[", '"', "}", "]", ","):
                continue
            kind = "fragment" if name in FRAGMENT_CALLS or name in BUFFER_CALLS else "line"
            level = {"log_error": "error", "log_warning": "warning", "log_info": "info", "log_debug": "debug",
                     "log_msg": "log", "log_status": "status", "warn": "warning", "printf": "stdout",
                     "puts": "stdout", "fprintf": "output", "fputs": "output"}.get(name, "phrase")
            if name == "fprintf":
                level = "stderr" if last_identifier(args[0]) == "stderr" else "stdout" if last_identifier(args[0]) == "stdout" else "output"
            if name in PREFIX_CALLS:
                fmt = fmt.replace("%", "%%") + " %s"  # the callee adds the file names
            if name in PREFIX_CALLS:
                level = "info"
            for variant in expand_format(fmt, args[index + 1:], ctx, name not in NO_FORMAT, fmt_tags):
                for pieces in split_lines(variant, name in ("printf", "fprintf", "puts", "fputs")):
                    if function == "usage" and not display(pieces).startswith("Usage:"):
                        continue
                    messages.append(Message(ctx.name, line, kind, level, pieces))


def split_lines(pieces, printed):
    """A printf's text is one message per output line; other texts are one line already."""
    if not printed:
        return [pieces] if pieces else []
    lines, current = [], []
    for p in pieces:
        if p[0] == "lit" and "\n" in p[1]:
            chunks = p[1].split("\n")
            for j, chunk in enumerate(chunks):
                if chunk:
                    current.append(("lit", chunk))
                if j < len(chunks) - 1:
                    lines.append(current)
                    current = []
        else:
            current.append(p)
    lines.append(current)
    return [normalize(l) for l in lines if any(p[0] == "lit" and p[1].strip() or p[0] == "wild" for p in l)]


def expand_macro(params, body, args):
    named = {}
    for k, p in enumerate(params):
        if p == "...":
            rest = []
            for a in args[k:]:
                if rest:
                    rest.append(Tok("op", ",", 0))
                rest.extend(a)
            named["__VA_ARGS__"] = rest
        elif k < len(args):
            named[p] = args[k]
    out = []
    for t in body:
        if t.kind == "id" and t.text in named:
            out.extend(named[t.text])
        else:
            out.append(t)
    return out


def extract_with_functions(src_dir):
    """extract(), with each call's enclosing function known (for usage())."""
    macros = Macros()
    files = {}
    for name in sorted(os.listdir(src_dir)):
        if name.endswith((".c", ".h")):
            with open(os.path.join(src_dir, name), encoding="utf-8") as f:
                files[name] = tokenize(f.read())
            macros.learn(files[name])
    messages = []
    for name, toks in files.items():
        if not name.endswith(".c"):
            continue
        code = [t for t in toks if t.kind != "pp"]
        ctx = FileContext(name, code, macros)
        extract_calls(ctx, code, messages, function_of=ctx.function_at)
    return messages


# --- the catalogue -------------------------------------------------------------------

PLACEHOLDER = re.compile(r"(?<![A-Za-z0-9_])[A-Z][A-Z0-9_]*(?![a-z0-9_])|\u2026")


class Entry:
    def __init__(self, text, line, pending):
        self.raw, self.line, self.pending = text, line, pending
        self.text = " ".join(text.split())


def section(readme_text, heading="Troubleshooting"):
    lines = readme_text.split("\n")
    start = next((i for i, l in enumerate(lines) if re.fullmatch(r"##\s+" + heading + r"\s*", l)), None)
    if start is None:
        raise SystemExit("check-messages: the README has no '## %s' section" % heading)
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"##\s", lines[i])), len(lines))
    return start, lines[start:end]


def split_row(row):
    cells, current, in_code, i = [], "", False, 0
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    while i < len(row):
        c = row[i]
        if c == "\\" and i + 1 < len(row) and row[i + 1] == "|":
            current += "|"
            i += 2
            continue
        if c == "`":
            in_code = not in_code
        if c == "|" and not in_code:
            cells.append(current)
            current = ""
        else:
            current += c
        i += 1
    if current.strip():
        cells.append(current)
    return cells


def catalogue(readme_text):
    start, lines = section(readme_text)
    entries, in_table = [], False
    for offset, line in enumerate(lines):
        if not line.lstrip().startswith("|"):
            in_table = False
            continue
        cells = split_row(line)
        if not cells:
            continue
        if re.fullmatch(r"\s*:?-+:?\s*", cells[0]):
            continue
        if not in_table:
            in_table = cells[0].strip().lower() == "message"
            continue
        pending = "<!-- pending -->" in line
        for code in re.findall(r"`([^`]+)`", cells[0]):
            entries.append(Entry(code, start + offset + 1, pending))
    return entries


def only_placeholders(text):
    """Whether every letter of TEXT is in a word with a placeholder in it."""
    rest = " ".join(token for token in text.split() if not PLACEHOLDER.search(token))
    return not re.search(r"[A-Za-z]", rest)


class Accountant:
    """Decides whether a catalogue entry is accounted for: it is one whole message whose
    literal text matches, whose value wildcards take any text, and whose carrier
    wildcards each take a text that is accounted for in turn (or is placeholders only).
    Every way of aligning the wildcards is tried."""

    def __init__(self, messages):
        # "%s: %s" with values only would account for any "A: B": a message counts when it
        # has words of its own or carries another message.
        self.messages = [m for m in messages if m.checked or any(p[0] == "wild" and p[1] for p in m.pieces)]
        self.memo = {}

    def accounted(self, text):
        if text not in self.memo:
            self.memo[text] = False  # no cycles through the same text
            self.memo[text] = only_placeholders(text) or any(
                m.regex.fullmatch(text) and self.fits(m, text) for m in self.messages)
        return self.memo[text]

    def fits(self, m, text):
        pieces = [("lit", re.sub(r"\s+", " ", p[1])) if p[0] == "lit" else p for p in m.pieces]
        pieces = [p for p in pieces if p[0] != "lit" or p[1]]
        seen = set()

        def ends(i, pos):
            """Where the wildcard at I may end: before the next literal, or anywhere."""
            if i + 1 == len(pieces):
                return [len(text)]
            if pieces[i + 1][0] == "lit":
                found, k = [], text.find(pieces[i + 1][1], pos)
                while k >= 0:
                    found.append(k)
                    k = text.find(pieces[i + 1][1], k + 1)
                return found
            return range(pos, len(text) + 1)

        def go(i, pos):
            if (i, pos) in seen:
                return False
            seen.add((i, pos))
            if i == len(pieces):
                return pos == len(text)
            p = pieces[i]
            if p[0] == "lit":
                return text.startswith(p[1], pos) and go(i + 1, pos + len(p[1]))
            if p[0] == "opt":
                return (text.startswith(p[1], pos) and go(i + 1, pos + len(p[1]))) or go(i + 1, pos)
            for end in ends(i, pos):
                if len(p) > 3 and re.search(r"\s", text[pos:end]):
                    continue
                if p[1]:  # a carrier: its text must be accounted for on its own
                    if (pos, end) == (0, len(text)) or not self.accounted(text[pos:end].strip()):
                        continue
                if go(i + 1, end):
                    return True
            return False
        return go(0, 0)

    def unaccounted_words(self, text):
        """For the report: the words of TEXT that no message matching inside it has."""
        literal = " ".join(p[1] for m in self.messages if m.regex.search(text) for p in m.pieces if p[0] == "lit")
        return sorted({w for w in re.findall(r"[A-Za-z][A-Za-z0-9_'-]*", text)
                       if not PLACEHOLDER.search(w) and not re.search(r"\b%s\b" % re.escape(w), literal)})


def check(messages, entries, out=sys.stdout):
    """Print what is missing and what is stale; returns the number of problems."""
    problems = 0
    seen = set()
    for m in messages:
        if not m.checked or (m.kind, m.text) in seen:
            continue
        seen.add((m.kind, m.text))
        if m.kind == "line":
            found = any(m.regex.fullmatch(e.text) for e in entries)
        else:
            found = any(m.regex.search(e.text) for e in entries)
        if not found:
            print("%s:%d: not in the README's troubleshooting: %s %s" % (m.file, m.line, m.level, m.text), file=out)
            problems += 1
    pending_unmatched = 0
    accountant = Accountant(messages)
    for e in entries:
        ok = accountant.accounted(e.text)
        if e.pending:
            if not ok:
                pending_unmatched += 1
            else:
                print("note: README.md:%d: marked pending, and the code can print it now: remove "
                      "<!-- pending --> if this is its line: %s" % (e.line, e.text), file=out)
        elif not ok:
            words = accountant.unaccounted_words(e.text)
            print("README.md:%d: stale entry (no message prints it%s): %s"
                  % (e.line, "; not in any: " + " ".join(words) if words else "", e.text), file=out)
            problems += 1
    if pending_unmatched:
        print("note: %d entries marked pending match no message yet" % pending_unmatched, file=out)
    return problems


def load(src_dir, readme):
    try:
        messages = extract_with_functions(src_dir)
        with open(readme, encoding="utf-8") as f:
            entries = catalogue(f.read())
    except (OSError, ValueError) as e:
        print("check-messages: %s" % e, file=sys.stderr)
        sys.exit(2)
    return messages, entries


# --- self-test -------------------------------------------------------------------------

SELF_TEST_HEADER = r'''
#define STATE_DIR "hopboot"
#define DEEP STATE_DIR "/deeper"
#ifndef BUILT_NAME
#define BUILT_NAME "Demo"
#endif
'''
SELF_TEST_SOURCE = r'''
#include "t.h"
static const char *prog = "tool";
#define BAD(why, fmt, ...) warn(c, "%s: %s, using " fmt, word, *value ? (why) : "missing value", __VA_ARGS__)
static int usage(FILE *out)
{
    fprintf(out, "Usage: %s [--x]\n\n"
                 "  --x   does x\n", prog);
    return 0;
}
static void f(void)
{
    log_error("no card in "   /* a comment between the pieces */
              DEEP " (%s)", strerror(-r));
    log_warning("%s: %s, trying %s", file, reason, next);
    log_info("named %s build %s", BUILT_NAME, cond ? "on the card" : "from any source");
    return reason_set(reason, size, -ENOENT, "no kernel at %s", path);
    snprintf(path, sizeof(path), "/dev/%s", name);
    asprintf(&x, "%s x", y);
    fprintf(f, "key=%s\n", v);
    fprintf(stderr, "%s: cannot %d%% (%.*s)\n", prog, n, len, s);
    BAD("expected auto or tools", "%s", names[c->kexec]);
    log_debug("module %s has no device here", m);
    log_info("%zu key%s, %s%s", n, n == 1 ? "" : "s", card ? "looked for " : "no card", card ? card : "");
    print_json(out);
}
static void print_json(FILE *out)
{
    printf("{\"boot\": %s}\n", x);
}
'''
SELF_TEST_EXPECTED = [
    ("t.c", "output", "line", "Usage: tool [--x]"),
    ("t.c", "error", "line", "no card in hopboot/deeper (%s)"),
    ("t.c", "warning", "line", "%s: %s, trying %s"),
    ("t.c", "info", "line", "named %s build on the card"),
    ("t.c", "info", "line", "named %s build from any source"),
    ("t.c", "phrase", "fragment", "no kernel at %s"),
    ("t.c", "stderr", "line", "tool: cannot %d% (%.*s)"),
    ("t.c", "warning", "line", "%s: expected auto or tools, using %s"),
    ("t.c", "warning", "line", "%s: missing value, using %s"),
    ("t.c", "debug", "line", "module %s has no device here"),
    ("t.c", "info", "line", "%zu key(s), looked for %s"),
    ("t.c", "info", "line", "%zu key(s), no card"),
]
SELF_TEST_README = """# t

## Troubleshooting

| message | meaning | what to do |
| --- | --- | --- |
| `Usage: tool [--x]` | a | b |
| `no card in hopboot/deeper (REASON)` | a | b |
| `FILE: no kernel at /boot/vmlinuz, trying NEXT` | a | b |
| `named Demo build on the card` / `named NAME build from any source` | a | b |
| `tool: cannot 5% (ERROR)` | a | b |
| `hopboot.kexec=…: expected auto or tools, using auto` | a | b |
| `hopboot.X=: missing value, using VALUE` | a | b |
| `module MODULE has no device here` | a | b |
| `1 key, no card` / `2 keys, looked for LABEL=X` | a | b |
| `booting in N s` <!-- pending --> | a | b |

## Next
| message |
| --- |
| `not checked: another section` |
"""


def self_test():
    failures = checks = 0

    def expect(what, ok):
        nonlocal failures, checks
        print("%s: %s" % ("ok" if ok else "FAIL", what))
        failures += not ok
        checks += 1

    def run_check(src, readme):
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--src", src, "--readme", readme],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return r.returncode, r.stdout

    work = tempfile.mkdtemp(prefix="check-messages-")
    try:
        src = os.path.join(work, "src")
        os.mkdir(src)
        with open(os.path.join(src, "t.h"), "w") as f:
            f.write(SELF_TEST_HEADER)
        with open(os.path.join(src, "t.c"), "w") as f:
            f.write(SELF_TEST_SOURCE)
        got = [(m.file, m.level, m.kind, m.text) for m in extract_with_functions(src)]
        expect("extraction finds exactly the expected messages", sorted(set(got)) == sorted(set(SELF_TEST_EXPECTED)))
        if sorted(set(got)) != sorted(set(SELF_TEST_EXPECTED)):
            for g in sorted(set(got) - set(SELF_TEST_EXPECTED)):
                print("   unexpected:", g)
            for g in sorted(set(SELF_TEST_EXPECTED) - set(got)):
                print("   missing:   ", g)

        readme = os.path.join(work, "README.md")
        with open(readme, "w") as f:
            f.write(SELF_TEST_README)
        status, output = run_check(src, readme)
        expect("a complete catalogue passes (%d)" % status, status == 0)
        if status:
            print(output)
        with open(readme, "w") as f:
            f.write(SELF_TEST_README.replace("| `module MODULE has no device here` | a | b |\n", ""))
        status, output = run_check(src, readme)
        expect("an entry removed: fails naming the message",
               status == 1 and "t.c:" in output and "module %s has no device here" in output)
        with open(readme, "w") as f:
            f.write(SELF_TEST_README.replace("no card in hopboot/deeper", "no card in hopboot/elsewhere"))
        status, output = run_check(src, readme)
        expect("an entry with other words: the message missing, the entry stale",
               status == 1 and "no card in hopboot/deeper" in output and "stale entry" in output and "elsewhere" in output)
        with open(readme, "w") as f:
            f.write(SELF_TEST_README.replace("| `Usage: tool [--x]` |", "| `Usage: tool [--x]` / `FILE: frobnicated, trying NEXT` |"))
        status, output = run_check(src, readme)
        expect("a reason no message has, inside a line that carries reasons: stale",
               status == 1 and "stale entry (no message prints it; not in any: frobnicated)" in output)
        with open(readme, "w") as f:
            f.write(SELF_TEST_README.replace("`booting in N s` <!-- pending -->", "`no card in hopboot/deeper (X)` <!-- pending -->"))
        status, output = run_check(src, readme)
        expect("a pending entry that a message accounts for: a note, no failure",
               status == 0 and "remove <!-- pending -->" in output)

        # The real tree: removing an entry that alone covers a message must fail.
        real_src, real_readme = os.path.join(REPO, "loader", "src"), os.path.join(REPO, "README.md")
        messages, entries = load(real_src, real_readme)
        with open(real_readme, encoding="utf-8") as f:
            text = f.read()
        victim = None
        for m in messages:
            if not m.checked:
                continue
            hits = [e for e in entries if (m.regex.fullmatch(e.text) if m.kind == "line" else m.regex.search(e.text))]
            if len(hits) == 1 and text.count("`%s`" % hits[0].raw) == 1:
                victim = (m, hits[0])
                break
        expect("the real catalogue has an entry that alone covers a message", victim is not None)
        if victim:
            m, e = victim
            copy = os.path.join(work, "README-real.md")
            with open(copy, "w", encoding="utf-8") as f:
                f.write(text.replace("`%s`" % e.raw, "`removed`", 1))
            status, output = run_check(real_src, copy)
            expect("the real catalogue without `%s`: fails naming %s:%d" % (e.raw, m.file, m.line),
                   status == 1 and "%s:%d:" % (m.file, m.line) in output)
    finally:
        shutil.rmtree(work)
    print("%d passed, %d failed" % (checks - failures, failures))
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description="Check that the README's troubleshooting section covers "
                                     "every message in loader/src, and nothing more.")
    parser.add_argument("--src", default=os.path.join(REPO, "loader", "src"), help="the C sources (loader/src)")
    parser.add_argument("--readme", default=os.path.join(REPO, "README.md"), help="the README (README.md)")
    parser.add_argument("--list", action="store_true", help="print every message extracted, and exit")
    parser.add_argument("--self-test", action="store_true", help="test this checker on made-up sources")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if args.list:
        for m in extract_with_functions(args.src):
            mark = "" if m.checked else "  (no words of its own: not checked)"
            print("%s:%d: %s %s: %s%s" % (m.file, m.line, m.level, m.kind, m.text, mark))
        return 0
    messages, entries = load(args.src, args.readme)
    problems = check(messages, entries)
    checked = len({(m.kind, m.text) for m in messages if m.checked})
    print("%d messages (%d distinct and checked), %d catalogue entries: %s"
          % (len(messages), checked, len(entries), "%d problems" % problems if problems else "all covered"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
