"""A crash at a chosen point, for the fault tests (never on the path of a real deployment).

A bot process started with this directory on PYTHONPATH and BOT_DIE_AT="module:Class.method"
kills itself with SIGKILL the first time that method is called, unless the file named by
BOT_DIE_MARKER exists (it is created just before): started again, the process runs normally.
"""

import importlib
import os
import signal

_SPEC = os.environ.get("BOT_DIE_AT", "")
_MARKER = os.environ.get("BOT_DIE_MARKER", "")

if _SPEC and _MARKER:
    _module_name, _, _qualified = _SPEC.partition(":")
    _owner_name, _, _method = _qualified.rpartition(".")
    _owner = getattr(importlib.import_module(_module_name), _owner_name)
    _original = getattr(_owner, _method)

    def _dying(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not os.path.exists(_MARKER):
            with open(_MARKER, "w") as marker:
                marker.write(_SPEC)
            os.kill(os.getpid(), signal.SIGKILL)
        return _original(*args, **kwargs)

    setattr(_owner, _method, _dying)
