"""Dataset writers (COCO, masks, depth), manifest and safe staging."""
from scenariosim.dataset.files import staged_folder
from scenariosim.dataset.writer import DatasetWriter

__all__ = ["DatasetWriter", "staged_folder"]
