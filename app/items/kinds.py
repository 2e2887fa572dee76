"""The registry of item kinds: one entry per kind of content that exists in the product.

An item's `kind` column holds one of these values. A new kind of content adds one member
here (and its entry in app.features.KINDS for its per-theme switch, tab and overview).
"""
from __future__ import annotations

import enum


class ItemKind(str, enum.Enum):
    DISCUSSION = "discussion"  # a post on a theme's board, with comments
