"""DatasetWriter: lays out one frame's files and accumulates the dataset-wide COCO and manifest."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from scenariosim.dataset import files
from scenariosim.dataset.coco import CocoBuilder
from scenariosim.dataset.manifest import camera_entry, manifest
from scenariosim.labels.objects import ObjectLabels
from scenariosim.sensors.frame import Frame
from scenariosim.spec.scenario import ScenarioSpec


class DatasetWriter:
    """Writes into ``root`` (a staging folder from files.staged_folder)."""

    def __init__(self, root: Path, spec: ScenarioSpec) -> None:
        self.root = root
        self.spec = spec
        self.coco = CocoBuilder(description=f"scenariosim scenario '{spec.name}' seed {spec.seed}")
        self.cameras: dict[str, dict] = {}

    def add(self, camera_name: str, index: int, frame: Frame, labels: ObjectLabels) -> None:
        """Write frame number ``index`` of camera ``camera_name`` and record its labels."""
        if frame.instance.max(initial=0) > np.iinfo(np.uint16).max:
            raise ValueError("more than 65535 agents do not fit a 16-bit instance PNG")
        stem = f"{camera_name}/{index:06d}"
        files.write_png(self.root / "images" / f"{stem}.png", frame.rgb)
        files.write_png(self.root / "semantic" / f"{stem}.png", frame.class_id)
        files.write_png(self.root / "instance" / f"{stem}.png", frame.instance.astype(np.uint16))
        files.write_npy(self.root / "depth" / f"{stem}.npy", frame.depth)
        self.coco.add(f"images/{stem}.png", frame.instance, labels,
                      camera=camera_name, frame=index, time_s=round(frame.time, 9),
                      extrinsics={"R": frame.camera.R.tolist(), "t": frame.camera.t.tolist()})
        if camera_name not in self.cameras:
            rate = next(c.rate for c in self.spec.cameras if c.name == camera_name)
            self.cameras[camera_name] = camera_entry(frame.camera, rate)

    def close(self, renderer: str) -> None:
        """Write the COCO file and, last, the manifest that marks the dataset complete."""
        doc = self.coco.document()
        files.write_json(self.root / "annotations" / "instances.json", doc)
        files.write_json(self.root / files.MANIFEST, manifest(
            self.spec, self.cameras, frames=len(doc["images"]), annotations=len(doc["annotations"]),
            renderer=renderer))
