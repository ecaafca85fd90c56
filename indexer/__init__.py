"""Turns knowledge-base exports into a searchable local index.

Data flows one way: read (sources/) → chunk (chunker) → embed (models) → store (store).
"""
