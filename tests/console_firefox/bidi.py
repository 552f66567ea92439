"""A small WebDriver BiDi client that drives Debian's firefox-esr for the console tests.

Why this driver: Playwright's Firefox is a patched build it downloads, and Selenium and
Marionette-based drivers need geckodriver or a stack of mozbase packages; none of that
installs from the registries our machines reach. Stock Firefox speaks WebDriver BiDi, the
W3C protocol, itself (`--remote-debugging-port`), so a JSON-over-websocket client on the
`websockets` package we already pin is all it takes: no extra dependency, no binary.

It covers what the console tests use: tabs in their own cookie jars (user contexts),
navigation, script evaluation, real pointer clicks and key presses, the viewport, cookies,
screenshots, and every JavaScript error and console.error a page reports.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

# Set before start-up; the remote agent adds its own recommended automation preferences.
PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "intl.accept_languages": "zh-CN,zh",
    "layout.css.devPixelsPerPx": "1.0",
}
FLAGS = ["--remote-debugging-port=0", "about:blank"]  # 0: a free port, written to the profile
START_TIMEOUT_S = 30.0
COMMAND_TIMEOUT_S = 30.0


class BiDiError(Exception):
    """An error answer of the browser: `error` is the protocol's code ("no such node", ...)."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error


class Firefox:
    """firefox-esr, headless, with a throwaway profile, and one BiDi session on it."""

    def __init__(self, binary: Path, profile: Path, timezone: str = "Asia/Shanghai") -> None:
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "user.js").write_text(
            "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in PREFS.items())
        )
        self._log = (profile / "firefox.log").open("wb")
        self._process = subprocess.Popen(
            [str(binary), "--headless", "--no-remote", "--profile", str(profile), *FLAGS],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TZ": timezone, "MOZ_CRASHREPORTER_DISABLE": "1"},
        )
        self.profile = profile
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []
        try:
            self._ws = self._connect()
            self.send("session.new", {"capabilities": {}})
            self.send("session.subscribe", {"events": ["log.entryAdded"]})
        except BaseException:
            self._process.kill()
            self._stop()
            raise

    def _connect(self) -> ClientConnection:
        # With port 0 the browser picks a free one and writes it into the profile.
        server = self.profile / "WebDriverBiDiServer.json"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"firefox exited with {self._process.returncode}: {self.log()}")
            if server.exists():
                try:
                    port = json.loads(server.read_text())["ws_port"]
                    return connect(f"ws://127.0.0.1:{port}/session", max_size=None, legacy=True)
                except (ValueError, OSError):
                    pass  # written but not listening yet
            time.sleep(0.1)
        raise RuntimeError(f"firefox did not open WebDriver BiDi in time: {self.log()}")

    def log(self) -> str:
        self._log.flush()
        return (self.profile / "firefox.log").read_text(errors="replace")[-3000:]

    def send(self, method: str, params: dict[str, Any], timeout: float = COMMAND_TIMEOUT_S) -> Any:
        """One command; events that arrive while waiting for its answer are kept."""
        command_id = next(self._ids)
        self._ws.send(json.dumps({"id": command_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{method}: no answer in {timeout} s")
            message = json.loads(self._ws.recv(timeout=left))
            if message.get("type") == "event":
                self._events.append(message)
            elif message.get("id") == command_id:
                if message.get("type") == "error":
                    raise BiDiError(message["error"], message.get("message", ""))
                return message["result"]

    def take_errors(self) -> list[str]:
        """Uncaught exceptions, unhandled rejections and console.error calls since last asked."""
        self.send("session.status", {})  # reads the events the browser sent before its answer
        errors = []
        for event in self._events:
            entry = event["params"]
            if event["method"] == "log.entryAdded" and entry.get("level") == "error":
                where = entry.get("stackTrace", {}).get("callFrames", [{}])
                url = where[0].get("url", "") if where else ""
                errors.append(f"{entry.get('type')}: {entry.get('text')} ({url})")
        self._events.clear()
        return errors

    def new_tab(self, base_url: str, width: int, height: int) -> Tab:
        """A tab in a new user context: its own cookies and storage, as a fresh browser."""
        user_context = self.send("browser.createUserContext", {})["userContext"]
        context = self.send("browsingContext.create", {"type": "tab", "userContext": user_context})[
            "context"
        ]
        tab = Tab(self, context, user_context, base_url)
        tab.set_viewport(width, height)
        return tab

    def close(self) -> None:
        with contextlib.suppress(Exception):  # it is going anyway
            self.send("browser.close", {}, timeout=10)
            self._ws.close()
        self._stop()

    def _stop(self) -> None:
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class Tab:
    """One top-level browsing context. Selectors are CSS; `text` narrows to elements whose
    text contains it. Waits poll until true or `timeout` seconds, then fail."""

    def __init__(self, browser: Firefox, context: str, user_context: str, base_url: str) -> None:
        self.browser = browser
        self.context = context
        self.user_context = user_context
        self.base_url = base_url.rstrip("/")

    def send(self, method: str, params: dict[str, Any], timeout: float = COMMAND_TIMEOUT_S) -> Any:
        return self.browser.send(method, {"context": self.context, **params}, timeout)

    def close(self) -> None:
        self.browser.send("browsingContext.close", {"context": self.context})
        self.browser.send("browser.removeUserContext", {"userContext": self.user_context})

    # Navigation and scripts

    def goto(self, path: str) -> None:
        url = self.base_url + path if path.startswith("/") else path
        self.send("browsingContext.navigate", {"url": url, "wait": "complete"})

    def reload(self) -> None:
        self.send("browsingContext.reload", {"wait": "complete"})

    def evaluate(self, function: str, *args: Any) -> Any:
        """Calls a JavaScript function (source text) with JSON arguments in the page, awaits
        it, and returns its JSON result."""
        wrapper = (
            "async (args) => { const value = await (" + function + ")(...JSON.parse(args));"
            " return value === undefined ? 'null' : JSON.stringify(value); }"
        )
        result = self.send(
            "script.callFunction",
            {
                "functionDeclaration": wrapper,
                "arguments": [{"type": "string", "value": json.dumps(list(args))}],
                "target": {"context": self.context},
                "awaitPromise": True,
            },
        )
        if result["type"] == "exception":
            details = result["exceptionDetails"]
            raise BiDiError("javascript error", str(details.get("text")))
        return json.loads(result["result"]["value"])

    def wait_for(self, function: str, *args: Any, timeout: float = 15, what: str = "") -> Any:
        """Polls a JavaScript function until it returns something truthy, and returns that;
        errors while the page changes (a navigation under way) count as not yet."""
        deadline = time.monotonic() + timeout
        last: object = None
        while True:
            try:
                last = self.evaluate(function, *args)
                if last:
                    return last
            except BiDiError as error:
                last = error
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or function} (last: {last})")
            time.sleep(0.1)

    @property
    def url(self) -> str:
        return str(self.evaluate("() => location.href"))

    def wait_for_path(self, path: str, timeout: float = 15) -> None:
        """Until the tab shows `path` (path and query, no host) and has loaded."""
        self.wait_for(
            "(path) => location.pathname + location.search === path"
            " && document.readyState === 'complete'",
            path,
            timeout=timeout,
            what=f"the page {path}",
        )

    # Elements

    def _element(self, selector: str, text: str | None, timeout: float) -> dict[str, str]:
        """The first visible element matching, scrolled into view, as a BiDi shared reference."""
        self.wait_for(
            f"(s, t) => !!({FIND})(s, t)",
            selector,
            text,
            timeout=timeout,
            what=f"{selector} {text or ''}".strip(),
        )
        result = self.send(
            "script.callFunction",
            {
                "functionDeclaration": f"(s, t) => {{ const el = ({FIND})(s, t);"
                " el.scrollIntoView({block: 'center'}); return el; }",
                "arguments": [
                    {"type": "string", "value": selector},
                    {"type": "string", "value": text} if text is not None else {"type": "null"},
                ],
                "target": {"context": self.context},
                "awaitPromise": False,
            },
        )
        if result["type"] == "exception":
            raise BiDiError("javascript error", str(result["exceptionDetails"].get("text")))
        return {"sharedId": result["result"]["sharedId"]}

    def click(self, selector: str, text: str | None = None, timeout: float = 15) -> None:
        """A real mouse click (move, press, release) in the middle of the element."""
        element = self._element(selector, text, timeout)
        origin = {"type": "element", "element": element}
        self.send(
            "input.performActions",
            {
                "actions": [
                    {
                        "type": "pointer",
                        "id": "mouse",
                        "parameters": {"pointerType": "mouse"},
                        "actions": [
                            {"type": "pointerMove", "x": 0, "y": 0, "origin": origin},
                            {"type": "pointerDown", "button": 0},
                            {"type": "pointerUp", "button": 0},
                        ],
                    }
                ]
            },
        )

    def fill(self, selector: str, value: str, timeout: float = 15) -> None:
        """Clicks into a field, empties it and types `value` key by key."""
        self.click(selector, timeout=timeout)
        self.evaluate("(s) => { document.querySelector(s).value = ''; }", selector)
        keys = []
        for char in value:
            keys += [{"type": "keyDown", "value": char}, {"type": "keyUp", "value": char}]
        self.send(
            "input.performActions", {"actions": [{"type": "key", "id": "kb", "actions": keys}]}
        )

    def text(self, selector: str) -> str:
        return str(self.evaluate("(s) => document.querySelector(s)?.innerText ?? ''", selector))

    def count(self, selector: str) -> int:
        return int(self.evaluate("(s) => document.querySelectorAll(s).length", selector))

    def wait_for_text(self, selector: str, text: str, timeout: float = 15) -> None:
        self.wait_for(
            f"(s, t) => !!({FIND})(s, t)",
            selector,
            text,
            timeout=timeout,
            what=f"{text!r} in {selector}",
        )

    # The window

    def set_viewport(self, width: int, height: int) -> None:
        self.send("browsingContext.setViewport", {"viewport": {"width": width, "height": height}})

    def cookies(self) -> list[dict[str, Any]]:
        result = self.browser.send(
            "storage.getCookies",
            {"partition": {"type": "storageKey", "userContext": self.user_context}},
        )
        return list(result["cookies"])

    def screenshot(self, path: Path) -> Path:
        """The whole page, not only the viewport."""
        data = self.send("browsingContext.captureScreenshot", {"origin": "document"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


# A visible element matching a CSS selector, and whose text contains `text` when given.
FIND = """(selector, text) => Array.from(document.querySelectorAll(selector)).find((el) => {
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden"
    && (text === null || text === undefined || el.textContent.includes(text));
})"""
