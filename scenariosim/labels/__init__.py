"""Labels computed from a Frame's own id buffers, never estimated."""
from scenariosim.labels.boxes import Labels, visible_boxes

__all__ = ["Labels", "visible_boxes"]
