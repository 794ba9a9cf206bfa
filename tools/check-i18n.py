#!/usr/bin/env python3
"""check-i18n.py -- is every message of dealbook in the Chinese catalog?

The program's Chinese texts live in src/cli/i18n_zh.c, keyed by the exact
English text (see src/cli/i18n.h).  This script reads the C sources and
collects every text the catalog must translate:

  * the format strings given to cli_error(), cli_usage_error() and tr() in
    src/cli/*.c, and the help texts of the command tables there (the help
    string of each struct cmd_entry, positional or ".help =", and the help
    column of each option row { "name", ARG, repeat, "help" });
  * the format strings given to dbki_error_set() in src/lib/*.c;
  * the "what" texts given to dbki_error_errno(), dbki_error_lmdb() and a
    few helpers (LIB_CALLS below) and the literal arguments of
    dbki_error_set() (" at that date"), which the library puts inside its
    messages, and the texts dbk_strerror() returns: these go in the
    catalog's second table, zh_phrases[].  That table may also hold any
    other string of the library that ends up unquoted inside a message
    (why = "not base64url"): such entries are optional.

It then reports, and exits 1 on any of them:

  (a) a text with no catalog entry, or an entry whose Chinese is empty:
      the exact lines to add are printed;
  (b) an entry whose Chinese has other conversion specifiers (%s, %d,
      %" PRIu64 ", ...) than its English, or in another order;
  (c) an entry no text uses any more (delete it), and duplicate entries.

  tools/check-i18n.py           check (what ctest runs)
  tools/check-i18n.py --add     also insert the missing entries, with an
                                empty Chinese text, in sorted place, so that
                                only the translations are left to write
  tools/check-i18n.py --list    print every collected text with its place

Options: --root DIR (the source tree; default: this script's parent's
parent), --catalog FILE (default ROOT/src/cli/i18n_zh.c).
"""

import argparse
import glob
import os
import re
import sys

# ---- a small C tokenizer ----

TOKEN_RE = re.compile(r'''
    (?P<ws>[ \t\r\n\f\v]+|\\\n)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<pp>^[ \t]*\#(?:[^\n\\]|\\.|\\\n)*)
  | (?P<str>(?:u8|u|U|L)?"(?:[^"\\\n]|\\.)*")
  | (?P<chr>(?:u8|u|U|L)?'(?:[^'\\\n]|\\.)*')
  | (?P<ident>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<num>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*)
  | (?P<punct>\.\.\.|->|\+\+|--|<<=|>>=|[<>=!&|^+\-*/%]=|&&|\|\||<<|>>|\#\#|.)
''', re.X | re.S | re.M)

# The <inttypes.h> macros a format may use ("%" PRIu64).
PRI_RE = re.compile(r'^(PRI|SCN)[diouxX](8|16|32|64|LEAST\d+|FAST\d+|MAX|PTR)$')


class Tok:
    __slots__ = ('kind', 'text', 'line')

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line


def tokenize(src, with_pp=False):
    """Tokens of C source, without whitespace and comments.  Preprocessor
    lines are dropped, except that the body of a #define is tokenized too
    (with_pp) so that option rows in macros are seen."""
    out = []
    line = 1
    pos = 0
    while pos < len(src):
        m = TOKEN_RE.match(src, pos)
        kind = m.lastgroup
        text = m.group(kind)
        if kind == 'pp':
            body = re.match(r'[ \t]*#[ \t]*define[ \t]+[A-Za-z_0-9]+(?:\([^)]*\))?',
                            text)
            if with_pp and body:
                for t in tokenize(text[body.end():].replace('\\\n', ' \n')):
                    t.line += line - 1
                    out.append(t)
        elif kind not in ('ws', 'comment'):
            out.append(Tok(kind, text, line))
        line += text.count('\n')
        pos = m.end()
    return out


