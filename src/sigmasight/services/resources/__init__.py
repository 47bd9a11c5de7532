"""Owner-scoped use cases behind the API's resource routes.

Every query on user data is filtered by the owner's id, so another user's id reads as
"not found", never as data. Bad input raises :class:`InvalidError` listing every problem, a
clash with stored data raises :class:`ConflictError`, and nothing is written unless the whole
request is valid. Positions obey the CSV import's rules however they arrive
(:mod:`.position_rules`). Market data (securities, prices) is public and has no owner.

Modules: :mod:`.portfolios`, :mod:`.positions`, :mod:`.tags` (tags and equity changes),
:mod:`.market` (securities, prices), :mod:`.batch_runs` (runs started by a user).
"""

from sigmasight.services.resources.common import (
    ConflictError,
    InvalidError,
    NotFoundError,
    ResourceError,
)

__all__ = ["ConflictError", "InvalidError", "NotFoundError", "ResourceError"]
