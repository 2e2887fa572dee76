"""A board's totals and facet counts are read from tallies that database triggers keep in step
with every write to the items and their filter values.

Tested from the outside: after each kind of change (publishing, moderation, an edit of the
category and filters, a bulk update, a restricted audience, deletes, and the cascades of a
deleted category, filter value and theme) every viewer reads on the board exactly the counts of
what they may see, and the tallies equal a fresh recount of the items."""
from __future__ import annotations

import re

from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.filters.models import Category, FilterValue
from app.items.models import (Item, ItemState, ItemTally, ItemValueTally, Part, ReadAccess,
                              item_filter_value)
from app.themes.models import Role, Theme, WorkgroupType
from tests.factories import (CategoryFactory, FilterGroupFactory, FilterValueFactory, ItemFactory,
                             ThemeFactory, UserFactory, member)
from tests.helpers import Client, page_text

VIEWERS = ["visitor", "non-member", "member", "insider", "author", "admin"]


def recount() -> tuple[dict, dict]:
    """What the tallies must hold, counted from the items themselves."""
    key = (Item.theme_id, Item.kind, Item.read_access, func.coalesce(Item.category_id, 0))
    items = {tuple(str(getattr(k, "value", k)) for k in row[:4]): row[4] for row in db.session.execute(
        select(*key, func.count()).where(Item.state == ItemState.PUBLISHED).group_by(*key))}
    values = {tuple(str(getattr(k, "value", k)) for k in row[:5]): row[5] for row in db.session.execute(
        select(*key, item_filter_value.c.filter_value_id, func.count())
        .join(item_filter_value, item_filter_value.c.item_id == Item.id)
        .where(Item.state == ItemState.PUBLISHED)
        .group_by(*key, item_filter_value.c.filter_value_id))}
    return items, values


def tallies() -> tuple[dict, dict]:
    items = {(str(t.theme_id), t.kind, t.read_access, str(t.category_id)): t.n
             for t in db.session.scalars(select(ItemTally)) if t.n}
    values = {(str(t.theme_id), t.kind, t.read_access, str(t.category_id), str(t.filter_value_id)): t.n
              for t in db.session.scalars(select(ItemValueTally)) if t.n}
    return items, values


def sees(viewer, item: Item, people) -> bool:
    """The rule, written independently of the code under test (published items only)."""
    if item.state != ItemState.PUBLISHED:
        return False
    if viewer in ("admin", "author"):
        return True
    if item.read_access == ReadAccess.CHOSEN:
        return viewer == "insider"
    return item.read_access == ReadAccess.PUBLIC or viewer in ("member", "insider")


def board_numbers(client, theme, query="") -> tuple[int, dict[str, int]]:
    """The total and the (name: count) facets a viewer reads on the board."""
    text = page_text(client.get(f"/t/{theme.slug}{query}"))
    total = re.search(r"(\d+) posts?\b", text)
    facets = {name: int(n) for name, n in re.findall(r"(Vraag|Idee|Noord|Zuid) \((\d+)\)", text)}
    return (int(total.group(1)) if total else 0), facets


def check(app, theme, people, clients, groups):
    """Every viewer's board (all, one category, one value, two values) against the rule
    (values of one filter group: either; a category and a value: both)."""
    db.session.expire_all()
    assert tallies() == recount()
    items = db.session.scalars(select(Item).where(Item.theme_id == theme.id)).all()
    for viewer in VIEWERS:
        visible = [i for i in items if sees(viewer, i, people)]
        cats = {c.id: c.name for c in db.session.scalars(select(Category))}
        vals = {v.id: v.name for v in db.session.scalars(select(FilterValue))}

        def named(item):
            return ({cats[item.category_id]} if item.category_id in cats else set()) | {
                vals[v.id] for v in item.filter_values}

        total, facets = board_numbers(clients[viewer], theme)
        assert total == len(visible), viewer
        for name in ("Vraag", "Idee", "Noord", "Zuid"):
            if name in facets:
                assert facets[name] == sum(name in named(i) for i in visible), (viewer, name)
        for name, query in groups.items():
            picked = [i for i in visible if all(any(n in named(i) for n in either.split("|"))
                                                for either in name.split("+"))]
            assert board_numbers(clients[viewer], theme, query)[0] == len(picked), (viewer, name)