ESCAPES = {'n': '\n', 't': '\t', 'r': '\r', '\\': '\\', '"': '"', "'": "'",
           'a': '\a', 'b': '\b', 'f': '\f', 'v': '\v', '?': '?', 'e': '\x1b'}


def unquote(lit):
    """The text of one C string literal (UTF-8 source, escapes decoded)."""
    body = lit[lit.index('"') + 1:-1]
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != '\\':
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in ESCAPES:
            out.append(ESCAPES[nxt])
            i += 2
        elif nxt in '01234567':
            m = re.match(r'[0-7]{1,3}', body[i + 1:])
            out.append(chr(int(m.group(0), 8)))
            i += 1 + len(m.group(0))
        elif nxt == 'x':
            m = re.match(r'[0-9A-Fa-f]+', body[i + 2:])
            out.append(chr(int(m.group(0), 16)))
            i += 2 + len(m.group(0))
        else:
            out.append(nxt)
            i += 2
    return ''.join(out)


def literal(toks):
    """The text of an argument made only of adjacent string literals and
    PRI macros, or None.  A macro is kept as "<PRIu64>" (its expansion
    depends on the platform; the catalog spells it the same way)."""
    if not toks:
        return None
    parts = []
    for t in toks:
        if t.kind == 'str':
            parts.append(unquote(t.text))
        elif t.kind == 'ident' and PRI_RE.match(t.text):
            parts.append('<' + t.text + '>')
        else:
            return None
    if toks[0].kind != 'str' and toks[-1].kind != 'str':
        return None
    return ''.join(parts)


def literals_of(toks):
    """Every text an argument can be: a literal, or each branch of
    c ? "a" : "b" (nested).  [] when it is no literal."""
    depth = 0
    for i, t in enumerate(toks):
        if t.text in '([{':
            depth += 1
        elif t.text in ')]}':
            depth -= 1
        elif t.text == '?' and depth == 0:
            # cond ? a : b -- find the matching ':'
            d2 = 0
            nest = 0
            for j in range(i + 1, len(toks)):
                x = toks[j].text
                if x in '([{':
                    d2 += 1
                elif x in ')]}':
                    d2 -= 1
                elif x == '?' and d2 == 0:
                    nest += 1
                elif x == ':' and d2 == 0:
                    if nest == 0:
                        return literals_of(toks[i + 1:j]) + \
                            literals_of(toks[j + 1:])
                    nest -= 1
            return []
    lit = literal(toks)
    return [lit] if lit is not None else []


def split_args(toks, start):
    """toks[start] is '(' (or '{'): the top-level comma-separated items up
    to the matching close, and the index after it."""
    close = {'(': ')', '{': '}', '[': ']'}
    depth = 0
    items = [[]]
    i = start
    while i < len(toks):
        t = toks[i]
        if t.kind == 'punct' and t.text in close:
            depth += 1
            if depth > 1:
                items[-1].append(t)
        elif t.kind == 'punct' and t.text in (')', '}', ']'):
            depth -= 1
            if depth == 0:
                return items, i + 1
            items[-1].append(t)
        elif t.kind == 'punct' and t.text == ',' and depth == 1:
            items.append([])
        else:
            items[-1].append(t)
        i += 1
    return items, i


# ---- what the sources say ----

class Text:
    def __init__(self, text, where, kind):
        self.text, self.where, self.kind = text, [where], kind


# The calls whose argument is a catalog text: name -> (index, number of
# arguments or None, kind).  "what" texts go in the phrases table: the
# library puts them inside its messages ("%s '%s' failed: %s").
CLI_CALLS = {'cli_error': (1, None, 'fmt'),
             'cli_usage_error': (1, None, 'fmt'),
             'tr': (0, 1, 'fmt'),
             'ask': (1, 5, 'fmt')}   # cmd_log.c's questions   # cmd_report.c has a tr() of 3 arguments
