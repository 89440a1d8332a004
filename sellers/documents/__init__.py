"""The upload pipeline: hostile bytes in, a sanitised file (or a plain refusal) out.

``inspect(data)`` runs every check in order and returns a ``CleanFile`` or raises
``Refused`` with a reason a seller can read. Checks share one small interface
(``FileCheck``) so an antivirus or KYB provider can be added with
``register_check`` without touching the workflow.
"""

from sellers.documents.pipeline import (
    MAX_BYTES,
    CleanFile,
    FileCheck,
    Refused,
    inspect,
    register_check,
    unregister_check,
)

__all__ = ["MAX_BYTES", "CleanFile", "FileCheck", "Refused", "inspect", "register_check", "unregister_check"]
