"""Writing on the board: where a post goes by workgroup type, edit and delete rights,
replies and their counters, stars, categories and filters, sorting and pagination."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.moderation import services as moderation
from app.items.models import Part, Item, ItemState, Comment, Star
from app.themes.models import MembershipStatus, Role, WorkgroupType
from app.timeutil import utcnow
from tests.factories import (CategoryFactory, FilterGroupFactory, FilterValueFactory,
                             MembershipFactory, OrganisationFactory, ItemFactory, CommentFactory,
                             StarFactory, ThemeFactory, UserFactory, member)
from tests.helpers import Client, page_text


def titles_in_order(resp) -> list[str]:
    html = resp.get_data(as_text=True)
    block = re.search(r'<ol class="post-list">(.*?)</ol>', html, flags=re.S)
    return re.findall(r'<h3><a href="/posts/\d+">([^<]+)</a></h3>', block.group(1)) if block else []


def write(client, theme, **fields):
    data = {"title": "Een vraag", "body": "Wie weet **meer**?", **fields}
    return client.post(f"/t/{theme.slug}/posts/new", data)


def latest_post():
    return db.session.scalar(select(Item).order_by(Item.id.desc()))


def test_half_open_post_waits_for_approval_and_then_is_public(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author, admin = member(theme), member(theme, role=Role.ADMIN)
    client.login(author.email)
    resp = write(client, theme, title="Wachtende post")
    assert resp.status_code == 302
    post = latest_post()
    assert post.state == ItemState.PENDING and post.part == Part.PUBLIC
    assert post.body_html == "<p>Wie weet <strong>meer</strong>?</p>\n"
    page = page_text(client.get(f"/posts/{post.id}"))
    assert "waits for approval" in page and "Waiting for approval" in page
    visitor = Client(app)
    assert visitor.get(f"/posts/{post.id}").status_code == 404
    assert "Wachtende post" not in page_text(visitor.get(f"/t/{theme.slug}"))

    moderation.approve_post(admin, post.id)
    db.session.commit()
    assert visitor.get(f"/posts/{post.id}").status_code == 200
    assert "Wachtende post" in page_text(visitor.get(f"/t/{theme.slug}"))


def test_admins_own_posts_in_public_part_need_no_approval(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    client.login(member(theme, role=Role.ADMIN).email)
    write(client, theme)
    assert latest_post().state == ItemState.PUBLISHED


def test_closed_theme_post_is_visible_to_members_at_once(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    write(client, theme)
    post = latest_post()
    assert post.state == ItemState.PUBLISHED and post.part == Part.CLOSED


def test_mixed_theme_author_picks_the_part(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    client.login(member(theme).email)
    write(client, theme, part="closed")
    assert (latest_post().part, latest_post().state) == (Part.CLOSED, ItemState.PUBLISHED)
    write(client, theme, part="public")
    assert (latest_post().part, latest_post().state) == (Part.PUBLIC, ItemState.PENDING)
    resp = write(client, theme, title="Zonder keuze")
    assert resp.status_code == 422 and "public or the closed part" in page_text(resp)


def test_mixed_theme_pending_member_may_only_post_publicly(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    user = UserFactory()
    MembershipFactory(user=user, theme=theme, status=MembershipStatus.PENDING)
    client.login(user.email)
    resp = write(client, theme, part="closed", title="Mag niet")
    assert resp.status_code == 422 and "Only accepted members" in page_text(resp)
    assert write(client, theme, part="public").status_code == 302


def test_outsiders_cannot_post(client):
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    half_open = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    assert client.get(f"/t/{half_open.slug}/posts/new").status_code == 302  # log in first
    client.login(UserFactory().email)
    resp = write(client, half_open)
    assert resp.status_code == 302 and resp.headers["Location"] == f"/t/{half_open.slug}"
    pending = UserFactory()
    MembershipFactory(user=pending, theme=closed, status=MembershipStatus.PENDING)
    other = Client(client.app)
    other.login(pending.email)
    assert write(other, closed).status_code == 403
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_bad_post_input_is_named_and_kept(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    client.login(member(theme).email)
    resp = write(client, theme, title="", body="Mijn lange tekst blijft bewaard")
    assert resp.status_code == 422
    assert "This field is required." in page_text(resp)
    assert "Mijn lange tekst blijft bewaard" in resp.get_data(as_text=True)
    resp = write(client, theme, title="x" * 201)
    assert resp.status_code == 422 and "200 characters" in page_text(resp)
    other_cat = CategoryFactory()  # of another theme
    resp = write(client, theme, category=str(other_cat.id))
    assert resp.status_code == 422 and "this theme's categories" in page_text(resp)
    resp = write(client, theme, filters="abc")
    assert resp.status_code == 422
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_posting_in_the_name_of_an_organisation_only_ones_own(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    mine, theirs = OrganisationFactory(theme=theme, name="Eigen"), OrganisationFactory(theme=theme)
    user = UserFactory()
    MembershipFactory(user=user, theme=theme, organisation=mine)
    client.login(user.email)
    resp = write(client, theme, organisation=str(theirs.id))
    assert resp.status_code == 422 and "your own organisation" in page_text(resp)
    write(client, theme, organisation=str(mine.id))
    post = latest_post()
    assert post.organisation_id == mine.id
    assert "Eigen" in page_text(client.get(f"/posts/{post.id}"))


def test_restricted_audience_must_be_members(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author, colleague, stranger = member(theme), member(theme, username="Collega Cor"), UserFactory()
    client.login(author.email)
    resp = write(client, theme, audience=str(stranger.id))
    page = page_text(resp)
    assert resp.status_code == 422 and "Choose participants from this theme's member list" in page
    assert "Collega Cor" in page  # the form comes back with the whole list to choose from
    write(client, theme, audience=str(colleague.id))
    post = latest_post()
    assert post.restricted and [u.id for u in post.readers] == [colleague.id]


def test_authors_edit_and_delete_their_own_posts_others_cannot(client, other_client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author, other, admin = member(theme), member(theme), member(theme, role=Role.ADMIN)
    post = ItemFactory(theme=theme, author=author, part=Part.CLOSED, title="Oud")
    other_client.login(other.email)
    assert other_client.get(f"/posts/{post.id}/edit").status_code == 403
    assert other_client.post(f"/posts/{post.id}/delete").status_code == 403
    assert other_client.post(f"/posts/{post.id}/edit", {"title": "Gekaapt", "body": "x"}).status_code == 403
    client.login(author.email)
    resp = client.post(f"/posts/{post.id}/edit", {"title": "Nieuw", "body": "Aangepast"})
    assert resp.status_code == 302
    db.session.refresh(post)
    assert post.title == "Nieuw" and post.state == ItemState.PUBLISHED
    admin_client = Client(client.app)
    admin_client.login(admin.email)
    admin_client.post(f"/posts/{post.id}/edit", {"title": "Door beheerder", "body": "Aangepast"})
    db.session.refresh(post)
    assert post.title == "Door beheerder"
    client.post(f"/posts/{post.id}/delete")
    db.session.refresh(post)
    assert post.state == ItemState.DELETED
    assert client.get(f"/posts/{post.id}").status_code == 404
    assert admin_client.get(f"/posts/{post.id}").status_code == 404


def test_an_authors_change_to_a_public_post_is_checked_again(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author = member(theme)
    post = ItemFactory(theme=theme, author=author)
    client.login(author.email)
    client.post(f"/posts/{post.id}/edit", {"title": "Andere titel", "body": "Andere tekst"})
    db.session.refresh(post)
    assert post.state == ItemState.PENDING


def test_rejected_post_shows_reason_and_edit_resubmits(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    author, admin = member(theme), member(theme, role=Role.ADMIN)
    post = ItemFactory(theme=theme, author=author, state=ItemState.PENDING)
    moderation.reject_post(admin, post.id, None, "Geen advertenties, graag.")
    db.session.commit()
    client.login(author.email)
    text = page_text(client.get(f"/posts/{post.id}"))
    assert "did not approve" in text and "Geen advertenties, graag." in text
    assert "Geen advertenties, graag." in page_text(client.get(f"/posts/{post.id}/edit"))
    client.post(f"/posts/{post.id}/edit", {"title": "Verbeterd", "body": "Zonder advertentie"})
    db.session.refresh(post)
    assert post.state == ItemState.PENDING


def test_the_first_moderation_decision_wins():
    theme = ThemeFactory()
    admin = member(theme, role=Role.ADMIN, username="Eerste Beheerder")
    post = ItemFactory(theme=theme, state=ItemState.PENDING)
    moderation.approve_post(admin, post.id)
    db.session.commit()
    try:
        moderation.reject_post(admin, post.id, None, "te laat")
        db.session.commit()
        raise AssertionError("second decision accepted")
    except moderation.AlreadyDecided as exc:
        assert "Eerste Beheerder" in exc.message
    db.session.refresh(post)
    assert post.state == ItemState.PUBLISHED and post.moderation_note is None


def test_replies_follow_the_pending_rule_and_keep_counters(client):
    half_open = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    closed = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    user, admin = member(half_open), member(half_open, role=Role.ADMIN)
    MembershipFactory(user=user, theme=closed)
    public_post = ItemFactory(theme=half_open)
    closed_post = ItemFactory(theme=closed, part=Part.CLOSED)
    client.login(user.email)
    client.post(f"/items/{closed_post.id}/comments", {"body": "Meteen zichtbaar"})
    client.post(f"/items/{public_post.id}/comments", {"body": "Even wachten"})
    db.session.refresh(closed_post)
    db.session.refresh(public_post)
    assert closed_post.comment_count == 1 and closed_post.last_comment_at is not None
    assert public_post.comment_count == 0
    pending = db.session.scalar(select(Comment).where(Comment.item_id == public_post.id))
    assert pending.state == ItemState.PENDING
    moderation.approve_reply(admin, pending.id)
    db.session.commit()
    db.session.refresh(public_post)
    assert public_post.comment_count == 1 and public_post.last_activity_at == pending.published_at
    client.post(f"/replies/{pending.id}/delete")
    db.session.refresh(public_post)
    assert public_post.comment_count == 0
    resp = client.post(f"/items/{closed_post.id}/comments", {"body": "   "})
    assert resp.status_code == 422 and "This field is required." in page_text(resp)


def test_visitor_and_outsider_cannot_reply(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    post = ItemFactory(theme=theme)
    assert "Log in to reply." in page_text(client.get(f"/posts/{post.id}"))
    client.login(UserFactory().email)
    resp = client.post(f"/items/{post.id}/comments", {"body": "Hallo"})
    assert resp.status_code == 403 and "You cannot reply to this post." in page_text(resp)
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_stars_toggle_once_per_person_without_and_with_javascript(client, other_client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    post = ItemFactory(theme=theme, part=Part.CLOSED)
    a, b = member(theme), member(theme)
    client.login(a.email)
    other_client.login(b.email)
    resp = client.post(f"/posts/{post.id}/star")  # plain form post
    assert resp.status_code == 302
    resp = other_client.post(f"/posts/{post.id}/star", headers={"Accept": "application/json"})
    assert resp.get_json() == {"starred": True, "count": 2, "label": "Remove star"}
    resp = other_client.post(f"/posts/{post.id}/star", headers={"Accept": "application/json"})
    assert resp.get_json()["starred"] is False and resp.get_json()["count"] == 1
    db.session.refresh(post)
    assert post.star_count == 1
    assert db.session.scalar(select(func.count()).select_from(Star)) == 1
    assert 'aria-pressed="true"' in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_cannot_star_what_one_cannot_see(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    post = ItemFactory(theme=theme, part=Part.CLOSED)
    client.login(UserFactory().email)
    assert client.post(f"/posts/{post.id}/star").status_code == 404
    db.session.refresh(post)
    assert post.star_count == 0


def test_sorting_orders_the_board(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    now = utcnow()
    old = ItemFactory(theme=theme, title="Oud maar geliefd", created_at=now - timedelta(days=9))
    talked = ItemFactory(theme=theme, title="Veel reacties", created_at=now - timedelta(days=5))
    ItemFactory(theme=theme, title="Nieuwste", created_at=now - timedelta(days=1))
    for _ in range(3):
        StarFactory(user_id=UserFactory().id, item_id=old.id)
    old.star_count = 3
    for i in range(2):
        CommentFactory(item=talked)
    talked.comment_count = 2
    talked.last_activity_at = now - timedelta(days=4)
    old.last_activity_at = now - timedelta(hours=1)  # someone just replied to the old one
    db.session.commit()
    assert titles_in_order(client.get(f"/t/{theme.slug}")) == ["Nieuwste", "Veel reacties",
                                                               "Oud maar geliefd"]
    assert titles_in_order(client.get(f"/t/{theme.slug}?sort=stars"))[0] == "Oud maar geliefd"
    assert titles_in_order(client.get(f"/t/{theme.slug}?sort=replies"))[0] == "Veel reacties"
    assert titles_in_order(client.get(f"/t/{theme.slug}?sort=activity")) == [
        "Oud maar geliefd", "Nieuwste", "Veel reacties"]
    assert client.get(f"/t/{theme.slug}?sort=bogus").status_code == 200


def test_filters_combine_and_the_url_is_shareable(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    question = CategoryFactory(theme_id=theme.id, name="Vraag")
    idea = CategoryFactory(theme_id=theme.id, name="Idee")
    region = FilterGroupFactory(theme_id=theme.id, name="Regio")
    north, south = FilterValueFactory(group=region, name="Noord"), FilterValueFactory(group=region, name="Zuid")
    topic = FilterGroupFactory(theme_id=theme.id, name="Onderwerp")
    care = FilterValueFactory(group=topic, name="Zorg")

    def post(title, category, values):
        p = ItemFactory(theme=theme, title=title, category_id=category.id)
        p.filter_values = values
        db.session.commit()

    post("A", question, [north, care])
    post("B", question, [south])
    post("C", idea, [north])
    post("D", idea, [south, care])
    base = f"/t/{theme.slug}"
    assert set(titles_in_order(client.get(f"{base}?category={question.id}"))) == {"A", "B"}
    # OR within a group, AND across groups, combined with the category.
    assert set(titles_in_order(client.get(f"{base}?f={north.id}&f={south.id}"))) == {"A", "B", "C", "D"}
    assert set(titles_in_order(client.get(f"{base}?f={north.id}&f={care.id}"))) == {"A"}
    resp = client.get(f"{base}?category={idea.id}&f={care.id}")
    assert titles_in_order(resp) == ["D"]
    text = page_text(resp)
    # Counts: categories under the value selection, values under the category selection.
    assert "Vraag (1)" in text and "Idee (1)" in text
    assert "Noord (1)" in text and "Zuid (1)" in text and "Zorg (1)" in text
    assert client.get(f"{base}?category=abc&f=x&page=-3").status_code == 200


def test_subthemes_offer_their_parents_categories_and_their_own(client):
    root = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    sub = ThemeFactory(workgroup_type=WorkgroupType.CLOSED, parent=root)
    CategoryFactory(theme_id=root.id, name="Van boven")
    CategoryFactory(theme_id=sub.id, name="Eigen")
    client.login(member(root).email)
    html = client.get(f"/t/{sub.slug}/posts/new").get_data(as_text=True)
    assert "Van boven" in html and "Eigen" in html
    assert "Eigen" not in client.get(f"/t/{root.slug}/posts/new").get_data(as_text=True)


def test_pagination(client, app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    now = utcnow()
    for i in range(45):
        ItemFactory(theme=theme, title=f"Post nummer {i:02d}", created_at=now - timedelta(minutes=i))
    first = client.get(f"/t/{theme.slug}")
    assert len(titles_in_order(first)) == 20 and "Page 1 of 3" in page_text(first)
    third = client.get(f"/t/{theme.slug}?page=3")
    assert titles_in_order(third) == [f"Post nummer {i:02d}" for i in range(40, 45)]
    assert titles_in_order(client.get(f"/t/{theme.slug}?page=99")) == titles_in_order(third)


def test_admins_define_categories_and_filters(client, other_client):
    theme = ThemeFactory()
    admin, plain = member(theme, role=Role.ADMIN), member(theme)
    other_client.login(plain.email)
    assert other_client.get(f"/t/{theme.slug}/settings/filters").status_code == 403
    client.login(admin.email)
    client.post(f"/t/{theme.slug}/settings/filters", {"kind": "category", "name": "Vraag"})
    client.post(f"/t/{theme.slug}/settings/filters", {"kind": "group", "name": "Regio"})
    page = page_text(client.get(f"/t/{theme.slug}/settings/filters"))
    assert "Vraag" in page and "Regio" in page
    from app.filters.services import filter_groups_for
    group = filter_groups_for(theme)[0]
    client.post(f"/t/{theme.slug}/settings/filters", {"kind": "value", "group": group.id,
                                                      "name": "Noord"})
    resp = client.post(f"/t/{theme.slug}/settings/filters", {"kind": "category", "name": "vraag"})
    assert resp.status_code == 422 and "already exists" in page_text(resp)
    db.session.expire_all()
    assert [v.name for v in filter_groups_for(theme)[0].values] == ["Noord"]
    value_id = filter_groups_for(theme)[0].values[0].id
    client.post(f"/t/{theme.slug}/settings/filters/value/{value_id}/delete")
    db.session.expire_all()
    assert filter_groups_for(theme)[0].values == []