# Helpers of the library that pass their text on into a message are
# listed too: bundle.c's rfail() ("the bundle is refused (%s): %s"),
# team.c's refuse(), pipeline.c's moment() and check_day() ("the %s '%s'
# lies in the future").  A new helper of that kind belongs here.
LIB_CALLS = {'dbki_error_set': (2, None, 'lib'),
             'dbki_error_errno': (2, None, 'what'),
             'dbki_error_lmdb': (2, None, 'what'),
             'rfail': (4, 5, 'what'),
             'refuse': (2, 3, 'what'),
             'moment': (4, 8, 'what'),
             'check_day': (4, 7, 'what'),
             # csv.c's reader and sheet.c's row errors ("%s: row %zu,
             # column '%s': %s" around the complaint).
             'csv_fail': (3, None, 'lib'),
             'bad_cell': (4, 5, 'lib'),
             'bad_cellf': (4, None, 'lib')}


def collect(root):
    """(texts, whats, literals, warnings): dicts text -> Text for the
    messages table and for the phrases table, every string literal of the
    library, and the places where a text is no literal."""
    texts, whats, warnings = {}, {}, []
    literals = set()

    def add(table, text, where, kind):
        if text in table:
            table[text].where.append(where)
        else:
            table[text] = Text(text, where, kind)

    def calls(path, toks, names, table_for):
        rel = os.path.relpath(path, root)
        for i, t in enumerate(toks):
            if t.kind != 'ident' or t.text not in names:
                continue
            if i + 1 >= len(toks) or toks[i + 1].text != '(':
                continue
            prev = toks[i - 1] if i > 0 else None
            # A declaration or definition, not a call.
            if prev is not None and (prev.kind == 'ident' and prev.text in (
                    'int', 'void', 'char', 'const') or prev.text == '*'):
                continue
            idx, nargs, kind = names[t.text]
            args, _ = split_args(toks, i + 1)
            if len(args) <= idx or (nargs is not None and len(args) != nargs):
                continue
            lits = literals_of(args[idx])
            where = '%s:%d' % (rel, t.line)
            if not lits and t.text != 'tr':
                # (tr() of a variable is how help texts and formats are
                # translated at print time: their literals are elsewhere.)
                warnings.append('%s: %s() with a text that is no string '
                                'literal: not checked' % (where, t.text))
            for lit in lits:
                add(table_for(kind), lit, where, kind)
            if t.text == 'dbki_error_set':
                # A literal argument (c ? " at that date" : ""): a phrase.
                for a in args[3:]:
                    for lit in literals_of(a):
                        if re.search(r'[A-Za-z]|[^\x00-\x7f]', lit):
                            add(whats, lit, where, 'arg')

    cli_files = sorted(glob.glob(os.path.join(root, 'src/cli/*.c')) +
                       glob.glob(os.path.join(root, 'src/cli/*.h')))
    for path in cli_files:
        base = os.path.basename(path)
        if base.startswith('i18n'):
            continue
        with open(path, encoding='utf-8') as f:
            src = f.read()
        toks = tokenize(src, with_pp=True)
        calls(path, toks, CLI_CALLS, lambda k: texts)
        help_texts(path, root, toks, add, texts)

    for path in sorted(glob.glob(os.path.join(root, 'src/lib/*.c'))):
        with open(path, encoding='utf-8') as f:
            src = f.read()
        toks = tokenize(src)
        calls(path, toks, LIB_CALLS,
              lambda k: whats if k == 'what' else texts)
        k = 0
        while k < len(toks):
            if toks[k].kind == 'str':
                end = k
                while end < len(toks) and toks[end].kind == 'str':
                    end += 1
                literals.add(literal(toks[k:end]))
                k = end
            else:
                k += 1
        if os.path.basename(path) == 'error.c':
            strerror_texts(path, root, toks, add, whats)
    return texts, whats, literals, warnings


