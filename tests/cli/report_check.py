#!/usr/bin/env python3
"""report_check.py -- render a `dealbook report` HTML file in headless
Chromium and check it against the report's contract.

    python3 report_check.py [options] REPORT.html

Chromium is driven through the DevTools protocol over a small WebSocket
client written here (python3 standard library only).  The page is loaded
from its file:// URL with the network blocked; then:

  - nothing is logged: no console call, no exception, no error log entry;
  - nothing is fetched: no request but the file itself (data: URLs are
    inline and allowed);
  - the document: <html lang> (--lang), <meta charset="utf-8">, one
    <style> with @media print and @page { size: A4 }, no <script>, no
    on* handler or javascript: URL, no <link>/<iframe>/<object>/<embed>,
    href only "#fragment", src only data:, no @import, url() only data:;
  - the sections (--sections, default eval achievement funnel trend
    stalled timeliness review) and no duplicate id; --audit RUNID: a
    section audit naming the run, a 64-hex-digit input digest, the
    signer (dbk1:...), a date and "dealbook eval verify RUNID8";
    --no-audit: no section audit;
  - the funnel (--funnel JSON, e.g. '{"lead":6,"won":12}'): one
    <svg class="funnel"> in section funnel with the 7 stages in order,
    each a <g class="stage" data-stage data-count> with a <rect> and one
    <text class="label"> naming the stage (or its Chinese name) and its
    count, the counts as given;
  - CJK text is drawn in a CJK font: the first CJK text of the page and
    of each section, in SVG, in tables and elsewhere, has a width and its
    glyphs come from a CJK font (CSS.getPlatformFontsForNode).  The
    cheaper document.fonts.check('16px "Noto Sans CJK SC"') is reported
    but does not count: it is true when the font is missing, and tofu
    has a width too.  --cjk: the page must hold CJK text;
  - --masked: no .amount has a digit or a data-value, some read "••••"
    (others, such as "n/a", are listed), and none of --amounts (plain,
    with thousands separators, rounded, in 万 or in cents) is in the
    page's text or its outerHTML;  --revealed: no .amount reads "••••",
    each of --shown is shown by one, and none of --amounts is in text
    outside the .amount elements (every money value is inside one);
  - a screenshot at --width px (default 1280; the full page, or its top
    --max-height px) and an A4 PDF (printBackground): a PNG of that
    width, a PDF that starts with %PDF, has more than 1 KB and A4 pages.
    --screenshot PNG and --pdf PDF keep them.  A page wider than A4 in
    print is noted (Chromium shrinks it to fit).

--facts FILE writes what was read from the page as JSON (for debugging).
Exit 0 when every check passes; 1 with one line per failed check on
stderr ("report_check: ..."), also when Chromium fails or the run times
out; 2 on bad usage or when Chromium is not installed.  Informational
lines (heading, fonts, sizes, time) go to stdout.  Chromium runs in its
own process group with a fresh profile; both are removed on every exit
(also on SIGTERM/SIGINT, and Chromium gets SIGKILL if this script is
killed); the whole run is bounded by --timeout seconds (default 60).
"""

import argparse
import base64
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

STAGES = ["lead", "intent", "proposal", "negotiation", "won", "service",
          "lost"]
# dealbook's Chinese stage names (src/lib/parse.c).
STAGES_ZH = {"lead": "線索", "intent": "意向", "proposal": "方案",
             "negotiation": "談判", "won": "成交", "service": "服務",
             "lost": "流失"}
SECTIONS = ["eval", "achievement", "funnel", "trend", "stalled",
            "timeliness", "review"]
MASK = "\u2022\u2022\u2022\u2022"


class Timeout(Exception):
    pass


class CDPError(Exception):
    pass


# ---------------------------------------------------------------- WebSocket

