"""Per-theme feature switches: the theme's owner turns kinds of content on and off; a kind
that is off answers 404 everywhere and keeps its content; subthemes inherit and may narrow.
And the theme's overview page: recent activity of every kind that is on, through the policy."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.features import KINDS
from app.features.models import ThemeFeature
from app.items.models import Part, Item, ItemState, Comment, Star
from app.themes.models import Role, WorkgroupType
from tests.factories import ItemFactory, CommentFactory, ThemeFactory, UserFactory, member
from tests.helpers import counted_queries, stored_attachment, Client, listed_titles, page_text


def _switch(client, slug, on: bool, expect=302):
    # the other kinds stay on: only discussions are switched
    data = {k.key: "y" for k in KINDS if k.key != "discussions"}
    if on:
        data["discussions"] = "y"
    resp = client.post(f"/t/{slug}/features", data)
    assert resp.status_code == expect, page_text(resp)[:600]
    return resp


def _tabs(resp) -> list[str]:
    html = resp.get_data(as_text=True)
    nav = re.search(r'<nav class="theme-tabs"[^>]*>(.*?)</nav>', html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", a).strip() for a in re.findall(r"<a [^>]*>.*?</a>", nav.group(1))]


def test_switching_discussions_off_hides_every_page_and_keeps_the_content(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    owner = member(theme, role=Role.OWNER)
    writer = member(theme)
    post = ItemFactory(theme=theme, title="Kerstborrel regelen", body="kerstborrel in december")
    reply = CommentFactory(item=post, author=writer, body="Ik neem oliebollen mee")
    att_id = stored_attachment(post)
    owner_client, writer_client, visitor = Client(app), Client(app), Client(app)
    owner_client.login(owner.email)
    writer_client.login(writer.email)

    page = owner_client.get(f"/t/{theme.slug}/features")
    assert page.status_code == 200
    assert re.search(r'<input[^>]*checked[^>]*name="discussions"|<input[^>]*name="discussions"'
                     r'[^>]*checked', page.get_data(as_text=True))
    assert _tabs(visitor.get(f"/t/{theme.slug}")) == [
        "Overview", "Discussions", "Agenda", "Files", "Questions", "Blog", "Status updates",
        "Wiki", "Tasks"]

    _switch(owner_client, theme.slug, on=False)
    assert "The kinds of content of" in page_text(owner_client.get(f"/t/{theme.slug}/features"))

    for client in (visitor, writer_client, owner_client):
        home = client.get(f"/t/{theme.slug}?q=kerstborrel")
        assert home.status_code == 302 and home.headers["Location"].endswith(
            f"/t/{theme.slug}/overview")
        overview = client.get(f"/t/{theme.slug}/overview")
        assert overview.status_code == 200
        assert _tabs(overview) == ["Overview", "Agenda", "Files", "Questions", "Blog",
                                   "Status updates", "Wiki", "Tasks"]
        assert "Kerstborrel regelen" not in page_text(overview)
        for url in (f"/posts/{post.id}", f"/attachments/{att_id}/verslag.pdf"):
            assert client.get(url).status_code == 404, url
        assert "Kerstborrel regelen" not in page_text(client.get("/search?q=kerstborrel"))
    for url in (f"/posts/{post.id}/edit", f"/t/{theme.slug}/posts/new"):
        assert writer_client.get(url).status_code == 404, url
    assert writer_client.post(f"/items/{post.id}/comments", {"body": "Nog iets"}).status_code == 404
    assert writer_client.post(f"/posts/{post.id}/star", {"star": "1"}).status_code == 404
    assert writer_client.post(f"/replies/{reply.id}/delete").status_code == 404
    assert writer_client.post(f"/t/{theme.slug}/posts/new",
                              {"title": "Nieuw", "body": "Tekst"}).status_code == 404
    # kept, untouched
    assert db.session.get(Item, post.id).state == ItemState.PUBLISHED
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1
    assert db.session.scalar(select(func.count()).select_from(Star)) == 0
    assert db.session.scalar(select(func.count()).select_from(Item)) == 1

    _switch(owner_client, theme.slug, on=True)
    assert listed_titles(visitor.get(f"/t/{theme.slug}")) == {"Kerstborrel regelen"}
    shown = visitor.get(f"/posts/{post.id}")
    assert shown.status_code == 200 and "Ik neem oliebollen mee" in page_text(shown)
    assert visitor.get(f"/attachments/{att_id}/verslag.pdf").status_code == 200
    assert listed_titles(visitor.get("/search?q=kerstborrel")) == {"Kerstborrel regelen"}


def test_subthemes_inherit_the_switches_and_may_only_narrow_them(app):
    parent = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    child = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN, parent=parent)
    parent_owner = member(parent, role=Role.OWNER)
    child_owner = member(child, role=Role.OWNER)
    parent_post = ItemFactory(theme=parent, title="Bovenaan")
    child_post = ItemFactory(theme=child, title="In het subthema")
    po, co, visitor = Client(app), Client(app), Client(app)
    po.login(parent_owner.email)
    co.login(child_owner.email)

    _switch(po, parent.slug, on=False)
    assert visitor.get(f"/posts/{child_post.id}").status_code == 404
    assert visitor.get(f"/t/{child.slug}").status_code == 302
    settings = co.get(f"/t/{child.slug}/features")
    assert "Switched off in a theme above this one." in page_text(settings)
    assert re.search(r'<input[^>]*disabled', settings.get_data(as_text=True))
    refused = _switch(co, child.slug, on=True, expect=422)
    assert "switched off in a theme above this one" in page_text(refused)
    assert db.session.scalar(select(func.count()).select_from(ThemeFeature)
                             .where(ThemeFeature.theme_id == child.id)) == 0
    assert visitor.get(f"/posts/{child_post.id}").status_code == 404

    _switch(po, parent.slug, on=True)
    assert visitor.get(f"/posts/{child_post.id}").status_code == 200
    _switch(co, child.slug, on=False)
    assert visitor.get(f"/posts/{child_post.id}").status_code == 404
    assert visitor.get(f"/posts/{parent_post.id}").status_code == 200
    assert listed_titles(visitor.get(f"/t/{parent.slug}")) == {"Bovenaan"}


def test_only_the_owner_and_the_platform_owner_switch_kinds(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    member(theme, role=Role.OWNER)
    admin, plain = member(theme, role=Role.ADMIN), member(theme)
    boss = UserFactory(is_platform_owner=True)
    for user in (admin, plain):
        c = Client(app)
        c.login(user.email)
        assert c.get(f"/t/{theme.slug}/features").status_code == 403
        assert c.post(f"/t/{theme.slug}/features", {}).status_code == 403
    visitor = Client(app)
    assert visitor.post(f"/t/{theme.slug}/features", {}).status_code in (302, 400)
    c = Client(app)
    c.login(boss.email)
    assert "Kinds of content" in page_text(c.get(f"/t/{theme.slug}"))
    stale = c.post(f"/t/{theme.slug}/features", {"csrf_token": "stale"})
    assert stale.status_code == 400
    assert "nothing was saved" in page_text(stale)
    assert db.session.scalar(select(func.count()).select_from(ThemeFeature)) == 0
    _switch(c, theme.slug, on=False)
    assert db.session.get(ThemeFeature, (theme.id, "discussions")).enabled is False


def test_the_tabs_and_switches_show_only_kinds_that_exist(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    owner = member(theme, role=Role.OWNER, locale="nl")
    c = Client(app, lang="nl")
    c.login(owner.email)
    assert _tabs(c.get(f"/t/{theme.slug}")) == [
        "Overzicht", "Discussies", "Agenda", "Bestanden", "Vragen", "Blog", "Statusupdates",
        "Wiki", "Taken"]
    settings = c.get(f"/t/{theme.slug}/features")
    switches = re.findall(r'<label class="check">(.*?)</label>', settings.get_data(as_text=True),
                          flags=re.S)
    assert [re.sub(r"<[^>]+>", "", s).strip() for s in switches] == [
        "Discussies", "Agenda", "Bestanden", "Vragen", "Blog", "Statusupdates", "Wiki", "Taken"]
    assert "Soorten inhoud in" in page_text(settings)


def test_the_overview_shows_recent_discussions_the_viewer_may_see(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    insider = member(theme)
    outsider = UserFactory()
    open_post = ItemFactory(theme=theme, title="Open overleg", part=Part.PUBLIC)
    CommentFactory(item=open_post, body="Openbare reactie hier")
    open_post.comment_count = 1
    closed_post = ItemFactory(theme=theme, title="Besloten overleg", part=Part.CLOSED)
    CommentFactory(item=closed_post, body="Besloten reactie hier")
    ItemFactory(theme=theme, title="Wacht nog", state=ItemState.PENDING)
    ItemFactory(theme=theme, title="Alleen voor gekozenen", readers=[insider])
    CommentFactory(item=open_post, body="Verborgen reactie", state=ItemState.HIDDEN)
    db.session.commit()

    def shown(user):
        c = Client(app)
        if user is not None:
            c.login(user.email)
        resp = c.get(f"/t/{theme.slug}/overview")
        assert resp.status_code == 200
        return page_text(resp)

    visitor_text = shown(None)
    assert "Open overleg" in visitor_text and "1 reply" in visitor_text
    assert "Openbare reactie" not in visitor_text  # replies are listed by post and author
    for hidden in ("Besloten overleg", "Wacht nog", "Alleen voor gekozenen"):
        assert hidden not in visitor_text
    assert "Besloten overleg" not in shown(outsider)
    insider_text = shown(insider)
    assert {"Open overleg", "Besloten overleg", "Alleen voor gekozenen"} <= {
        t for t in ("Open overleg", "Besloten overleg", "Alleen voor gekozenen", "Wacht nog")
        if t in insider_text}
    assert "Wacht nog" not in insider_text
    newest_first = [insider_text.index(t) for t in
                    ("Alleen voor gekozenen", "Besloten overleg", "Open overleg")]
    assert newest_first == sorted(newest_first)
    assert "Latest replies" in insider_text


def test_the_overview_of_a_closed_theme_tells_outsiders_it_is_closed(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    ItemFactory(theme=theme, title="Intern overleg", part=Part.CLOSED)
    text = page_text(Client(app).get(f"/t/{theme.slug}/overview"))
    assert "only its members see the posts" in text and "Intern overleg" not in text
    insider = Client(app)
    insider.login(member(theme).email)
    assert "Intern overleg" in page_text(insider.get(f"/t/{theme.slug}/overview"))


def test_the_overview_costs_a_bounded_number_of_queries(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    viewer = member(theme)
    c = Client(app)
    c.login(viewer.email)
    counts = []
    for n in (3, 30):
        for _i in range(n):
            CommentFactory(item=ItemFactory(theme=theme), author=UserFactory())
        db.session.commit()
        with counted_queries() as statements:
            assert c.get(f"/t/{theme.slug}/overview").status_code == 200
        counts.append(len(statements))
    # the discussions' section, and one query for each other kind's (nothing of theirs here)
    assert counts[0] == counts[1] and counts[1] <= 10 + len(KINDS) - 1, counts


def test_the_overview_with_every_kind_filled_costs_the_same_queries(app):
    """Tagged questions, articles and updates, events with answers, wiki pages and assigned
    tasks: the overview reads no tags (it shows none) and does not count the agenda."""
    from app.events.models import EventResponse
    from app.items.kinds import ItemKind
    from app.toolkit.models import BlogArticle, Question, StatusUpdate
    from tests.factories import FilterGroupFactory, FilterValueFactory, event_item, task, wiki_page

    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    viewer = member(theme)
    tag = FilterValueFactory(group=FilterGroupFactory(theme_id=theme.id))
    c = Client(app)
    c.login(viewer.email)
    counts = []
    for n in (1, 4):
        for _i in range(n):
            for kind, detail in ((ItemKind.QUESTION, Question), (ItemKind.BLOG, BlogArticle),
                                 (ItemKind.STATUS_UPDATE, StatusUpdate)):
                item = ItemFactory(theme=theme, kind=kind, title=f"{kind.value} {n}")
                item.filter_values = [tag]
                db.session.add(detail(item_id=item.id, **({"intro": "Kort."}
                                                          if detail is BlogArticle else {})))
            event = event_item(theme=theme, title=f"Bijeenkomst {n}")
            db.session.add(EventResponse(item_id=event.id, user_id=viewer.id, answer="attending"))
            wiki_page(theme=theme, title=f"Wiki {n}")
            task(assignees=[viewer], theme=theme, title=f"Taak {n}")
            CommentFactory(item=ItemFactory(theme=theme), author=UserFactory())
        db.session.commit()
        with counted_queries() as statements:
            page = c.get(f"/t/{theme.slug}/overview")
        assert page.status_code == 200
        assert "Bijeenkomst" in page_text(page) and "Taak" in page_text(page)
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[1] <= 19, counts
    flat = [" ".join(s.split()) for s in statements]
    assert not [s for s in flat if "filter_value" in s or "count(*) AS count_1 FROM event " in s]


def test_a_switched_off_kind_leaves_the_moderation_queue_and_its_count(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    owner = member(theme, role=Role.OWNER)
    ItemFactory(theme=theme, title="Wacht op vrijgave", state=ItemState.PENDING)
    client = Client(app)
    client.login(owner.email)
    queue = client.get(f"/t/{theme.slug}/moderation")
    assert "Wacht op vrijgave" in page_text(queue)
    _switch(client, theme.slug, on=False)
    queue = page_text(client.get(f"/t/{theme.slug}/moderation"))
    assert "Wacht op vrijgave" not in queue
    from app.moderation.services import theme_queue_count
    assert theme_queue_count(theme) == 0
    _switch(client, theme.slug, on=True)
    assert "Wacht op vrijgave" in page_text(client.get(f"/t/{theme.slug}/moderation"))
