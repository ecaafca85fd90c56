"""Foundation shared by every layer: the error tree, paths and privacy switches.

Nothing here imports a heavy library or Qt; `ui > assist > indexer > models > common`.
"""