class WebSocket:
    """A minimal RFC 6455 client: text frames, masked client frames,
    fragmentation, 16- and 64-bit lengths, ping/pong and close."""

    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, url, deadline):
        m = re.match(r"ws://([^/:]+):(\d+)(/.*)$", url)
        if not m:
            raise CDPError("not a ws:// URL: %s" % url)
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.deadline = deadline
        self.sock = socket.create_connection((host, port),
                                             timeout=self._left())
        self.buf = bytearray()
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key))
        self.sock.sendall(req.encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, rest = bytes(self.buf).split(b"\r\n\r\n", 1)
        self.buf = bytearray(rest)
        lines = head.decode("latin-1").split("\r\n")
        if not re.match(r"HTTP/1\.1 101\b", lines[0]):
            raise CDPError("WebSocket handshake refused: %s" % lines[0])
        hdr = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdr[k.strip().lower()] = v.strip()
        want = base64.b64encode(hashlib.sha1(
            (key + self.GUID).encode()).digest()).decode()
        if hdr.get("sec-websocket-accept") != want:
            raise CDPError("bad Sec-WebSocket-Accept in the handshake")

    def _left(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Timeout()
        return left

    def _fill(self, timeout=None):
        """Read more bytes; False if none came within timeout."""
        t = self._left() if timeout is None else min(timeout, self._left())
        r, _, _ = select.select([self.sock], [], [], t)
        if not r:
            if timeout is None:
                raise Timeout()
            return False
        data = self.sock.recv(1 << 20)
        if not data:
            raise CDPError("the browser closed the connection")
        self.buf += data
        return True

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _send_frame(self, opcode, payload):
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        # XOR with the mask, a whole integer at a time.
        k = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
        body = (int.from_bytes(payload, "big") ^ k).to_bytes(n, "big") \
            if n else b""
        self.sock.settimeout(self._left())
        self.sock.sendall(head + mask + body)

    def send_text(self, text):
        self._send_frame(0x1, text.encode("utf-8"))

    def recv_text(self, timeout=None):
        """The next whole text message, or None if nothing began to
        arrive within timeout (None: wait until the deadline)."""
        parts = []
        first = True
        while True:
            if first and timeout is not None and len(self.buf) < 2:
                if not self._fill(timeout):
                    return None
            b0, b1 = self._take(2)
            fin, opcode = b0 & 0x80, b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._take(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._take(8))[0]
            mask = self._take(4) if b1 & 0x80 else None
            payload = self._take(n)
            if mask:
                k = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
                payload = (int.from_bytes(payload, "big") ^ k).to_bytes(
                    n, "big")
            if opcode == 0x9:               # ping
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:               # pong
                continue
            if opcode == 0x8:               # close
                raise CDPError("the browser closed the WebSocket")
            if opcode in (0x1, 0x2) or (opcode == 0x0 and not first):
                parts.append(payload)
                first = False
                if fin:
                    return b"".join(parts).decode("utf-8")
                continue
            raise CDPError("unexpected WebSocket opcode %d" % opcode)

    def close(self):
        try:
            self._send_frame(0x8, struct.pack(">H", 1000))
        except Exception:
            pass
        try:
            self.sock.close()
        except Exception:
            pass


# ---------------------------------------------------------------- DevTools

class CDP:
    """Commands and events over one WebSocket; page commands go to a
    flattened session."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []          # (method, params), in arrival order
        self.session = None

    def _dispatch(self, msg):
        m = json.loads(msg)
        if "method" in m and "id" not in m:
            self.events.append((m["method"], m.get("params", {})))
            return None
        return m

    def call(self, method, params=None, browser=False):
        self.next_id += 1
        mid = self.next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if self.session and not browser:
            msg["sessionId"] = self.session
        self.ws.send_text(json.dumps(msg))
        while True:
            m = self._dispatch(self.ws.recv_text())
            if m is None or m.get("id") != mid:
                continue
            if "error" in m:
                raise CDPError("%s: %s" % (method, m["error"].get(
                    "message", m["error"])))
            return m.get("result", {})

    def pump(self, seconds):
        """Collect events for a while."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            msg = self.ws.recv_text(timeout=left)
            if msg is not None:
                self._dispatch(msg)

    def wait_event(self, method):
        for i, (meth, _) in enumerate(self.events):
            if meth == method:
                return
        while True:
            msg = self.ws.recv_text()
            self._dispatch(msg)
            if self.events and self.events[-1][0] == method:
                return

    def evaluate(self, expr):
        r = self.call("Runtime.evaluate", {
            "expression": expr, "returnByValue": True,
            "awaitPromise": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError("evaluate: %s" % d.get("exception", {}).get(
                "description", d.get("text")))
        return r["result"].get("value")


def die_with_parent():
    """In the child before exec: SIGKILL when this script dies, even by
    SIGKILL (Linux; elsewhere the process-group kill on exit is all)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


class Chromium:
    def __init__(self, binary, deadline):
        self.profile = tempfile.mkdtemp(prefix="dbk-chromium.")
        self.stderr_lines = []
        args = [binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-dev-shm-usage",
                "--disable-extensions", "--no-first-run",
                "--no-default-browser-check", "--hide-scrollbars",
                "--mute-audio", "--remote-debugging-port=0",
                "--user-data-dir=" + self.profile, "about:blank"]
        env = dict(os.environ)
        env.setdefault("HOME", self.profile)
        try:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, start_new_session=True, env=env,
                preexec_fn=die_with_parent)
        except OSError as e:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise CDPError("cannot start %s: %s" % (binary, e))
        self.url = None
        got = threading.Event()

        def drain():
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.stderr_lines.append(line)
                m = re.search(r"DevTools listening on (ws://\S+)", line)
                if m and not self.url:
                    self.url = m.group(1)
                    got.set()
            got.set()
        threading.Thread(target=drain, daemon=True).start()
        while not got.wait(0.2):
            if time.monotonic() > deadline:
                raise Timeout()
        if not self.url:
            raise CDPError("chromium exited (%s) without a DevTools URL: %s"
                           % (self.proc.poll(),
                              " | ".join(self.stderr_lines[-5:])))

    def close(self):
        """TERM the process group (chromium and its helpers), wait for all
        of it to go, KILL what is left after 5 s."""
        pg = self.proc.pid
        try:
            os.killpg(pg, signal.SIGTERM)
        except OSError:
            pass
        end = time.monotonic() + 5
        sig = signal.SIGTERM
        while True:
            try:
                self.proc.wait(0.1)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(pg, 0)
            except OSError:
                break                   # nothing left in the group
            if time.monotonic() > end:
                if sig == signal.SIGKILL:
                    break
                sig = signal.SIGKILL
                end = time.monotonic() + 5
                try:
                    os.killpg(pg, sig)
                except OSError:
                    break
        for _ in range(20):
            shutil.rmtree(self.profile, ignore_errors=True)
            if not os.path.exists(self.profile):
                break
            time.sleep(0.1)


# ---------------------------------------------------------------- the page

# Everything the checks need from the DOM, as one JSON-able object.
FACTS_JS = r"""
(async () => {
  await document.fonts.ready;
  const de = document.documentElement;
  const f = {};
  f.lang = de.getAttribute('lang');
  f.charset = document.characterSet;
  f.metaCharset = [...document.querySelectorAll('meta[charset]')]
      .map(m => m.getAttribute('charset'));
  f.styles = [...document.querySelectorAll('style')].map(s => s.textContent);
  f.styleAttrs = [...document.querySelectorAll('[style]')]
      .map(e => e.getAttribute('style'));
  f.scripts = document.querySelectorAll('script').length;
  f.forbidden = [...document.querySelectorAll(
      'link,iframe,frame,object,embed,img,video,audio,source,base,form')]
      .map(e => e.outerHTML.slice(0, 120));
  f.handlers = [];
  f.refs = [];
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      const n = a.name.toLowerCase();
      if (n.startsWith('on'))
        f.handlers.push(e.tagName.toLowerCase() + ' ' + a.name);
      if (['href', 'xlink:href', 'src', 'srcset', 'action', 'formaction',
           'poster', 'data', 'background', 'ping', 'manifest'].includes(n))
        f.refs.push([e.tagName.toLowerCase(), a.name, a.value]);
    }
  }
  f.title = document.title;
  const h1 = document.querySelector('h1');
  f.heading = h1 ? h1.textContent.trim() : null;
  f.sections = [...document.querySelectorAll('section[id]')].map(s => s.id);
  f.ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  f.evalTables = document.querySelectorAll('section#eval table.eval').length;
  f.evalRows = document.querySelectorAll('table.eval tr').length;
  const audit = document.querySelector('section#audit');
  f.auditText = audit ? audit.textContent : null;
  const svg = document.querySelectorAll('svg.funnel');
  f.funnelSvgs = svg.length;
  f.funnelInSection = document.querySelectorAll(
      'section#funnel svg.funnel').length;
  f.stages = svg.length ? [...svg[0].querySelectorAll('g.stage')].map(g => ({
      stage: g.getAttribute('data-stage'),
      count: g.getAttribute('data-count'),
      rects: g.querySelectorAll('rect').length,
      labels: [...g.querySelectorAll('text.label')].map(t => t.textContent),
      width: g.getBoundingClientRect().width})) : [];
  f.amounts = [...document.querySelectorAll('.amount')].map(e => ({
      text: e.textContent, tag: e.tagName.toLowerCase(),
      dataValue: e.getAttribute('data-value'),
      attrs: [...e.attributes].map(a => a.name + '=' + a.value).join(' ')}));
  // The text outside .amount elements (SVG <title> included).
  const outside = [];
  const tw = document.createTreeWalker(de, NodeFilter.SHOW_TEXT);
  for (let n = tw.nextNode(); n; n = tw.nextNode()) {
    const p = n.parentElement;
    if (p && !p.closest('.amount') && !p.closest('style'))
      outside.push(n.data);
  }
  f.outsideAmounts = outside.join('\n');
  f.innerText = document.body ? document.body.innerText : '';
  f.textContent = de.textContent;
  f.outerHTML = de.outerHTML;
  f.scrollHeight = Math.max(de.scrollHeight,
      document.body ? document.body.scrollHeight : 0);
  f.scrollWidth = de.scrollWidth;
  f.fontsCheck = document.fonts.check('16px "Noto Sans CJK SC"');
  // Visible text with CJK characters: the first such text node of the
  // page (outside the sections) and of each section, in SVG, in tables
  // and elsewhere.
  const cjk = /[\u3400-\u9fff\uf900-\ufaff]/;
  const w = document.createTreeWalker(document.body || de,
                                      NodeFilter.SHOW_TEXT);
  f.cjk = [];
  window.__dbkCJK = [];
  const done = new Set();
  for (let n = w.nextNode(); n; n = w.nextNode()) {
    const p = n.parentElement;
    if (!cjk.test(n.data) || !p || p.closest('style,title,head')) continue;
    const sec = p.closest('section[id]');
    const kind = p.closest('svg') ? 'svg' : p.closest('table') ? 'table'
        : 'text';
    const key = (sec ? 'section ' + sec.id : 'the page') + ', ' + kind;
    if (done.has(key)) continue;
    const r = document.createRange();
    r.selectNodeContents(n);
    const b = r.getBoundingClientRect();
    if (b.width <= 0 || b.height <= 0) continue;
    done.add(key);
    const cs = getComputedStyle(p);
    window.__dbkCJK.push(p);
    f.cjk.push({text: n.data.trim().slice(0, 40), width: b.width,
                height: b.height, family: cs.fontFamily, section: key,
                tag: p.tagName.toLowerCase()});
  }
  return f;
})()
"""

# In print: how wide the page is, and the widest things that stick out.
PRINT_JS = r"""
(() => {
  const W = document.documentElement.clientWidth;
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > W + 1 && !e.closest('svg *'))
      out.push([e.tagName.toLowerCase() + (e.className && e.className.baseVal
                === undefined && e.className ? '.' + e.className : '') +
                (e.closest('section[id]') ? ' in #' +
                 e.closest('section[id]').id : ''), Math.round(r.right)]);
  }
  return {width: W, scrollWidth: document.documentElement.scrollWidth,
          over: out.slice(0, 5)};
})()
"""


def page_margin_px(css):
    """The left/right margin of @page (mm, cm, in, pt, px) in CSS px;
    0 when none is set (printToPDF's own margins are then used)."""
    m = re.search(r"@page\s*\{[^}]*?margin\s*:\s*([^;}]+)", css)
    if not m:
        return 0
    parts = m.group(1).split()
    v = parts[1] if len(parts) > 1 else parts[0]
    u = re.match(r"([\d.]+)\s*(mm|cm|in|pt|px)?$", v)
    if not u:
        return 0
    k = {"mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96, "pt": 96 / 72,
         "px": 1, None: 1}[u.group(2)]
    return float(u.group(1)) * k


CJK_FONT = re.compile(r"CJK|Han ?Sans|Han ?Serif|WenQuanYi|Droid Sans Fallback|"
                      r"Source Han|PingFang|YaHei|SimSun|SimHei|Hiragino|"
                      r"AR PL|UKai|UMing|Heiti|Songti", re.I)


def money_forms(v):
    """The ways an amount may be written: 4800000, 4,800,000, 480万, in
    minor units (cents) as the engine counts them, 480000000; with its
    decimals, rounded and cut: 366666.67, 366,666.67, 366,667, 366,666."""
    x = float(v)
    cents = int(round(x * 100))
    ns = {cents // 100, int(round(x))}
    forms = {str(cents)}
    for n in ns:
        forms |= {str(n), "{:,}".format(n)}
    if cents % 100:
        forms |= {"%d.%02d" % (cents // 100, cents % 100),
                  "{:,}.{:02d}".format(cents // 100, cents % 100)}
    n = int(round(x))
    if n % 10000 == 0 and n >= 10000:
        w = n // 10000
        forms |= {"%d万" % w, "%d萬" % w, "{:,}万".format(w),
                  "{:,}萬".format(w)}
    return sorted(forms, key=len, reverse=True)


def find_money(text, v):
    """Where an amount occurs in text, as a number of its own (not part
    of a longer number)."""
    hits = []
    for form in money_forms(v):
        for m in re.finditer(r"(?<![\d,.])" + re.escape(form) + r"(?![\d,])",
                             text):
            hits.append((form, text[max(0, m.start() - 40):m.end() + 40]))
    return hits


def main():
    ap = argparse.ArgumentParser(
        description="Render a dealbook report in headless Chromium and "
        "check it.")
    ap.add_argument("html")
    ap.add_argument("--chromium", default=os.environ.get(
        "DBK_CHROMIUM", "chromium"))
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--lang", choices=["zh", "en"],
                    help="the expected <html lang>")
    ap.add_argument("--funnel", help='expected counts, JSON: {"lead":6,...}')
    ap.add_argument("--sections", default=",".join(SECTIONS),
                    help="comma-separated section ids that must exist")
    ap.add_argument("--audit", metavar="RUNID",
                    help="section audit must exist and name this run id "
                    "(its first 8 characters at least) and "
                    "'dealbook eval verify RUNID8'")
    ap.add_argument("--no-audit", action="store_true",
                    help="section audit must not exist")
    ap.add_argument("--masked", action="store_true")
    ap.add_argument("--revealed", action="store_true")
    ap.add_argument("--amounts", default="",
                    help="comma-separated amounts (plain numbers): with "
                    "--masked none may be in the page, with --revealed "
                    "none outside a .amount")
    ap.add_argument("--shown", default="",
                    help="with --revealed: comma-separated amounts that "
                    "a .amount must show")
    ap.add_argument("--cjk", action="store_true",
                    help="the page must hold CJK text, rendered in a CJK "
                    "font")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--max-height", type=int, default=0,
                    help="clip the screenshot to this height (0: full page)")
    ap.add_argument("--screenshot", metavar="PNG")
    ap.add_argument("--pdf", metavar="PDF")
    ap.add_argument("--facts", metavar="JSON",
                    help="write what was found in the page to this file")
    a = ap.parse_args()

    if a.masked and a.revealed:
        ap.error("--masked and --revealed exclude each other")
    path = os.path.abspath(a.html)
    if not os.path.isfile(path):
        print("report_check: no such file: %s" % a.html, file=sys.stderr)
        return 2
    binary = shutil.which(a.chromium)
    if not binary:
        print("report_check: %s is not installed (Debian: apt-get install "
              "chromium fonts-noto-cjk, or tools/deps.sh)" % a.chromium,
              file=sys.stderr)
        return 2
    expect_funnel = None
    if a.funnel:
        try:
            expect_funnel = {k: int(v) for k, v in json.loads(a.funnel).items()}
        except (ValueError, AttributeError) as e:
            ap.error("--funnel: %s" % e)
    amounts = [x.strip() for x in a.amounts.split(",") if x.strip()]
    shown = [x.strip() for x in a.shown.split(",") if x.strip()]
    for x in amounts + shown:
        try:
            float(x)
        except ValueError:
            ap.error("--amounts: not a number: %s" % x)

    fails = []
    info = []
    fail = fails.append
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    url = "file://" + path
    browser = None
    ws = None

    # The alarm is the backstop for anything that blocks outside the
    # socket reads (which keep to the deadline themselves).
    def on_alarm(signum, frame):
        raise Timeout()

    def on_term(signum, frame):
        raise CDPError("interrupted by signal %d" % signum)
    signal.signal(signal.SIGALRM, on_alarm)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_term)
    signal.alarm(int(a.timeout) + 5)
    try:
        browser = Chromium(binary, deadline)
        ws = WebSocket(browser.url, deadline)
        cdp = CDP(ws)
        page = [t for t in cdp.call("Target.getTargets")["targetInfos"]
                if t["type"] == "page"]
        if page:
            tid = page[0]["targetId"]
        else:
            tid = cdp.call("Target.createTarget",
                           {"url": "about:blank"})["targetId"]
        cdp.session = cdp.call("Target.attachToTarget", {
            "targetId": tid, "flatten": True}, browser=True)["sessionId"]
        for dom in ("Page", "Runtime", "Log", "Network", "DOM"):
            cdp.call(dom + ".enable")
        cdp.call("CSS.enable")
        # Nothing may leave the machine, whatever the page asks for.
        cdp.call("Network.setBlockedURLs", {"urls": [
            "http://*", "https://*", "ws://*", "wss://*", "ftp://*"]})
        cdp.call("Emulation.setDeviceMetricsOverride", {
            "width": a.width, "height": 800, "deviceScaleFactor": 1,
            "mobile": False})
        # Forget what about:blank did; the file's own events start here.
        cdp.events.clear()
        nav = cdp.call("Page.navigate", {"url": url})
        if nav.get("errorText"):
            fail("navigating to %s: %s" % (url, nav["errorText"]))
        cdp.wait_event("Page.loadEventFired")
        cdp.pump(0.5)
        facts = cdp.evaluate(FACTS_JS)

        # Which platform fonts drew the CJK text.
        platform = []
        if facts.get("cjk"):
            cdp.call("DOM.getDocument", {"depth": 0})
            for i in range(len(facts["cjk"])):
                obj = cdp.call("Runtime.evaluate", {
                    "expression": "window.__dbkCJK[%d]" % i})["result"]
                node = cdp.call("DOM.requestNode",
                                {"objectId": obj["objectId"]})["nodeId"]
                platform.append(cdp.call("CSS.getPlatformFontsForNode",
                                         {"nodeId": node})["fonts"])
            cdp.call("Runtime.evaluate",
                     {"expression": "delete window.__dbkCJK"})

        # Screenshot: the whole page at --width (or the top --max-height).
        height = int(facts.get("scrollHeight") or 800)
        shot_h = min(height, a.max_height) if a.max_height > 0 else height
        cdp.call("Emulation.setDeviceMetricsOverride", {
            "width": a.width, "height": shot_h, "deviceScaleFactor": 1,
            "mobile": False})
        shot = cdp.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": a.width, "height": shot_h,
                     "scale": 1}})
        png = base64.b64decode(shot["data"])
        # Print: A4 less the @page margins, at 96 px an inch; what is
        # wider than that is cut off on paper.
        cdp.call("Emulation.setEmulatedMedia", {"media": "print"})
        print_w = int(8.27 * 96 - 2 * page_margin_px(
            "\n".join(facts["styles"])))
        cdp.call("Emulation.setDeviceMetricsOverride", {
            "width": print_w, "height": 1123, "deviceScaleFactor": 1,
            "mobile": False})
        print_fit = cdp.evaluate(PRINT_JS)
        cdp.call("Emulation.setEmulatedMedia", {"media": ""})
        pdf = base64.b64decode(cdp.call("Page.printToPDF", {
            "paperWidth": 8.27, "paperHeight": 11.69,
            "printBackground": True, "preferCSSPageSize": True})["data"])
        cdp.pump(0.2)
        events = list(cdp.events)
    except Timeout:
        fails.append("timed out after %g s (chromium's last words: %s)" % (
            a.timeout, " | ".join([x for x in browser.stderr_lines
                                   if x.strip() and "dbus" not in x][-3:])
            if browser else "-"))
        facts = None
    except (CDPError, OSError) as e:
        fails.append("DevTools: %s" % e)
        facts = None
    finally:
        signal.alarm(0)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)      # clean up first
        if ws:
            ws.close()
        if browser:
            browser.close()

    if facts is None:
        for f in fails:
            print("report_check: %s" % " ".join(f.split()), file=sys.stderr)
        return 1

    # ---- logs, exceptions, requests
    for meth, p in events:
        if meth == "Runtime.consoleAPICalled":
            args = " ".join(str(x.get("value", x.get("description", "")))
                            for x in p.get("args", []))
            fail("console.%s: %s" % (p.get("type"), args[:200]))
        elif meth == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            fail("exception: %s" % d.get("exception", {}).get(
                "description", d.get("text", ""))[:200])
        elif meth == "Log.entryAdded":
            e = p.get("entry", {})
            if e.get("level") == "error":
                fail("error logged (%s): %s %s" % (
                    e.get("source"), e.get("text", "")[:200],
                    e.get("url", "")))
        elif meth == "Network.requestWillBeSent":
            u = p.get("request", {}).get("url", "")
            if u.split("#")[0] != url and not u.startswith("data:"):
                fail("the page requested %s" % u[:200])

    # ---- the document
    if a.lang and facts["lang"] != a.lang:
        fail('<html lang="%s">, expected "%s"' % (facts["lang"], a.lang))
    elif facts["lang"] not in ("zh", "en"):
        fail("<html lang=%r>, expected zh or en" % facts["lang"])
    if [c.lower() for c in facts["metaCharset"]] != ["utf-8"] or \
            facts["charset"].upper() != "UTF-8":
        fail('<meta charset>: %s (document %s), expected one "utf-8"' % (
            facts["metaCharset"], facts["charset"]))
    if len(facts["styles"]) != 1:
        fail("%d <style> blocks, expected 1" % len(facts["styles"]))
    css = "\n".join(facts["styles"])
    if not re.search(r"@media\s+print", css):
        fail("no @media print in the style")
    if not re.search(r"@page\s*\{[^}]*size\s*:\s*A4", css, re.I):
        fail("no @page { size: A4 } in the style")
    allcss = css + "\n" + "\n".join(facts["styleAttrs"])
    if re.search(r"@import", allcss, re.I):
        fail("@import in the CSS")
    for m in re.finditer(r"url\(\s*['\"]?([^'\")]*)", allcss, re.I):
        if not m.group(1).lower().startswith("data:"):
            fail("url(%s) in the CSS" % m.group(1)[:80])
    if facts["scripts"]:
        fail("%d <script> elements" % facts["scripts"])
    for h in facts["handlers"]:
        fail("event handler attribute: %s" % h)
    for e in facts["forbidden"]:
        fail("external-resource element: %s" % e)
    for tag, name, val in facts["refs"]:
        v = val.strip().lower()
        if name.lower() in ("href", "xlink:href"):
            if not val.startswith("#"):
                fail('<%s %s="%s">: only #fragment links are allowed' % (
                    tag, name, val[:80]))
            elif val[1:] and val[1:] not in facts["ids"]:
                fail('<%s %s="%s">: no element has that id' % (
                    tag, name, val[:80]))
        elif not v.startswith("data:"):
            fail('<%s %s="%s">: not inline' % (tag, name, val[:80]))
        if v.startswith("javascript:"):
            fail('<%s %s="%s">: a javascript: URL' % (tag, name, val[:80]))

    # ---- sections
    want = [s for s in a.sections.split(",") if s]
    for s in want:
        if s not in facts["sections"]:
            fail("no <section id=\"%s\">" % s)
    dup = sorted({i for i in facts["ids"] if facts["ids"].count(i) > 1})
    if dup:
        fail("duplicate ids: %s" % ", ".join(dup))
    if "eval" in want and facts["evalTables"] != 1:
        fail('%d <table class="eval"> in section eval, expected 1' %
             facts["evalTables"])
    if a.audit:
        t = facts["auditText"]
        r8 = a.audit[:8]
        if t is None:
            fail("no <section id=\"audit\"> (--run)")
        else:
            if r8 not in t:
                fail("section audit does not name the run %s: %s" % (
                    r8, " ".join(t.split())[:200]))
            if "dealbook eval verify " + r8 not in " ".join(t.split()):
                fail("section audit lacks 'dealbook eval verify %s': %s" % (
                    r8, " ".join(t.split())[:200]))
            if not re.search(r"\b[0-9a-f]{64}\b", t):
                fail("section audit shows no input digest (64 hex "
                     "digits): %s" %
                     " ".join(t.split())[:200])
            if not re.search(r"dbk1:", t):
                fail("section audit shows no signer identity (dbk1:...): %s"
                     % " ".join(t.split())[:200])
            if not re.search(r"\d{4}-\d{2}-\d{2}", t):
                fail("section audit shows no time: %s" %
                     " ".join(t.split())[:200])
    if a.no_audit and facts["auditText"] is not None:
        fail("a section audit without --run")

    # ---- funnel
    if facts["funnelSvgs"] != 1:
        fail('%d <svg class="funnel">, expected 1' % facts["funnelSvgs"])
    elif not facts["funnelInSection"]:
        fail('<svg class="funnel"> is not inside section funnel')
    got = facts["stages"]
    names = [g["stage"] for g in got]
    if names != STAGES:
        fail("funnel stages %s, expected %s" % (names, STAGES))
    for g in got:
        st = g["stage"]
        if g["rects"] < 1:
            fail("funnel stage %s has no <rect>" % st)
        if len(g["labels"]) != 1:
            fail('funnel stage %s has %d <text class="label">' % (
                st, len(g["labels"])))
        label = " ".join(g["labels"])
        if st not in label.lower() and STAGES_ZH.get(st, "\0") not in label:
            fail("funnel label of %s does not name it: %r" % (st, label))
        if not re.search(r"(?<!\d)%s(?!\d)" % re.escape(str(g["count"])),
                         label):
            fail("funnel label of %s lacks its count %s: %r" % (
                st, g["count"], label))
        if expect_funnel is not None and st in expect_funnel:
            if g["count"] != str(expect_funnel[st]):
                fail("funnel %s: data-count %s, expected %d" % (
                    st, g["count"], expect_funnel[st]))
    if expect_funnel:
        for st in expect_funnel:
            if st not in names:
                fail("funnel: no stage %s" % st)

    # ---- CJK
    last_family = None
    for c, fonts in zip(facts["cjk"], platform):
        drawn = ", ".join("%s (%d glyphs)" % (p["familyName"],
                                              p["glyphCount"])
                          for p in fonts) or "-"
        where = c["section"]
        fam = "" if c["family"] == last_family else \
            ", font-family %s" % c["family"]
        last_family = c["family"]
        info.append("cjk in %s: <%s> %r %.0f px wide%s; drawn with %s" % (
            where, c["tag"], c["text"], c["width"], fam, drawn))
        if not any(CJK_FONT.search(p["familyName"]) and
                   p.get("glyphCount", 0) > 0 for p in fonts):
            fail("CJK text %r in %s is not drawn with a CJK font "
                 "(font-family %s; drawn with %s): install fonts-noto-cjk" %
                 (c["text"], where, c["family"], drawn))
    info.append('cjk: fonts.check(\'16px "Noto Sans CJK SC"\') is %s '
                "(true even when the font is missing: the check above is "
                "the one that counts)" % facts["fontsCheck"])
    if a.cjk and not facts["cjk"]:
        fail("no rendered CJK text in the page")

    # ---- amounts
    am = facts["amounts"]
    info.append("amounts: %d .amount elements" % len(am))
    if (a.masked or a.revealed) and not am:
        fail("no .amount elements")
    others = set()
    if a.masked:
        for e in am:
            if re.search(r"\d", e["text"]) or \
                    re.search(r"[\uff10-\uff19]", e["text"]):
                fail("masked .amount shows digits: <%s %s>%s" % (
                    e["tag"], e["attrs"], e["text"]))
            elif e["text"].strip() != MASK:
                others.add(e["text"].strip())
            if e["dataValue"] is not None:
                fail("masked .amount has data-value=%r" % e["dataValue"])
        if others:
            info.append("masked .amount elements without a number read: %s"
                        % ", ".join(sorted(others)))
        if not any(e["text"].strip() == MASK for e in am):
            fail("no .amount reads %s" % MASK)
        seen = set()
        for v in amounts:
            for where, text in (("text", facts["innerText"] + "\n" +
                                 facts["textContent"]),
                                ("HTML", facts["outerHTML"])):
                for form, ctx in find_money(text, v):
                    if (where, form) in seen:
                        continue
                    seen.add((where, form))
                    fail("masked page %s holds the amount %s: ...%s..." % (
                        where, form, " ".join(ctx.split())))
    if a.revealed:
        masked = [e for e in am if e["text"].strip() == MASK]
        if masked:
            fail("%d .amount elements are masked under --reveal" %
                 len(masked))
        for v in shown:
            if not any(find_money(e["text"], v) for e in am):
                fail("no .amount shows %s" % "{:,}".format(
                    int(round(float(v)))))
        # Every money value is inside an element of class amount.
        seen = set()
        for v in amounts:
            for form, ctx in find_money(facts["outsideAmounts"], v):
                if form not in seen:
                    seen.add(form)
                    fail("the amount %s is shown outside a .amount "
                         "element: ...%s..." % (form, " ".join(ctx.split())))

    # ---- screenshot and PDF
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 1024:
        fail("the screenshot is not a PNG (%d bytes)" % len(png))
    w, h = struct.unpack(">II", png[16:24]) if len(png) > 24 else (0, 0)
    if w != a.width:
        fail("screenshot is %d px wide, expected %d" % (w, a.width))
    if facts["scrollWidth"] > a.width:
        fail("the page is %d px wide at a %d px viewport (horizontal "
             "overflow)" % (facts["scrollWidth"], a.width))
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*[\d.]+\s+[\d.]+\s+"
                           rb"([\d.]+)\s+([\d.]+)\s*\]", pdf))
    if not boxes or any(abs(float(x) - 595) > 2 or abs(float(y) - 842) > 2
                        for x, y in boxes):
        fail("the PDF's pages are not A4 (595 x 842 pt): %s" % ", ".join(
            "%s x %s" % (x.decode(), y.decode()) for x, y in boxes))
    # Blink shrinks a page that is too wide to the paper (up to a factor
    # of 2), so this is a note, not a failure.
    if print_fit["scrollWidth"] > print_fit["width"] + 1:
        info.append("note: in print the page is %d px wide, A4 less the "
             "@page margins holds %d: Chromium shrinks the whole page to fit "
             "(%s)" % (
                 print_fit["scrollWidth"], print_fit["width"],
                 ", ".join("%s to %d px" % (n, r)
                           for n, r in print_fit["over"])))
    if not pdf.startswith(b"%PDF") or len(pdf) <= 1024:
        fail("the PDF is not a PDF of more than 1 KB (%d bytes, starts %r)" %
             (len(pdf), pdf[:8]))
    for data, dest in ((png, a.screenshot), (pdf, a.pdf)):
        if dest:
            with open(dest + ".tmp", "wb") as fh:
                fh.write(data)
            os.replace(dest + ".tmp", dest)
    if a.facts:
        facts["platformFonts"] = platform
        facts["events"] = [m for m, _ in events]
        with open(a.facts, "w", encoding="utf-8") as fh:
            json.dump(facts, fh, ensure_ascii=False, indent=1)

    info.insert(0, "heading: %s" % facts["heading"])
    info.insert(1, "lang: %s; sections: %s" % (
        facts["lang"], " ".join(facts["sections"])))
    info.append("screenshot: %dx%d px, %d bytes; PDF: %d bytes, %d pages; "
                "%.1f s" % (w, h, len(png), len(pdf), pages,
                            time.monotonic() - t0))
    for line in info:
        print(line)
    for f in fails:
        print("report_check: %s" % " ".join(f.split()), file=sys.stderr)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