def help_texts(path, root, toks, add, texts):
    """Option rows and command entries of one CLI file."""
    rel = os.path.relpath(path, root)
    n = len(toks)
    for i, t in enumerate(toks):
        # { "name", NULL|"ARG", N, "help" ... }
        if t.text == '{' and i + 1 < n and toks[i + 1].kind == 'str':
            items, _ = split_args(toks, i)
            if len(items) == 4 and len(items[0]) == 1 and \
                    items[0][0].kind == 'str' and \
                    (literal(items[1]) is not None or
                     [x.text for x in items[1]] == ['NULL']) and \
                    len(items[2]) == 1 and items[2][0].kind in ('num', 'ident'):
                lit = literal(items[3])
                if lit is not None:
                    add(texts, lit, '%s:%d' % (rel, toks[i + 3].line), 'help')
        # struct cmd_entry NAME = { ... }
        if t.text == 'cmd_entry' and i > 0 and toks[i - 1].text == 'struct':
            j = i + 1
            while j < n and toks[j].text not in ('=', ';', '(', ')', ','):
                j += 1
            if j + 1 >= n or toks[j].text != '=' or toks[j + 1].text != '{':
                continue
            items, _ = split_args(toks, j + 1)
            lit = None
            where = '%s:%d' % (rel, toks[j].line)
            designated = [it for it in items if len(it) > 2 and
                          it[0].text == '.' and it[2].text == '=']
            if designated:
                for it in designated:
                    if it[1].text == 'help':
                        lit = literal(it[3:])
                        where = '%s:%d' % (rel, it[1].line)
            elif len(items) > 7:
                # group, verb, args, min_pos, max_pos, opts, flags, help
                lit = literal(items[7])
                if items[7]:
                    where = '%s:%d' % (rel, items[7][0].line)
            if lit is not None:
                add(texts, lit, where, 'help')


def strerror_texts(path, root, toks, add, texts):
    """The texts of dbk_strerror() and the static out-of-memory message."""
    rel = os.path.relpath(path, root)
    for i, t in enumerate(toks):
        if t.text == 'dbk_strerror' and i + 1 < len(toks) and \
                toks[i + 1].text == '(' and toks[i - 1].text != '=':
            # The function body: from its '{' to the matching '}'.
            j = i
            while j < len(toks) and toks[j].text != '{':
                if toks[j].text == ';':
                    break
                j += 1
            if j >= len(toks) or toks[j].text != '{':
                continue
            depth = 0
            for k in range(j, len(toks)):
                if toks[k].text == '{':
                    depth += 1
                elif toks[k].text == '}':
                    depth -= 1
                    if depth == 0:
                        break
                elif toks[k].text == 'return' and toks[k + 1].kind == 'str':
                    end = k + 1
                    while toks[end].kind == 'str':
                        end += 1
                    add(texts, literal(toks[k + 1:end]),
                        '%s:%d' % (rel, toks[k].line), 'strerror')
        if t.text == 'nomem_msg' and i + 2 < len(toks) and \
                toks[i + 1].text == '[' and toks[i + 2].text == ']':
            k = i + 3
            while toks[k].text != '=':
                k += 1
            end = k + 1
            while toks[end].kind == 'str':
                end += 1
            add(texts, literal(toks[k + 1:end]), '%s:%d' % (rel, t.line),
                'strerror')


# ---- the catalog ----

TABLE_RE = re.compile(r'^\s*static\s+(?:const\s+)?struct\s+\w+\s+(\w+)\s*\[\s*\]\s*=\s*\{')


class Entry:
    def __init__(self, en, zh, line, table):
        self.en, self.zh, self.line, self.table = en, zh, line, table


def read_catalog(path):
    """{table name: [Entry]} from i18n_zh.c: every { "en", "zh" } row of
    the static arrays, each row on one line."""
    tables = {}
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    current = None
    for no, ln in enumerate(lines, 1):
        m = TABLE_RE.match(ln)
        if m:
            current = m.group(1)
            tables.setdefault(current, [])
            continue
        if current is None:
            continue
        if re.match(r'^\s*\}\s*;', ln):
            current = None
            continue
        toks = tokenize(ln)
        if not toks or toks[0].text != '{':
            continue
        items, _ = split_args(toks, 0)
        if len(items) != 2:
            continue
        en, zh = literal(items[0]), literal(items[1])
        if en is None or zh is None:
            continue
        tables[current].append(Entry(en, zh, no, current))
    return tables, lines


