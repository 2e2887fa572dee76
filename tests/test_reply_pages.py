"""Replies come in pages: every reply of a long thread can be read, a reply's own address
(in mails, and after writing it) leads to the page it is on."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from app.extensions import db
from app.items.models import Part, ItemState
from app.themes.models import WorkgroupType
from app.timeutil import utcnow
from tests.factories import ItemFactory, CommentFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, page_text


def thread(n, theme=None, **post_fields):
    """A published post with n replies 'Reactie 001' … in that order, one second apart."""
    theme = theme or ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    post = ItemFactory(theme=theme, **post_fields)
    author = UserFactory()
    start = utcnow() - timedelta(hours=1)
    replies = [CommentFactory(item=post, author=author, body=f"Reactie {i:03d}",
                            created_at=start + timedelta(seconds=i)) for i in range(1, n + 1)]
    post.comment_count = n
    db.session.commit()
    return post, replies


def reply_bodies(resp) -> list[str]:
    return re.findall(r"Reactie \d{3}", page_text(resp))


def next_link(resp) -> str | None:
    match = re.search(r'<a rel="next" href="([^"]+)"', resp.get_data(as_text=True))
    return match.group(1).replace("&amp;", "&") if match else None


def test_every_reply_of_a_long_thread_can_be_read_page_by_page(client):
    post, _ = thread(120)
    seen, url, pages = [], f"/posts/{post.id}", 0
    while url:
        resp = client.get(url)
        assert resp.status_code == 200
        seen += reply_bodies(resp)
        pages += 1
        url = next_link(resp)
    assert seen == [f"Reactie {i:03d}" for i in range(1, 121)]
    assert pages == 3
    first = client.get(f"/posts/{post.id}")
    assert reply_bodies(first) == [f"Reactie {i:03d}" for i in range(1, 51)]
    html = first.get_data(as_text=True)
    # Page numbers to jump to, the current one marked.
    assert f'href="/posts/{post.id}?page=3#replies-title"' in html
    assert re.search(r'aria-current="page">.*?1</span>', html)
    last = client.get(f"/posts/{post.id}?page=3")
    assert f'<a rel="prev" href="/posts/{post.id}?page=2#replies-title"' in last.get_data(as_text=True)
    assert next_link(last) is None


def test_a_page_number_out_of_range_or_not_a_number_shows_a_page(client):
    post, _ = thread(60)
    assert reply_bodies(client.get(f"/posts/{post.id}?page=99"))[0] == "Reactie 051"
    assert reply_bodies(client.get(f"/posts/{post.id}?page=abc"))[0] == "Reactie 001"
    assert reply_bodies(client.get(f"/posts/{post.id}?page=0"))[0] == "Reactie 001"


def test_a_reply_address_leads_to_its_page_and_anchor(client):
    post, replies = thread(75)
    resp = client.get(f"/replies/{replies[69].id}")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/posts/{post.id}?page=2#reply-{replies[69].id}")
    page = client.get(f"/posts/{post.id}?page=2").get_data(as_text=True)
    assert f'id="reply-{replies[69].id}"' in page
    assert client.get(f"/replies/{replies[3].id}").headers["Location"].endswith(
        f"/posts/{post.id}#reply-{replies[3].id}")


def test_a_reply_nobody_may_see_has_no_address(client):
    post, replies = thread(2)
    replies[0].state = ItemState.PENDING
    db.session.commit()
    assert client.get(f"/replies/{replies[0].id}").status_code == 404
    assert client.get("/replies/999999").status_code == 404


def test_the_new_reply_mail_and_the_writer_land_on_the_page_of_the_new_reply(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author, replier = member(theme), member(theme)
    post, _ = thread(55, theme=theme, author=author, part=Part.CLOSED, title="Lange draad")
    c = Client(app)
    c.login(replier.email)
    resp = c.post(f"/items/{post.id}/comments", {"body": "Reactie 999"})
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert "?page=2#reply-" in location
    assert "Reactie 999" in page_text(c.get(location.split("#")[0]))

    (mail,) = mailbox.wait_for(author.email)
    link = mail.link("/replies/")
    reader = Client(app)
    reader.login(author.email)
    landed = reader.get(urlsplit(link).path)
    assert landed.status_code == 302 and landed.headers["Location"] == location
