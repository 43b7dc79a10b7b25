"""Road geometry, generators and the lane network."""
from scenariosim.roads.generators import build
from scenariosim.roads.network import Lane, Marking, MarkingStyle, RoadNetwork

__all__ = ["Lane", "Marking", "MarkingStyle", "RoadNetwork", "build"]