# A conversion specification; "%<PRIu64>" is one too.
SPEC_RE = re.compile(r"%(?:%|<(?:PRI|SCN)\w+>|[-+ #0']*(?:\*|\d+)?(?:\.(?:\*|\d+))?"
                     r"(?:hh|h|ll|l|j|z|t|L)?[diouxXeEfFgGaAcspn])")


def specs(s):
    """The conversions of a format, in order ("%%" left out)."""
    return [m.group(0) for m in SPEC_RE.finditer(s) if m.group(0) != '%%']


def same_specs(en, zh):
    """Do the Chinese conversions take the same arguments as the English,
    in the same order?  They must be the same, except that %.0s may stand
    for a %s whose English-only text (a plural "s") is left out."""
    if len(en) != len(zh):
        return False
    for e, z in zip(en, zh):
        if e != z and not (z == '%.0s' and re.match(r'^%[-0-9.]*s$', e)):
            return False
    return True


def c_literal(s):
    """s as C source: one literal, or several around PRI macros."""
    out = []
    buf = []

    def flush():
        out.append('"' + ''.join(buf) + '"')
        buf.clear()

    i = 0
    while i < len(s):
        m = re.match(r'<((?:PRI|SCN)\w+)>', s[i:])
        if m:
            flush()
            out.append(m.group(1))
            i += len(m.group(0))
            continue
        ch = s[i]
        if ch == '"':
            buf.append('\\"')
        elif ch == '\\':
            buf.append('\\\\')
        elif ch == '\n':
            buf.append('\\n')
        elif ch == '\t':
            buf.append('\\t')
        elif ch == '\x1b':
            buf.append('\\033')
        else:
            buf.append(ch)
        i += 1
    flush()
    # Drop empty literals next to a macro ("" PRIu64 "x" -> PRIu64 "x"),
    # but keep one literal first, so that the row stays a string.
    parts = [p for k, p in enumerate(out) if p != '""' or k == 0]
    if parts[0] != '""' or len(parts) == 1:
        return ' '.join(parts)
    return ' '.join(parts[1:]) if parts[1].startswith('"') else ' '.join(parts)


def sort_key(s):
    return s.encode('utf-8')


def row(en, zh):
    return '\t{ %s, %s },' % (c_literal(en), c_literal(zh))


