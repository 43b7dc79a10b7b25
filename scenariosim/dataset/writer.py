"""DatasetWriter: lays out one frame's files in every format asked for, and the dataset-wide files.

Always written: the colour image, class and instance images, depth (float32 .npy and 16-bit millimetre
PNG) and our per-frame JSON with every label. Per format (spec.catalogue.DATASET_FORMATS):
``coco`` (instances with RLE masks, and panoptic), ``kitti`` (label_2, calib), ``yolo`` (detection and
segmentation labels, data.yaml), ``cityscapes`` (gtFine labelIds, instanceIds, color, labelTrainIds).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from scenariosim.dataset import cityscapes, depth, files, frame_json, kitti, panoptic, yolo
from scenariosim.dataset.coco import CocoBuilder
from scenariosim.dataset.manifest import camera_entry, manifest
from scenariosim.labels.objects import ObjectLabels
from scenariosim.sensors.frame import Frame
from scenariosim.spec.scenario import ScenarioSpec

#: the files every dataset has, per frame (manifest "layout")
CORE_LAYOUT = {"images": "images/{camera}/{frame:06d}.png",
               "semantic": "semantic/{camera}/{frame:06d}.png (uint8 class ids)",
               "instance": "instance/{camera}/{frame:06d}.png (uint16, 0 = none, else agent index + 1)",
               **depth.LAYOUT, **frame_json.LAYOUT}
#: format → its files (manifest "layout")
FORMAT_LAYOUT = {"coco": {"coco": "annotations/instances.json", **panoptic.LAYOUT},
                 "kitti": kitti.LAYOUT, "yolo": yolo.LAYOUT, "cityscapes": cityscapes.LAYOUT}
#: what validate checks per format we write (dataset.validate CHECKS; "agreement" compares the formats
#: with the frame JSON)
VALIDATED = {"coco": ("coco", "panoptic"), "kitti": ("kitti",), "yolo": ("yolo",), "cityscapes": ("cityscapes",)}


class DatasetWriter:
    """Writes into ``root`` (a staging folder from files.staged_folder) the formats in ``formats``."""

    def __init__(self, root: Path, spec: ScenarioSpec, formats: tuple[str, ...] = ("coco",),
                 parameters: dict | None = None, sweep_point: dict | None = None) -> None:
        self.root = root
        self.spec = spec
        self.parameters, self.sweep_point = dict(parameters or {}), sweep_point
        self.formats = tuple(formats)
        description = f"scenariosim scenario '{spec.name}' seed {spec.seed}"
        self.coco = CocoBuilder(description=description)
        self.panoptic = panoptic.PanopticBuilder(description)
        self.cameras: dict[str, dict] = {}
        self.frames: dict[str, int] = {}

    def add(self, camera_name: str, index: int, frame: Frame, labels: ObjectLabels) -> None:
        """Write frame number ``index`` of camera ``camera_name`` and record its labels."""
        if frame.instance.max(initial=0) > np.iinfo(np.uint16).max:
            raise ValueError("more than 65535 agents do not fit a 16-bit instance PNG")
        stem = f"{camera_name}/{index:06d}"
        image = f"images/{stem}.png"
        files.write_png(self.root / image, frame.rgb)
        files.write_png(self.root / "semantic" / f"{stem}.png", frame.class_id)
        files.write_png(self.root / "instance" / f"{stem}.png", frame.instance.astype(np.uint16))
        depth.write_depth(self.root, camera_name, index, frame.depth)
        image_id = self.coco.add(image, frame.instance, labels, camera=camera_name, frame=index,
                                 time_s=round(frame.time, 9),
                                 extrinsics={"R": frame.camera.R.tolist(), "t": frame.camera.t.tolist()})
        table = None
        if "coco" in self.formats:
            panoptic.write_panoptic(self.root, camera_name, index, frame.class_id, frame.instance, labels,
                                    image_id, image, self.panoptic)
        if "cityscapes" in self.formats:
            # lane markings become road (as in Cityscapes), our other classes ≥ 34 void: the official tools
            # know no others
            table = cityscapes.write_cityscapes(self.root, camera_name, index, frame.class_id, frame.instance,
                                                void_extra_ids=True)
        if "kitti" in self.formats:
            kitti.write_kitti_frame(self.root, camera_name, index, frame, labels)
        if "yolo" in self.formats:
            yolo.write_yolo_frame(self.root, camera_name, index, frame, labels)
        frame_json.write_frame_json(self.root, camera_name, index, labels, frame.camera, frame.time, table)
        self.frames[camera_name] = self.frames.get(camera_name, 0) + 1
        if camera_name not in self.cameras:
            rate = next(c.rate for c in self.spec.cameras if c.name == camera_name)
            self.cameras[camera_name] = camera_entry(frame.camera, rate)

    def close(self, renderer: str) -> None:
        """Write the dataset-wide files and, last, the manifest that marks the dataset complete."""
        doc = self.coco.document()
        if "coco" in self.formats:
            files.write_json(self.root / "annotations" / "instances.json", doc)
            panoptic.write_panoptic_json(self.root, self.panoptic)
        if "yolo" in self.formats:
            yolo.write_data_yaml(self.root, list(self.cameras))
        layout = dict(CORE_LAYOUT)
        for name in self.formats:
            layout.update(FORMAT_LAYOUT[name])
        checked = [c for name in self.formats for c in VALIDATED[name]]
        files.write_json(self.root / files.MANIFEST, manifest(
            self.spec, self.cameras, frames=len(doc["images"]), annotations=len(doc["annotations"]),
            renderer=renderer, layout=layout, formats=checked + ["depth", "frames", "agreement"], parameters=self.parameters,
            sweep_point=self.sweep_point, frames_per_camera=self.frames))
