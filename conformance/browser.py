"""A headless Chromium that records every resource a page tries to load.

Three ways a page reaches for a resource, all recorded:

- a request the browser sends: every one goes through a route handler that records it
  and aborts it unless it is for the loopback server (Chromium is also given a dead
  proxy, so a request that slipped past the handler could not leave the machine either);
  WebSocket connections likewise;
- a request the page's Content-Security-Policy stopped before it was sent (the core's
  policy allows this server only): reported by the page's ``securitypolicyviolation``
  events;
- a resource the page declares but the browser did not need to fetch (a ``srcset``
  candidate for another screen density, a stylesheet rule for an element that is not
  there, a font no text uses): the rendered page's attributes and style sheets are
  read after it loaded.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Chromium's headless shell (Debian's chromium-headless-shell) where installed: the same
# engine and network stack without the browser's interface, at half the CPU per run.
HEADLESS_SHELL, FULL_CHROMIUM = "/usr/bin/chromium-headless-shell", "/usr/bin/chromium"
CHROMIUM = os.environ.get("MOTCUA_CONFORMANCE_CHROMIUM") or (
    HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else FULL_CHROMIUM)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-domain-reliability", "--no-pings",
                 # Anything not for loopback (which Chromium never proxies) goes to a closed port.
                 "--proxy-server=http://127.0.0.1:9"]
LOOPBACK = re.compile(r"^(127(\.\d{1,3}){3}|localhost|\[?::1\]?)$", re.I)
LOCAL_SCHEMES = {"data", "blob", "about", "javascript", "mailto", "tel", ""}
# After the load event: time for the page's scripts to start their requests.
SETTLE_MS = 100
TALL = {"width": 1280, "height": 4000}  # lazy images below a laptop's fold load too

# Records what CSP refused, before any of the page's own scripts runs.
WATCH_VIOLATIONS = """
window.__motcuaRefused = [];
document.addEventListener('securitypolicyviolation',
    e => window.__motcuaRefused.push([e.blockedURI, e.effectiveDirective]));
