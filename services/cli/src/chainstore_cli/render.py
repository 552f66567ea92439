"""Output: JSON for scripts (`--json`), Rich tables and progress for people."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC
from typing import Any

import typer
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

_INT64 = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED64,
}


def as_dict(msg: Message) -> dict[str, Any]:
    """A message as JSON-ready data: field names as in the proto, zeros and empties kept,
    and 64-bit integers as numbers (proto's JSON writes them as strings) for scripts."""
    data = json_format.MessageToDict(
        msg, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    _numbers(msg.DESCRIPTOR, data)
    return data


def _numbers(descriptor: Any, data: dict[str, Any]) -> None:  # a message Descriptor
    for field in descriptor.fields:
        if field.name not in data:
            continue
        value = data[field.name]
        if field.type in _INT64:
            data[field.name] = [int(v) for v in value] if field.is_repeated else int(value)
            continue
        nested = field.message_type
        # Well-known types (Timestamp, Any) have JSON forms of their own; maps are left be.
        if nested is None or nested.full_name.startswith("google.protobuf."):
            continue
        if nested.GetOptions().map_entry:
            continue
        for item in value if field.is_repeated else [value]:
            _numbers(nested, item)


def emit_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def enum_text(prefix: str, name: str) -> str:
    """`ORDER_STATUS_PAID` → `paid`."""
    return name.removeprefix(prefix).lower()


def when(stamp: Timestamp | None) -> str:
    if stamp is None or (stamp.seconds == 0 and stamp.nanos == 0):
        return ""
    return stamp.ToDatetime(tzinfo=UTC).isoformat(timespec="seconds")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    shown = Table(title=title, title_justify="left")
    for column in columns:
        shown.add_column(column, overflow="fold")
    for row in rows:
        shown.add_row(*("" if v is None else str(v) for v in row))
    Console().print(shown)


def facts(title: str, pairs: Sequence[tuple[str, object]]) -> None:
    """A two-column table of name → value."""
    shown = Table(title=title, title_justify="left", show_header=False)
    shown.add_column(style="bold")
    shown.add_column(overflow="fold")
    for name, value in pairs:
        shown.add_row(name, "" if value is None else str(value))
    Console().print(shown)


def error(message: str) -> None:
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)


@contextlib.contextmanager
def progress(shown: bool) -> Iterator[Progress]:
    """A progress display on stderr (gone when done); silent when not `shown` (--json)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not shown,
    ) as bar:
        yield bar
