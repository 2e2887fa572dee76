"""A board page's list of posts is rendered once for everyone with the same standing in the
theme (app/posts/listing.py): each viewer must still get exactly the list the board would
render for them alone, with their own stars, their own form token and the names they may see."""
from __future__ import annotations

import re

from app.extensions import db
from app.items.models import Part, ReadAccess
from app.people.models import Profile, Visibility
from app.themes.models import WorkgroupType
from tests.factories import ItemFactory, StarFactory, ThemeFactory, member
from tests.helpers import Client, page_text


def logged_in(app, user) -> Client:
    client = Client(app)
    client.login(user.email)
    return client


def kept_lists(app) -> int:
    return len(app.extensions["shared_post_lists"].entries)


def star_pressed(html: str, post_id: int) -> str:
    """aria-pressed of the star button of this post on a board page."""
    form = re.search(rf'action="/posts/{post_id}/star".*?</form>', html, re.DOTALL).group(0)
    return re.search(r'aria-pressed="(\w+)"', form).group(1)


def star_token(html: str, post_id: int) -> str:
    form = re.search(rf'action="/posts/{post_id}/star".*?</form>', html, re.DOTALL).group(0)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)


def test_members_share_one_list_each_with_their_own_stars_and_form_token(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    anne, bert = member(theme), member(theme)
    first = ItemFactory(theme=theme, title="Eerste overleg", part=Part.CLOSED)
    second = ItemFactory(theme=theme, title="Tweede overleg", part=Part.CLOSED)
    StarFactory(user_id=anne.id, item_id=first.id)
    db.session.commit()
    app.extensions["shared_post_lists"].clear()

    anne_client, bert_client = logged_in(app, anne), logged_in(app, bert)
    anne_page = anne_client.get(f"/t/{theme.slug}").get_data(as_text=True)
    bert_page = bert_client.get(f"/t/{theme.slug}").get_data(as_text=True)
    assert kept_lists(app) == 1  # one rendering, both members
    assert (star_pressed(anne_page, first.id), star_pressed(anne_page, second.id)) == (
        "true", "false")
    assert (star_pressed(bert_page, first.id), star_pressed(bert_page, second.id)) == (
        "false", "false")
    assert "<!--" not in bert_page.split('class="post-list"')[1].split("</ol>")[0]
    # Each page carries its own reader's token, and it is the one their star form needs.
    bert_token = star_token(bert_page, second.id)
    assert bert_token != star_token(anne_page, second.id)
    resp = bert_client.post(f"/posts/{second.id}/star", {"star": "1", "csrf_token": bert_token},
                            csrf=False)
    assert resp.status_code in (302, 303)
    bert_page = bert_client.get(f"/t/{theme.slug}").get_data(as_text=True)
    assert star_pressed(bert_page, second.id) == "true"
    anne_page = anne_client.get(f"/t/{theme.slug}").get_data(as_text=True)
    assert (star_pressed(anne_page, first.id), star_pressed(anne_page, second.id)) == (
        "true", "false")
    assert '<span class="star-count">1</span>' in anne_page.split(f"/posts/{second.id}/star")[1]


def test_a_post_for_chosen_readers_is_listed_for_them_only(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    reader, other, third = member(theme), member(theme), member(theme)
    ItemFactory(theme=theme, title="Voor iedereen", part=Part.CLOSED)
    ItemFactory(theme=theme, title="Alleen voor de lezer", part=Part.CLOSED, readers=[reader])
    app.extensions["shared_post_lists"].clear()

    assert "Alleen voor de lezer" not in page_text(logged_in(app, other).get(f"/t/{theme.slug}"))
    reader_text = page_text(logged_in(app, reader).get(f"/t/{theme.slug}"))
    assert "Alleen voor de lezer" in reader_text and "Voor iedereen" in reader_text
    third_text = page_text(logged_in(app, third).get(f"/t/{theme.slug}"))
    assert "Alleen voor de lezer" not in third_text and "Voor iedereen" in third_text
    assert "1 post" in third_text and "2 posts" in reader_text


def test_members_only_posts_never_reach_a_visitor_or_a_non_member(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    insider, outsider = member(theme), member(ThemeFactory())
    ItemFactory(theme=theme, title="Openbaar bericht")
    ItemFactory(theme=theme, title="Besloten bericht", part=Part.CLOSED,
                read_access=ReadAccess.MEMBERS)
    app.extensions["shared_post_lists"].clear()

    assert "Besloten bericht" in page_text(logged_in(app, insider).get(f"/t/{theme.slug}"))
    for client in (Client(app), logged_in(app, outsider)):
        text = page_text(client.get(f"/t/{theme.slug}"))
        assert "Openbaar bericht" in text and "Besloten bericht" not in text


def test_bylines_show_each_reader_the_names_they_may_see(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author, reader = member(theme, username="auteur7"), member(theme)
    db.session.add(Profile(user_id=author.id, name="Geheime Naam",
                           name_visibility=Visibility.PRIVATE))
    ItemFactory(theme=theme, author=author, title="Bericht met naam", part=Part.CLOSED)
    app.extensions["shared_post_lists"].clear()

    for client, shown, hidden in ((logged_in(app, reader), "auteur7", "Geheime Naam"),
                                  (logged_in(app, author), "Geheime Naam", None),
                                  (logged_in(app, reader), "auteur7", "Geheime Naam")):
        text = page_text(client.get(f"/t/{theme.slug}"))
        assert "Bericht met naam" in text and shown in text
        if hidden:
            assert hidden not in text


def test_a_new_post_and_the_readers_language_show_at_once(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    anne, bert = member(theme), member(theme, locale="nl")
    ItemFactory(theme=theme, title="Oud bericht", part=Part.CLOSED)
    app.extensions["shared_post_lists"].clear()

    assert "0 replies" in page_text(logged_in(app, anne).get(f"/t/{theme.slug}"))
    assert "0 reacties" in page_text(logged_in(app, bert).get(f"/t/{theme.slug}"))
    ItemFactory(theme=theme, title="Nieuw bericht", part=Part.CLOSED)
    text = page_text(logged_in(app, bert).get(f"/t/{theme.slug}"))
    assert "Nieuw bericht" in text and "Oud bericht" in text


def test_a_shared_list_is_read_as_the_standings_not_as_one_viewers(app):
    """Someone chosen to read a post between the board's counts and its list (a write that
    commits in between) still gets only what their standing shares: the post that is theirs
    alone never goes into a list kept for everyone."""
    from app.items.models import item_reader
    from app.posts.services import BoardQuery, board

    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    reader = member(theme)
    ItemFactory(theme=theme, title="Voor iedereen", part=Part.CLOSED)
    secret = ItemFactory(theme=theme, title="Later gekozen", part=Part.CLOSED,
                         read_access=ReadAccess.CHOSEN)
    with app.test_request_context():
        page = board(theme, BoardQuery(), user=reader)
        assert page.shared_by is not None
        db.session.execute(item_reader.insert().values(item_id=secret.id, user_id=reader.id))
        db.session.commit()
        assert [p.title for p in page.posts] == ["Voor iedereen"]
        assert "Later gekozen" in [p.title for p in board(theme, BoardQuery(), user=reader).posts]


def test_a_search_that_cannot_run_finds_nothing(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    ItemFactory(theme=theme, title="Over het klimaatplan")
    text = page_text(Client(app).get(f"/t/{theme.slug}?q=-klimaatplan"))
    assert "words with a minus sign are only left out" in text
    assert "0 results" in text and "Nothing found" in text
    assert "Over het klimaatplan" not in text
