"""Data files of the engine (draft frames), read with importlib.resources."""