"""
# Every URL the rendered page declares for a resource (not plain links), and what its
# Content-Security-Policy refused.
DECLARED = r"""() => {
  // <link> relations that name a document to go to, not a resource the page loads.
  const NAVIGATION = /^(canonical|alternate|next|prev|help|license|author|bookmark|search)$/i;
  const found = [];
  const add = (u, how) => { if (u) found.push([u.trim(), how]); };
  const urlsIn = (css, how) => {
    for (const m of css.matchAll(/url\(\s*['"]?([^'")]+)['"]?\s*\)/g)) add(m[1], how);
    for (const m of css.matchAll(/@import\s+['"]([^'"]+)['"]/g)) add(m[1], how);
  };
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    for (const name of ['src', 'poster', 'background']) {
      if (el.hasAttribute(name)) add(el.getAttribute(name), `<${tag} ${name}>`);
    }
    if (tag === 'object') add(el.getAttribute('data'), '<object data>');
    for (const name of ['srcset', 'imagesrcset']) {
      for (const part of (el.getAttribute(name) || '').split(',')) {
        add(part.trim().split(/\s+/)[0], `<${tag} ${name}>`);
      }
    }
    const rel = tag === 'link' ? (el.getAttribute('rel') || '').trim() : '';
    if (rel && !NAVIGATION.test(rel)) add(el.getAttribute('href'), `<link rel=${rel}>`);
    if (tag === 'image' || tag === 'use' || tag === 'feimage') {
      add(el.getAttribute('href') || el.getAttribute('xlink:href'), `<${tag} href>`);
    }
    if (el.hasAttribute('style')) urlsIn(el.getAttribute('style'), `<${tag} style>`);
  }
  const walk = (rules, how) => {
    for (const rule of rules) {
      if (rule.href) add(rule.href, how + ' (@import)');
      else urlsIn(rule.cssText || '', how);
      if (rule.styleSheet) { try { walk(rule.styleSheet.cssRules, how); } catch (e) {} }
    }
  };
  for (const sheet of document.styleSheets) {
    const how = sheet.href ? `stylesheet ${sheet.href}` : '<style>';
    try { walk(sheet.cssRules, how); } catch (e) { /* another origin: its request is seen */ }
  }
  const declared = found.map(([u, how]) => {
    try { return [new URL(u, document.baseURI).href, how]; } catch (e) { return [u, how]; }
  });
  return {declared, refused: window.__motcuaRefused || []};
}"""


class BrowserMissing(Exception):  # noqa: N818 - the check reports it
    """No headless Chromium (or no playwright) on this machine."""


@dataclass
class Visit:
    """What one page tried to load from outside the loopback server."""

    url: str
    status: int | None = None
    final_url: str = ""  # where the browser ended (another page if it was redirected)
    outside: dict[str, list[str]] = field(default_factory=dict)  # URL -> how it was seen
    requests: int = 0  # requests seen in all, loopback included


def is_outside(url: str) -> bool:
    """True if ``url`` names a host other than the loopback server."""
    parts = urlsplit(url)
    if parts.scheme.lower() in LOCAL_SCHEMES:
        return False
    return not LOOPBACK.match(parts.hostname or "")


def missing() -> str | None:
    """Why no browser can be started here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (set MOTCUA_CONFORMANCE_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("the Python package playwright is not installed (pip install "
                "'motcua[conformance]')")
    return None


class Recorder:
    """A browser context whose pages' resource requests are recorded (module doc)."""

    def __init__(self, context) -> None:  # noqa: ANN001 - a playwright BrowserContext
        self.context = context
        self.visit: Visit | None = None
        self.page = None  # one tab, reused: a new one per visit costs more than the visit
        context.add_init_script(WATCH_VIOLATIONS)
        context.route("**/*", self._route)
        context.route_web_socket(re.compile(".*"), self._socket)

    def _route(self, route) -> None:  # noqa: ANN001
        url = route.request.url
        if self.visit is not None:
            self.visit.requests += 1
        if is_outside(url):
            self._note(url, f"requested ({route.request.resource_type})")
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def _socket(self, socket) -> None:  # noqa: ANN001
        if is_outside(socket.url):
            self._note(socket.url, "WebSocket opened")
            socket.close()
        else:
            socket.connect_to_server()

    def _note(self, url: str, how: str) -> None:
        if self.visit is not None:
            seen = self.visit.outside.setdefault(url, [])
            if how not in seen:
                seen.append(how)

    def open(self, url: str, cookies: list[dict]) -> Visit:
        """Load ``url`` with ``cookies`` and return what it tried to load from outside."""
        self.context.clear_cookies()
        if cookies:
            self.context.add_cookies(cookies)
        self.visit = visit = Visit(url)
        if self.page is None:
            self.page = self.context.new_page()
        page = self.page
        try:
            answer = page.goto(url, wait_until="load")
            visit.status = answer.status if answer is not None else None
            visit.final_url = page.url
            page.wait_for_timeout(SETTLE_MS)
            seen = page.evaluate(DECLARED)
            for refused, directive in seen["refused"]:
                if is_outside(refused):
                    self._note(refused, f"refused by the Content-Security-Policy's {directive}")
            for declared, how in seen["declared"]:
                if is_outside(declared):
                    self._note(declared, f"declared in {how}")
        finally:
            self.visit = None
        return visit


@contextmanager
def recorder():  # noqa: ANN201 - yields a Recorder
    """A :class:`Recorder` in a fresh headless Chromium; ``BrowserMissing`` if none."""
    reason = missing()
    if reason:
        raise BrowserMissing(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=TALL, service_workers="block")
            context.set_default_timeout(15_000)
            yield Recorder(context)
        finally:
            browser.close()
