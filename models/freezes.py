"""Why an account is frozen. A freeze for fraud is lifted only under four eyes (the policy of
account.unfreeze): the member of staff who lifts it is not the only one who decided it was safe."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

MAX_FREEZE_NOTE_CHARS: Final = 500


class FreezeReason(StrEnum):
    FRAUD = "fraud"
    CUSTOMER_REQUEST = "customer_request"
    LEGAL_ORDER = "legal_order"
    OTHER = "other"


def unfreeze_needs_checker(reason: FreezeReason | None) -> bool:
    """Whether lifting a freeze for `reason` is a governed action (None: frozen before reasons
    were kept, or not by staff)."""
    return reason is FreezeReason.FRAUD
