"""scenariosim: procedural driving scenarios rendered into labeled perception datasets."""
__version__ = "0.1.0"