def test_board_counts_follow_every_change_for_every_viewer(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    vraag = CategoryFactory(theme_id=theme.id, name="Vraag")
    idee = CategoryFactory(theme_id=theme.id, name="Idee")
    regio = FilterGroupFactory(theme_id=theme.id, name="Regio")
    noord = FilterValueFactory(group=regio, name="Noord")
    zuid = FilterValueFactory(group=regio, name="Zuid")
    people = {"non-member": UserFactory(), "member": member(theme), "insider": member(theme),
              "author": member(theme), "admin": member(theme, role=Role.ADMIN)}
    clients = {"visitor": Client(app)}
    for name, person in people.items():
        clients[name] = Client(app)
        clients[name].login(person.email)
    groups = {"Vraag": f"?category={vraag.id}", "Noord": f"?f={noord.id}",
              "Vraag+Noord": f"?category={vraag.id}&f={noord.id}",
              "Noord|Zuid": f"?f={noord.id}&f={zuid.id}"}  # one group: either

    def post(part=Part.PUBLIC, state=ItemState.PUBLISHED, category=vraag, values=(), readers=None):
        item = ItemFactory(theme=theme, author=people["author"], part=part, state=state,
                           category_id=category.id if category else None, readers=readers)
        item.filter_values = list(values)
        db.session.commit()
        return item

    open_one = post(values=[noord])
    closed_one = post(part=Part.CLOSED, category=idee, values=[noord, zuid])
    post(part=Part.CLOSED, category=None, values=[zuid])
    waiting = post(state=ItemState.PENDING, values=[noord])
    restricted = post(part=Part.CLOSED, values=[noord], readers=[people["insider"]])
    check(app, theme, people, clients, groups)

    waiting.state = ItemState.PUBLISHED  # approved
    db.session.commit()
    check(app, theme, people, clients, groups)

    open_one.category_id, open_one.filter_values = idee.id, [zuid]  # edited
    db.session.commit()
    check(app, theme, people, clients, groups)

    db.session.execute(update(Item).where(Item.id == closed_one.id)
                       .values(state=ItemState.HIDDEN))  # a bulk update
    db.session.commit()
    check(app, theme, people, clients, groups)

    restricted.readers = []  # the audience opened to the members
    restricted.read_access = ReadAccess.MEMBERS
    db.session.commit()
    check(app, theme, people, clients, groups)

    db.session.delete(waiting)
    db.session.commit()
    check(app, theme, people, clients, groups)

    db.session.execute(delete(FilterValue).where(FilterValue.id == zuid.id))  # cascades
    db.session.execute(delete(Category).where(Category.id == idee.id))  # sets category NULL
    db.session.commit()
    groups.pop("Noord|Zuid")
    check(app, theme, people, clients, groups)

    other = ThemeFactory()
    ItemFactory(theme=other)
    assert tallies() == recount()
    db.session.execute(delete(Theme).where(Theme.id == other.id))  # its items cascade
    db.session.commit()
    assert tallies() == recount()


def test_the_board_reads_its_counts_without_counting_its_posts(app):
    """Whatever the number of posts, the board's counts cost the same few small queries (no
    COUNT over the items)."""
    from tests.helpers import counted_queries

    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    vraag = CategoryFactory(theme_id=theme.id, name="Vraag")
    reader = member(theme)
    client = Client(app)
    client.login(reader.email)
    for _ in range(30):
        ItemFactory(theme=theme, part=Part.CLOSED, category_id=vraag.id)
    with counted_queries() as statements:
        text = page_text(client.get(f"/t/{theme.slug}"))
    assert "30 posts" in text and "Vraag (30)" in text
    assert not [s for s in statements if "count(" in s.lower()], statements
