"""Import every staff command module so that their commands are registered."""

from handlers.party import faq, human  # noqa: F401
from handlers.staff import (  # noqa: F401
    cases,
    codes,
    datareq,
    desk,
    docs,
    joint,
    periods,
    reports,
    roster,
    surveys,
    views,
)
