"""The groups overview: all groups (searchable by name) and one's own, each with its type,
member count and the viewer's standing; paginated, at a cost that does not grow."""
from __future__ import annotations

import re

from app.themes.models import MembershipStatus, Role, WorkgroupType
from tests.factories import MembershipFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, counted_queries, page_text


def _rows(resp) -> dict[str, str]:
    """group name -> the text of its row."""
    html = resp.get_data(as_text=True)
    body = re.search(r"<tbody>(.*?)</tbody>", html, flags=re.S)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1) if body else "", flags=re.S):
        name = re.search(r'<a href="/t/[^"]+">([^<]+)</a>', row).group(1)
        rows[name] = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    return rows


def _login(app, user):
    c = Client(app)
    c.login(user.email)
    return c


def test_all_groups_with_type_member_count_and_standing(app):
    zorg = ThemeFactory(name="Zorgregio", workgroup_type=WorkgroupType.HALF_OPEN)
    raad = ThemeFactory(name="Raadswerk", workgroup_type=WorkgroupType.CLOSED)
    buurt = ThemeFactory(name="Buurtwerk", workgroup_type=WorkgroupType.MIXED)
    sub = ThemeFactory(name="Wijkteam", parent=buurt, workgroup_type=WorkgroupType.CLOSED)
    ThemeFactory(name="Archief", workgroup_type=WorkgroupType.CLOSED)
    me = member(zorg)
    MembershipFactory(user=me, theme=raad, status=MembershipStatus.PENDING)
    MembershipFactory(user=me, theme=buurt, role=Role.ADMIN)
    member(raad, role=Role.OWNER)
    member(raad)
    member(raad, status=MembershipStatus.PENDING)  # not counted
    member(zorg)
    rows = _rows(_login(app, me).get("/groups"))
    assert list(rows) == ["Archief", "Buurtwerk", "Raadswerk", "Wijkteam", "Zorgregio"]
    assert "Closed" in rows["Raadswerk"] and "Half-open" in rows["Zorgregio"]
    assert "Mixed" in rows["Buurtwerk"]
    assert " 2 request pending" in rows["Raadswerk"]
    assert rows["Zorgregio"].endswith(" 2 member")
    assert rows["Buurtwerk"].endswith(" 1 admin")
    assert rows["Wijkteam"].endswith(" 0 admin")  # an admin above is admin here too
    assert rows["Archief"].endswith(" 0 not a member")
    assert "Buurtwerk" in rows["Wijkteam"]  # where it sits
    owner_rows = _rows(_login(app, member(sub, role=Role.OWNER)).get("/groups"))
    assert owner_rows["Wijkteam"].endswith(" 1 owner")


def test_visitors_see_all_groups_but_not_mine(app):
    ThemeFactory(name="Zorgregio")
    client = Client(app)
    rows = _rows(client.get("/groups"))
    assert rows["Zorgregio"].endswith("not a member")
    assert client.get("/groups/mine").status_code == 302


def test_my_groups_are_those_joined_or_asked(app):
    zorg = ThemeFactory(name="Zorgregio")
    raad = ThemeFactory(name="Raadswerk", workgroup_type=WorkgroupType.CLOSED)
    gone = ThemeFactory(name="Afgewezen", workgroup_type=WorkgroupType.CLOSED)
    ThemeFactory(name="Andermans")
    me = member(zorg)
    MembershipFactory(user=me, theme=raad, status=MembershipStatus.PENDING)
    MembershipFactory(user=me, theme=gone, status=MembershipStatus.REJECTED)
    c = _login(app, me)
    assert list(_rows(c.get("/groups/mine"))) == ["Raadswerk", "Zorgregio"]
    assert "You have not joined a group yet." in page_text(_login(app, UserFactory()).get("/groups/mine"))


def test_search_by_name(app):
    ThemeFactory(name="Zorgregio Noord")
    ThemeFactory(name="Zorgregio Zuid")
    ThemeFactory(name="Klimaat 100%")
    c = Client(app)
    assert list(_rows(c.get("/groups?q=zorgregio"))) == ["Zorgregio Noord", "Zorgregio Zuid"]
    assert list(_rows(c.get("/groups?q=zuid"))) == ["Zorgregio Zuid"]
    assert list(_rows(c.get("/groups?q=100%25"))) == ["Klimaat 100%"]
    assert list(_rows(c.get("/groups?q=_"))) == []  # not a wildcard
    assert "No group has that in its name." in page_text(c.get("/groups?q=onbekend"))


def test_paginated_at_the_same_cost_whatever_the_number(app):
    parent = ThemeFactory(name="Aaa ouder")
    me = member(parent)
    c = _login(app, me)
    for i in range(3):
        member(ThemeFactory(name=f"Groep {i:02d}", parent=parent))
    with counted_queries() as few:
        c.get("/groups")
    for i in range(3, 45):
        t = ThemeFactory(name=f"Groep {i:02d}", parent=parent)
        member(t)
        member(t)
    with counted_queries() as many:
        resp = c.get("/groups")
    rows = _rows(resp)
    assert len(rows) == 20 and "Page 1 of 3" in page_text(resp)
    assert len(many) == len(few), "\n".join(s[:100] for s in many)
    page3 = _rows(c.get("/groups?page=3"))
    assert list(page3) == [f"Groep {i:02d}" for i in range(39, 45)]
    assert page3["Groep 44"].endswith(" 2 member")  # member through the parent
    assert c.get("/groups?page=x").status_code == 200


def test_a_half_open_membership_does_not_make_one_a_member_of_a_closed_subtheme(app):
    zorg = ThemeFactory(name="Zorgregio", workgroup_type=WorkgroupType.HALF_OPEN)
    ThemeFactory(name="Ouderenzorg", parent=zorg, workgroup_type=WorkgroupType.CLOSED)
    rows = _rows(_login(app, member(zorg)).get("/groups"))
    assert rows["Zorgregio"].endswith(" 1 member")
    assert rows["Ouderenzorg"].endswith(" 0 not a member")
