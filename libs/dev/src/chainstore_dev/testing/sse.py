"""A Server-Sent Events reader for tests: follows a stream on a thread and keeps what it
received, so a test can act over HTTP and then wait for what should have arrived."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Sse:
    id: str | None
    event: str
    data: dict[str, Any]
    received_at: float  # time.time() on arrival


def parse_frame(lines: list[str]) -> tuple[str | None, str | None, str | None]:
    """(id, event, data) of one frame; comments and retry lines ignored."""
    fid = event = data = None
    for line in lines:
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            fid = value
        elif name == "event":
            event = value
        elif name == "data":
            data = value if data is None else f"{data}\n{value}"
    return fid, event, data


class SseListener:
    def __init__(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        read_delay_s: float = 0.0,
    ) -> None:
        self.events: list[Sse] = []
        self.last_id: str | None = None  # as a browser tracks it, heartbeat ids included
        self.status: int | None = None
        self.body = ""
        self.ended = threading.Event()
        self.opened = threading.Event()
        self._read_delay_s = read_delay_s
        self._cond = threading.Condition()
        self._client = httpx.Client(timeout=httpx.Timeout(10.0, read=60.0))
        self._thread = threading.Thread(
            target=self._run, args=(url, headers or {}, params or {}), daemon=True
        )
        self._thread.start()
        if not self.opened.wait(15):
            raise TimeoutError(f"no answer from {url}")

    def _run(self, url: str, headers: dict[str, str], params: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", url, headers=headers, params=params) as r:
                self.status = r.status_code
                if r.status_code != 200:
                    self.body = r.read().decode()
                    self.opened.set()
                    return
                self.opened.set()
                frame: list[str] = []
                for line in r.iter_lines():
                    if self._read_delay_s:
                        time.sleep(self._read_delay_s)
                    if line:
                        frame.append(line)
                        continue
                    self._dispatch(frame)
                    frame = []
        except Exception:
            pass
        finally:
            self.opened.set()
            self.ended.set()
            with self._cond:
                self._cond.notify_all()

    def _dispatch(self, frame: list[str]) -> None:
        fid, event, data = parse_frame(frame)
        with self._cond:
            if fid is not None:
                self.last_id = fid
            if data is not None:
                self.events.append(Sse(fid, event or "message", json.loads(data), time.time()))
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Sse], bool], timeout_s: float = 15.0) -> Sse:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                for e in self.events:
                    if predicate(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0 or self.ended.is_set():
                    raise AssertionError(
                        f"no matching event within {timeout_s}s; got "
                        f"{[(e.event, e.data.get('order_no')) for e in self.events]}"
                    )
                self._cond.wait(left)

    def types(self) -> list[str]:
        with self._cond:
            return [e.event for e in self.events]

    def close(self) -> None:
        self._client.close()
        self._thread.join(5)
