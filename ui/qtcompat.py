"""Workarounds for bugs in the Qt binding we ship, each checked for at import so a fixed PySide6
turns them off by itself.

`emit(signal, *args)`: PySide6 6.12.0's `SignalInstance.emit()` returns `True` without taking a
reference to it, so every emit from Python lowers `True`'s reference count by one. On Python 3.11
(where `True` is not immortal) a long session reaches zero and the interpreter aborts with
"Fatal Python error: bool_dealloc" at a random place (often inside an import on a worker thread).
The sidebar emits a signal per streamed token, so all of its Python-side emits go through
`emit()`, which gives the reference back. Signals emitted by Qt itself (timers, clicks) are not
affected.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    fired = Signal()


def _emit_drops_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    probe.fired.emit()
    return sys.getrefcount(True) < before


EMIT_LEAKS_TRUE = _emit_drops_a_reference()
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def emit(signal: Any, *args: Any) -> None:
    """`signal.emit(*args)`, minus the binding's reference-count bug (see the module docstring)."""
    signal.emit(*args)
    if EMIT_LEAKS_TRUE:
        _incref(True)
