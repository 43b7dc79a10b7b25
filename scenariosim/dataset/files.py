"""Safe output: a dataset is written into a staging folder and moved into place only when complete.

So a failed or interrupted render never leaves a half-written dataset, and never destroys an
earlier one unless the user asked to replace it.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

from scenariosim.errors import DatasetError

MANIFEST = "manifest.json"


def check_target(out: Path, overwrite: bool) -> None:
    """Refuse a target that holds anything but an earlier dataset, or an earlier dataset without overwrite."""
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MANIFEST).is_file():
            raise DatasetError(f"{out} is not empty and holds no scenariosim dataset; choose another --out")
        if not overwrite:
            raise DatasetError(f"{out} already holds a dataset; pass --overwrite to replace it")


@contextmanager
def staged_folder(out: Path, overwrite: bool = False):
    """Yield a fresh staging folder beside ``out``; on success it replaces ``out``, on failure it vanishes."""
    check_target(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{stage.name.rsplit('-', 1)[-1]}")
        out.rename(old)
    stage.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_png(path: Path, image: np.ndarray) -> None:
    """Write an (H, W) or (H, W, 3) RGB image (uint8 or uint16) as PNG."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise DatasetError(f"could not encode {path.name} as PNG")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.tobytes())


def write_npy(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, array, allow_pickle=False)


def write_json(path: Path, obj) -> None:
    """Deterministic JSON: insertion order, fixed separators, trailing newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
