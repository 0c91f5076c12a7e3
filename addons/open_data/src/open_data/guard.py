"""The privacy guard: care data is never published, whatever the configuration says.

The ange_iot integration gives every entity of a care device the state attribute
``category: "care"`` (docs/DESIGN.md, "Care data is special-category personal data"). HA's
REST API does not show device registry data, so that attribute is the marker. The
``care_unit`` attribute is checked too, as a second line, should a care entity ever carry
its unit code without the marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CARE_CATEGORY = "care_category"
CARE_UNIT = "care_unit"
REASONS = (CARE_CATEGORY, CARE_UNIT)


def refusal_reason(attributes: Mapping[str, Any]) -> str | None:
    """Why an entity with these state attributes must not be published, or None."""
    if attributes.get("category") == "care":
        return CARE_CATEGORY
    if attributes.get("care_unit") not in (None, ""):
        return CARE_UNIT
    return None
