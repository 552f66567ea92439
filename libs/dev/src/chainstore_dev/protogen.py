"""Generate Python (messages, gRPC stubs, type stubs) from protos/; `--check` reports drift.

Usage: python -m chainstore_dev.protogen [--check] PROTO_ROOT OUT_DIR
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import sys
import tempfile
from pathlib import Path


def generate(proto_root: Path, out: Path) -> None:
    from grpc_tools import protoc  # dev-only dependency

    # Ours only: protos/google/ holds copies of Google's, whose Python comes with
    # googleapis-common-protos.
    ours = (proto_root / "chainstore").rglob("*.proto")
    protos = sorted(str(p.relative_to(proto_root)) for p in ours)
    include = Path(protoc.__file__).parent / "_proto"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".protogen-", dir=out.parent))
    # protoc-gen-mypy lives beside this interpreter.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    args = [
        "protoc",
        f"-I{proto_root}",
        f"-I{include}",
        f"--python_out={tmp}",
        f"--grpc_python_out={tmp}",
        f"--mypy_out={tmp}",
        f"--mypy_grpc_out={tmp}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    generated = tmp / "chainstore"
    for folder in [generated, *(p for p in generated.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").write_text("")
    (generated / "py.typed").write_text("")
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    generated.rename(out)
    shutil.rmtree(tmp)


def differences(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    found = [f"only in {a}: {n}" for n in cmp.left_only] + [
        f"only in {b}: {n}" for n in cmp.right_only
    ]
    found += [f"differs: {a / n}" for n in cmp.diff_files]
    for sub in cmp.common_dirs:
        found += differences(a / sub, b / sub)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="fail if OUT_DIR is stale")
    parser.add_argument("proto_root", type=Path)
    parser.add_argument("out", type=Path)
    ns = parser.parse_args()
    if not ns.check:
        generate(ns.proto_root, ns.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "chainstore"
        generate(ns.proto_root, fresh)
        drift = differences(fresh, ns.out) if ns.out.exists() else [f"missing: {ns.out}"]
    if drift:
        print("generated code is stale; run `make proto`:", *drift, sep="\n  ")
        raise SystemExit(1)
    print("generated code matches protos/")


if __name__ == "__main__":
    main()
