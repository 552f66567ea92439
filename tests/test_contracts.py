"""The contract checks of `make lint` catch what they are there for: `buf breaking`, with the
rules of protos/buf.yaml, run on a changed copy of protos/ against the unchanged one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from google.rpc import status_pb2

PROTOS = Path(__file__).resolve().parents[1] / "protos"
BUF = Path(sys.executable).parent / "buf"
# Probes edit one file; buf checks every file alike.
PROBED = "chainstore/logistics/v1/logistics.proto"


def breaking(tmp_path: Path, edit: tuple[str, str]) -> subprocess.CompletedProcess[str]:
    """`buf breaking` of protos/ with one textual edit to logistics.proto, against protos/."""
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(PROTOS, before)
    shutil.copytree(PROTOS, after)
    proto = after / PROBED
    old, new = edit
    text = proto.read_text()
    assert len(re.findall(old, text, flags=re.M)) == 1, f"{old!r} is not in {PROBED} once"
    proto.write_text(re.sub(old, new, text, flags=re.M))
    return subprocess.run(
        [str(BUF), "breaking", str(after), "--against", str(before), "--error-format=json"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_copy_of_google_rpc_status_is_the_one_whose_python_we_use() -> None:
    shipped = Path(status_pb2.__file__).with_name("status.proto")
    assert (PROTOS / "google/rpc/status.proto").read_text() == shipped.read_text()


def test_a_comment_is_not_a_breaking_change(tmp_path: Path) -> None:
    done = breaking(tmp_path, (r"^message Shipment \{", "// Probe.\nmessage Shipment {"))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("edit", "rule"),
    [
        # A peer of the previous version would read created_at's bytes as another field.
        (
            (
                r"^  google.protobuf.Timestamp created_at = 12;",
                "  google.protobuf.Timestamp created_at = 99;",
            ),
            "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        ),
        ((r"^  int64 price = 15;", "  string price = 15;"), "FIELD_WIRE_JSON_COMPATIBLE_TYPE"),
        # Same bytes on the wire, but JSON clients (grpcurl, the gateway's tools) see a new key:
        # the reason for WIRE_JSON rather than WIRE.
        ((r"^  string cancel_reason = 18;", "  string cancel_note = 18;"), "FIELD_SAME_JSON_NAME"),
        (
            (r"^  TRACKING_STATUS_DELIVERED = 6;", "  TRACKING_STATUS_DELIVERED = 10;"),
            "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        ),
    ],
)
def test_a_change_a_running_peer_cannot_read_fails(
    tmp_path: Path, edit: tuple[str, str], rule: str
) -> None:
    done = breaking(tmp_path, edit)
    assert done.returncode != 0, "buf breaking let an incompatible change through"
    assert f'"type":"{rule}"' in done.stdout, done.stdout + done.stderr
