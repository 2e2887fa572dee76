"""How many published items of one kind a viewer sees in a theme, per category and per filter
value, read from the tallies (ItemTally, ItemValueTally) instead of counted row by row.

The tallies hold what everyone with the same standing sees alike (permissions.
shared_read_access); the few items a viewer sees beyond that (their own, those they were chosen
to read) are added from one small query that goes through visible_items_clause. Counts so stay
exact and private, and cost the same on a board of 100 posts or of a million.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, literal, select, union_all

from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import (Item, ItemState, ItemTally, ItemValueTally, ReadAccess,
                              item_filter_value)
from app.permissions import (Viewer, personal_items_clause, shared_read_access,
                             visible_items_clause)
from app.themes.models import Theme

NO_CATEGORY = 0  # the tallies' category of an item without one


@dataclass
class Counts:
    total: int  # items of the selection
    by_category: dict[int, int]  # category id -> items, with the selected value if any
    by_value: dict[int, int]  # filter value id -> items, in the selected category if any
    personal: int = 0  # items the viewer sees beyond their standing's (their own, chosen)
    everything: int = 0  # items the viewer sees in the theme, whatever is selected


def theme_counts(theme: Theme, kind: ItemKind, viewer: Viewer, category_id: int | None,
                 value_ids: list[int]) -> Counts | None:
    """The counts of the theme's published items of `kind` that the viewer may see: all of them,
    or those of one category and/or one filter value. None for a selection of several filter
    values (their combinations are not tallied; the caller counts those rows)."""
    if len(value_ids) > 1:
        return None
    shared = shared_read_access(viewer, theme)
    access = [a.value for a in shared]
    per_category: dict[int, int] = defaultdict(int)
    per_pair: dict[tuple[int, int], int] = defaultdict(int)
    rows = union_all(
        select(ItemTally.category_id, literal(0).label("value_id"), func.sum(ItemTally.n))
        .where(ItemTally.theme_id == theme.id, ItemTally.kind == kind.value,
               ItemTally.read_access.in_(access))
        .group_by(ItemTally.category_id),
        select(ItemValueTally.category_id, ItemValueTally.filter_value_id,
               func.sum(ItemValueTally.n))
        .where(ItemValueTally.theme_id == theme.id, ItemValueTally.kind == kind.value,
               ItemValueTally.read_access.in_(access))
        .group_by(ItemValueTally.category_id, ItemValueTally.filter_value_id))
    for category, value, n in db.session.execute(rows):
        if value:
            per_pair[category, value] += int(n)
        else:
            per_category[category] += int(n)
    personal = _personal_items(theme, kind, viewer, shared)
    for category, values in personal:
        per_category[category] += 1
        for value in values:
            per_pair[category, value] += 1

    value = value_ids[0] if value_ids else None
    by_category = dict(per_category) if value is None else {
        c: n for (c, v), n in per_pair.items() if v == value}
    by_value: dict[int, int] = defaultdict(int)
    for (c, v), n in per_pair.items():
        if category_id is None or c == category_id:
            by_value[v] += n
    total = by_category.get(category_id, 0) if category_id else sum(by_category.values())
    return Counts(total=total, by_category=by_category, by_value=dict(by_value),
                  personal=len(personal), everything=sum(per_category.values()))


def _personal_items(theme: Theme, kind: ItemKind, viewer: Viewer,
                    shared: frozenset) -> list[tuple[int, set[int]]]:
    """(category, filter values) of each published item the viewer sees in the theme beyond the
    shared read accesses: one query, through the policy."""
    candidates = personal_items_clause(viewer)
    if candidates is None or shared == frozenset(ReadAccess):
        return []
    items: dict[int, tuple[int, set[int]]] = {}
    for item_id, category, value in db.session.execute(
            select(Item.id, Item.category_id, item_filter_value.c.filter_value_id)
            .outerjoin(item_filter_value, item_filter_value.c.item_id == Item.id)
            .where(candidates, Item.theme_id == theme.id, Item.kind == kind,
                   Item.state == ItemState.PUBLISHED, Item.read_access.not_in(shared),
                   visible_items_clause(viewer, in_theme=theme))):
        entry = items.setdefault(item_id, (category or NO_CATEGORY, set()))
        if value is not None:
            entry[1].add(value)
    return list(items.values())
