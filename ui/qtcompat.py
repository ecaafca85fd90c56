"""Workarounds for bugs in the Qt binding we ship, each checked for at import so a fixed PySide6
turns them off by itself.

`binding_problem()`: PySide6 6.12.0's abi3 wheels, on Python 3.11, return `None` from every void
Qt method (and `True` from `emit`) without a reference, so every call lowers `None`'s reference
count; after enough calls the interpreter aborts ("Fatal Python error: none_dealloc"). Nothing in
our code can compensate for all of Qt, so pyproject pins `PySide6-Essentials<6.12` and the
sidebar shows a banner when it finds itself on such a build.

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


def binding_problem() -> str:
    """A sentence for the agent if this Qt binding has the reference-count bug, else ""."""
    probe = _Probe()
    before = sys.getrefcount(None)
    for _ in range(20):
        probe.setObjectName("probe")
    if sys.getrefcount(None) >= before - 10:
        return ""
    import PySide6

    return (
        f"This PySide6 build ({PySide6.__version__}) loses track of memory on Python "
        f"{sys.version_info.major}.{sys.version_info.minor} and will crash after a while. "
        "Install a fixed version: pip install 'PySide6-Essentials<6.12'."
    )


def emit(signal: Any, *args: Any) -> None:
    """`signal.emit(*args)`, minus the binding's reference-count bug (see the module docstring)."""
    signal.emit(*args)
    if EMIT_LEAKS_TRUE:
        _incref(True)
