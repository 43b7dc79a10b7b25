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
DATASET_FORMAT = "scenariosim-dataset"


def is_dataset(folder: Path) -> bool:
    """True when ``folder`` holds a manifest that scenariosim wrote."""
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("format") == DATASET_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def check_target(out: Path, overwrite: bool) -> None:
    """Refuse a target that holds anything but an earlier dataset, or an earlier dataset without overwrite."""
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not is_dataset(out):
            raise DatasetError(f"{out} is not empty and holds no scenariosim dataset; choose another --out")
        if not overwrite:
            raise DatasetError(f"{out} already holds a dataset; pass --overwrite to replace it")


@contextmanager
def staged_folder(out: Path, overwrite: bool = False):
    """Yield a fresh staging folder beside ``out``; on success it replaces ``out``, on failure it vanishes.

    An earlier dataset at ``out`` is moved aside first and restored if the final move fails.
    OSErrors become DatasetErrors that name the folder.
    """
    out = Path(out).resolve()
    check_target(out, overwrite)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as err:
        raise DatasetError(f"cannot create a dataset beside {out}: {err.strerror or err}") from None
    old = out.with_name(f".{out.name}.old-{stage.name.rsplit('-', 1)[-1]}")
    try:
        yield stage
        if out.exists():
            out.rename(old)
        try:
            stage.rename(out)
        except BaseException:
            if old.exists():
                old.rename(out)
            raise
    except BaseException as err:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(err, OSError):
            raise DatasetError(f"cannot write the dataset {out}: {err.strerror or err}") from None
        raise
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


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it, so a failure leaves no partial file."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent if str(path.parent) else ".")
    except OSError as err:
        raise DatasetError(f"cannot write '{path}': {err.strerror or err}") from None
    try:
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)
        Path(tmp).replace(path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise DatasetError(f"cannot write '{path}': {err.strerror or err}") from None