MAIN, WHAT = 'zh_messages', 'zh_phrases'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--root', default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    ap.add_argument('--catalog')
    ap.add_argument('--add', action='store_true')
    ap.add_argument('--list', action='store_true')
    a = ap.parse_args()
    root = a.root
    catalog = a.catalog or os.path.join(root, 'src/cli/i18n_zh.c')
    rel_catalog = os.path.relpath(catalog, root)

    texts, whats, literals, warnings = collect(root)
    if a.list:
        for tbl in (texts, whats):
            for t in sorted(tbl.values(), key=lambda x: sort_key(x.text)):
                print('%-8s %s\t%s' % (t.kind, c_literal(t.text),
                                       ' '.join(t.where)))
        return 0

    tables, lines = read_catalog(catalog)
    for name in (MAIN, WHAT):
        if name not in tables:
            print('check-i18n: %s has no table %s[]' % (rel_catalog, name))
            return 1
    problems = 0
    for w in warnings:
        print('check-i18n: warning: ' + w)

    missing = {MAIN: [], WHAT: []}
    for name, want in ((MAIN, texts), (WHAT, whats)):
        have = {}
        for e in tables[name]:
            if e.en in have:
                print('%s:%d: duplicate entry %s (also line %d): delete one'
                      % (rel_catalog, e.line, c_literal(e.en),
                         have[e.en].line))
                problems += 1
                continue
            have[e.en] = e
        # (a) missing, or not yet translated
        for t in sorted(want.values(), key=lambda x: sort_key(x.text)):
            e = have.get(t.text)
            if e is None:
                missing[name].append(t)
            elif e.zh.strip() == '':
                print('%s:%d: no Chinese yet for %s (used at %s)'
                      % (rel_catalog, e.line, c_literal(t.text),
                         ', '.join(t.where)))
                problems += 1
        # (b) other specifiers (phrases are texts, not formats)
        for e in tables[name]:
            if e.zh.strip() == '' or name == WHAT:
                continue
            se, sz = specs(e.en), specs(e.zh)
            if not same_specs(se, sz):
                def show(ss):
                    return ' '.join(re.sub(r'<(\w+)>', r'" \1 "', x)
                                    for x in ss) or '(none)'
                print('%s:%d: the Chinese of %s has the conversions %s, the '
                      'English %s: they must be the same, in the same order'
                      % (rel_catalog, e.line, c_literal(e.en), show(sz),
                         show(se)))
                problems += 1
        # (c) unused.  A phrase may also be any other string of the library
        # that ends up inside a message unquoted (why = "...").
        for e in tables[name]:
            if e.en not in want and not (name == WHAT and e.en in literals):
                print('%s:%d: unused entry %s: no source uses this text any '
                      'more; delete the line' % (rel_catalog, e.line,
                                                  c_literal(e.en)))
                problems += 1

    nmiss = len(missing[MAIN]) + len(missing[WHAT])
    if nmiss:
        problems += nmiss
        print('check-i18n: %d text%s without a Chinese translation.'
              % (nmiss, '' if nmiss == 1 else 's'))
        if not a.add:
            print('Add these lines to %s (in sorted place, or run '
                  '"tools/check-i18n.py --add" to insert them with an empty '
                  'Chinese text), then write the Chinese: same %%s/%%d... in '
                  'the same order; values, option and command names stay as '
                  'they are.' % rel_catalog)
        for name in (MAIN, WHAT):
            if not missing[name]:
                continue
            if not a.add:
                print('  in %s[]:' % name)
                for t in missing[name]:
                    print('%s\t/* %s */' % (row(t.text, ''), ', '.join(t.where)))
        if a.add:
            lines = insert_missing(lines, tables, missing)
            with open(catalog, 'w', encoding='utf-8') as f:
                f.write('\n'.join(lines))
            print('inserted them in %s with an empty Chinese text ("" ): '
                  'write the translations, then run the check again'
                  % rel_catalog)
    if problems:
        print('check-i18n: %d problem%s' % (problems, '' if problems == 1
                                             else 's'))
        return 1
    print('check-i18n: %d messages and %d phrases, all translated'
          % (len(texts), len(whats)))
    return 0


def insert_missing(lines, tables, missing):
    """lines with each missing text's row in the sorted place of its table
    (after the last row that sorts before it)."""
    inserts = {}  # line index -> rows to put before it
    for name, rows in missing.items():
        if not rows:
            continue
        entries = tables[name]
        # Where the table's closing "};" is: after its last row.
        last = max(e.line for e in entries) if entries else None
        if last is None:
            raise SystemExit('check-i18n: table %s[] is empty: add one row '
                             'by hand first' % name)
        for t in rows:
            before = [e for e in entries if sort_key(e.en) < sort_key(t.text)]
            if before:
                at = max(e.line for e in before)  # insert after this line
            else:
                at = min(e.line for e in entries) - 1
            inserts.setdefault(at, []).append(row(t.text, ''))
    out = []
    if 0 in inserts:
        out.extend(sorted(inserts[0], key=lambda r: r.encode('utf-8')))
    for no, ln in enumerate(lines, 1):
        out.append(ln)
        if no in inserts:
            out.extend(inserts[no])
    return out


if __name__ == '__main__':
    sys.exit(main())
