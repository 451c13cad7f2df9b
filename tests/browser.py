"""Headless Chromium driven over the DevTools protocol, for the dashboard's end-to-end test.

A plain ``chromium --screenshot`` fires at the page's load event, before a Streamlit
app has drawn anything (it renders over a websocket afterwards), so the test waits
for what it expects through the DevTools protocol, then takes the screenshot. Every
request the page makes is recorded, to prove nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

# Debian's package; other systems' names for the same browser.
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--hide-scrollbars",
    # Name resolution fails for every host but this machine: the page must work offline.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


def find_chromium() -> str | None:
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class Page:
    """One tab: navigate, evaluate JavaScript, wait for a condition, take a screenshot."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self.requests: list[str] = []  # every URL the page asked for
        self.call("Network.enable")
        self.call("Page.enable")

    def call(self, method: str, **params: Any) -> dict:
        message_id = next(self._ids)
        self._socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=30))
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def open(self, url: str, *, width: int, height: int) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call("Page.navigate", url=url)

    def wait_for(self, expression: str, timeout: float = 60) -> Any:
        """Polls a JavaScript expression until it is truthy; its last value on timeout."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.25)
        raise AssertionError(f"timed out after {timeout}s waiting for {expression}: {value!r}")

    def click(self, x: float, y: float) -> None:
        """A left click at a point of the page, as a user makes it."""
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the browser and its helper processes, SIGKILL after 10 s; wait for them."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # helpers write to the profile until they exit
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


@contextmanager
def chromium(executable: str) -> Iterator[Page]:
    """A headless Chromium with a fresh profile, and its one tab."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        process = subprocess.Popen(
            [
                executable,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: its helpers stop with it
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + 30
            while not port_file.exists() or not port_file.read_text().strip():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{executable} did not start (exit {process.poll()})")
                time.sleep(0.1)
            port = int(port_file.read_text().split()[0])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = json.load(r)
            tab = next(t for t in targets if t["type"] == "page")
            with connect(
                tab["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024, open_timeout=10
            ) as socket:
                yield Page(socket)
        finally:
            stop_group(process)


def external(urls: list[str], allowed_port: int) -> list[str]:
    """The URLs that went anywhere but the app itself (data: and blob: are in-page)."""
    local = re.compile(rf"^(https?|wss?)://(127\.0\.0\.1|localhost):{allowed_port}/")
    return [u for u in urls if not local.match(u) and not u.startswith(("data:", "blob:"))]


# The Overview's drawn charts on the demo data: spend in EUR and in USD, messages,
# delivery rate, call minutes.
OVERVIEW_CHARTS = 5
DRAWN = "document.querySelectorAll('.vega-embed svg.marks, .vega-embed canvas').length"
# Streamlit's scrolling main area: its full height is the whole page.
MAIN = "document.querySelector('[data-testid=stMain]')"


TABLES = "document.querySelectorAll('[data-testid=stDataFrame] table').length"


def show(
    page: Page,
    url: str,
    *,
    charts: int,
    text: str,
    tables: int = 0,
    width: int = 1400,
    height: int = 2200,
) -> str:
    """Open a dashboard URL, wait until it shows ``text`` and has drawn ``charts`` charts
    and ``tables`` tables; return the page's text."""
    page.open(url, width=width, height=height)
    page.wait_for(f"document.body.innerText.includes({json.dumps(text)})")
    page.wait_for(f"{DRAWN} >= {charts} && {TABLES} >= {tables}")
    return page.evaluate("document.body.innerText")


def show_overview(page: Page, url: str, *, width: int = 1400, height: int = 2200) -> str:
    """Load the dashboard, wait until the Overview has drawn every chart; the page's text."""
    return show(
        page, url, charts=OVERVIEW_CHARTS, text="Reconciliation", width=width, height=height
    )


def tables(page: Page) -> list[list[list[str]]]:
    """Every st.dataframe's rows as text, header first: Streamlit draws tables on a canvas
    and mirrors the rows in view into an accessible table, which this reads."""
    return page.evaluate(
        "[...document.querySelectorAll('[data-testid=stDataFrame] table')].map(t => "
        "[...t.querySelectorAll('tr')].map(r => "
        "[...r.querySelectorAll('th, td')].map(c => c.innerText.trim())))"
    )


def metrics(page: Page, at_least: int = 1) -> dict[str, str]:
    """Every st.metric: label -> value, once at least ``at_least`` are drawn."""
    page.wait_for(f"document.querySelectorAll('[data-testid=stMetricValue]').length >= {at_least}")
    return dict(
        page.evaluate(
            "[...document.querySelectorAll('[data-testid=stMetric]')].map(m => ["
            "m.querySelector('[data-testid=stMetricLabel]').innerText.trim(), "
            "m.querySelector('[data-testid=stMetricValue]').innerText.trim()])"
        )
    )


def fit_height(page: Page, width: int = 1400) -> int:
    """Make the window as tall as the page's content, so one screenshot holds all of it."""
    height = int(page.evaluate(f"{MAIN}.scrollHeight")) + 40
    page.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=False,
    )
    return height
