"""Profiles: every field has its own visibility (only me, members of my themes, everyone
logged in, public), and nobody sees a field above its setting: not on the profile page, not
on posts and replies, not in member lists, not in search, not in mails. Photos are checked,
re-encoded as a square JPEG without EXIF, and served only to those who may see them."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from app.extensions import db
from app.items.models import Part
from app.people.models import Profile, ProfileField, ProfileFieldValue, Visibility
from app.themes.models import Role, WorkgroupType
from tests.factories import CommentFactory, ItemFactory, ThemeFactory, UserFactory, member
from tests.helpers import Client, counted_queries, page_text

LEVELS = [Visibility.PRIVATE, Visibility.THEMES, Visibility.LOGGED_IN, Visibility.PUBLIC]
VIEWERS = ["owner", "co_member", "logged_in", "visitor"]
# the widest level each viewer sees
SEES = {"owner": {*LEVELS}, "co_member": {Visibility.THEMES, Visibility.LOGGED_IN, Visibility.PUBLIC},
        "logged_in": {Visibility.LOGGED_IN, Visibility.PUBLIC}, "visitor": {Visibility.PUBLIC}}


def jpeg_with_gps(size=(640, 480), color=(200, 40, 40)) -> bytes:
    """A JPEG whose EXIF holds a GPS position (as phones write it)."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "Telefoonmerk"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 5.0, 0.0)
    gps[3], gps[4] = "E", (4.0, 53.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the test file has GPS
    return data


def _profile_of(person, level, with_photo=True):
    """A full profile, every field at `level`, with values that can be looked for."""
    field = ProfileField(label_nl="Website", label_en="Website", kind="url")
    db.session.add(field)
    db.session.flush()
    name = None
    if with_photo:
        from app import storage
        name = "photo-" + "ab" * 16 + ".jpg"
        storage.get().put(name, io.BytesIO(jpeg_with_gps()))
    db.session.add(Profile(
        user_id=person.id, name="Wilhelmina Zichtbaarheid", name_visibility=level,
        photo_name=name, photo_visibility=level,
        organisation="Stichting Veldwerk", organisation_visibility=level,
        function="Coördinator Testwerk", function_visibility=level,
        email_visibility=level, phone="+31 6 1234 5678", phone_visibility=level,
        about="Ik **werk** aan de proeftuin.", about_html="<p>Ik <strong>werk</strong> aan de proeftuin.</p>",
        about_visibility=level))
    db.session.add(ProfileFieldValue(user_id=person.id, field_id=field.id,
                                     value="https://veldwerk.example.org", visibility=level))
    db.session.commit()


FIELD_VALUES = ["Wilhelmina Zichtbaarheid", "Stichting Veldwerk", "Coördinator Testwerk",
                "+31 6 1234 5678", "aan de proeftuin", "https://veldwerk.example.org"]


@pytest.fixture
def people(app):
    """The profile's owner and a co-member share a closed theme; another logged-in person is a
    member elsewhere; a platform owner sees member lists without sharing a theme."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    elsewhere = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    owner = member(theme, username="eigenaarprofiel", email="eigen@example.org")
    co = member(theme)
    other = member(elsewhere)
    return {"theme": theme, "elsewhere": elsewhere, "owner": owner, "co_member": co,
            "logged_in": other}


def _client(app, people, who):
    c = Client(app)
    if who != "visitor":
        c.login(people[who].email)
    return c


@pytest.mark.parametrize("level", LEVELS, ids=lambda v: v.value)
def test_the_profile_page_shows_each_field_only_to_who_its_owner_allows(app, people, level):
    owner = people["owner"]
    _profile_of(owner, level)
    for who in VIEWERS:
        c = _client(app, people, who)
        resp = c.get(f"/u/{owner.id}")
        assert resp.status_code == 200
        text = page_text(resp)
        allowed = level in SEES[who]
        for value in FIELD_VALUES + [owner.email]:
            assert (value in text) == allowed, f"{who} at {level.value}: {value}"
        assert "eigenaarprofiel" in text  # the user name is public
        photo = c.get(f"/u/{owner.id}/photo")
        assert photo.status_code == (200 if allowed else 404), f"{who} photo at {level.value}"
        assert ("/photo" in resp.get_data(as_text=True)) == allowed


@pytest.mark.parametrize("level", LEVELS, ids=lambda v: v.value)
def test_posts_and_replies_show_the_name_and_photo_only_where_allowed(app, people, level):
    owner = people["owner"]
    _profile_of(owner, level)
    public_theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    post = ItemFactory(theme=public_theme, author=owner, title="Openbare vraag")
    CommentFactory(item=post, author=owner, body="Mijn eigen aanvulling")
    for who in VIEWERS:
        resp = _client(app, people, who).get(f"/posts/{post.id}")
        html = resp.get_data(as_text=True)
        allowed = level in SEES[who]
        assert html.count("Wilhelmina Zichtbaarheid") == (2 if allowed else 0), who
        assert html.count(f"/u/{owner.id}/photo") == (2 if allowed else 0), who
        if who != "owner":  # (the owner's own menu names them by user name)
            assert html.count("eigenaarprofiel") == (0 if allowed else 2), who
        assert f'href="/u/{owner.id}"' in html  # the author links to the profile


@pytest.mark.parametrize("level", LEVELS, ids=lambda v: v.value)
def test_member_lists_show_the_name_only_where_allowed(app, people, level):
    owner, theme = people["owner"], people["theme"]
    _profile_of(owner, level)
    boss = UserFactory(is_platform_owner=True)  # sees every member list, shares no theme
    for who, client in [("owner", _client(app, people, "owner")),
                        ("co_member", _client(app, people, "co_member")),
                        ("logged_in", _login(app, boss))]:
        html = client.get(f"/t/{theme.slug}/members").get_data(as_text=True)
        allowed = level in SEES[who]
        assert ("Wilhelmina Zichtbaarheid" in html) == allowed, who
        assert (f"/u/{owner.id}/photo" in html) == allowed, who
        assert "Stichting Veldwerk" not in html  # a list shows name and photo only


def _login(app, user):
    c = Client(app)
    c.login(user.email)
    return c


@pytest.mark.parametrize("level", LEVELS, ids=lambda v: v.value)
def test_people_are_not_found_by_their_profile_in_search(app, people, level):
    """Decided: search finds items, by their author's (public) user name, never by profile
    fields, so no level leaks a name through search."""
    owner = people["owner"]
    _profile_of(owner, level, with_photo=False)
    public_theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    from tests.factories import MembershipFactory
    MembershipFactory(user=owner, theme=public_theme, role=Role.ADMIN)  # published at once
    c = Client(app)
    c.login(owner.email)
    c.post(f"/t/{public_theme.slug}/posts/new", {"title": "Over de zomerplanning", "body": "Tekst"})
    for who in VIEWERS:
        client = _client(app, people, who)
        assert "zomerplanning" in page_text(client.get("/search", query_string={"q": "zomerplanning"}))
        for words in ("Zichtbaarheid", "Veldwerk", "Testwerk"):
            text = page_text(client.get("/search", query_string={"q": words}))
            assert "Wilhelmina" not in text and "zomerplanning" not in text, (who, words)


def test_mails_name_people_by_user_name_only(app, people, mailbox):
    """A reply mail names the replier by user name, even to someone who may see the full
    name: a mail is forwarded and kept, a profile's visibility is not."""
    theme, owner, co = people["theme"], people["owner"], people["co_member"]
    _profile_of(owner, Visibility.PRIVATE, with_photo=False)
    post = ItemFactory(theme=theme, author=co, part=Part.CLOSED, title="Overleg")
    c = _client(app, people, "owner")
    c.post(f"/items/{post.id}/comments", {"body": "Ik kom ook."})
    (mail,) = mailbox.wait_for(co.email)
    assert "eigenaarprofiel" in mail.text
    for value in FIELD_VALUES:
        assert value not in mail.text and value not in mail.html


def test_a_co_member_is_someone_who_shares_an_accepted_membership(app, people):
    """A pending request for the same theme does not make a co-member."""
    from app.themes.models import MembershipStatus
    owner, theme = people["owner"], people["theme"]
    _profile_of(owner, Visibility.THEMES, with_photo=False)
    asking = member(theme, status=MembershipStatus.PENDING)
    text = page_text(_login(app, asking).get(f"/u/{owner.id}"))
    assert "Stichting Veldwerk" not in text


# --------------------------------------------------------------------------- editing

def _form(**changes):
    data = {"name": "Anna de Vries", "name_visibility": "public",
            "photo_visibility": "logged_in", "organisation": "Gemeente Noorderveld",
            "organisation_visibility": "themes", "function": "Beleidsmedewerker",
            "function_visibility": "logged_in", "email_visibility": "private",
            "phone": "050 123 4567", "phone_visibility": "private",
            "about": "Ik werk aan **zorg**. <script>alert(1)</script>",
            "about_visibility": "public"}
    data.update(changes)
    return data


def test_one_edits_ones_own_profile_and_sees_it(app, people):
    owner = people["owner"]
    c = _client(app, people, "owner")
    resp = c.post("/profile", _form(photo=(io.BytesIO(jpeg_with_gps()), "vakantie.jpg")),
                  content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/u/{owner.id}")
    html = c.get(f"/u/{owner.id}").get_data(as_text=True)
    assert "Anna de Vries" in html and "<strong>zorg</strong>" in html
    assert "<script>alert" not in html  # the about text is sanitised like posts
    # a visitor sees only the public fields
    text = page_text(Client(app).get(f"/u/{owner.id}"))
    assert "Anna de Vries" in text and "zorg" in text
    assert "Gemeente Noorderveld" not in text and "050 123 4567" not in text
    assert "Beleidsmedewerker" not in text and owner.email not in text


def test_an_uploaded_photo_is_a_square_jpeg_without_exif_served_safely(app, people):
    owner = people["owner"]
    c = _client(app, people, "owner")
    c.post("/profile", _form(photo=(io.BytesIO(jpeg_with_gps((900, 500))), "strand.jpg")),
           content_type="multipart/form-data")
    resp = c.get(f"/u/{owner.id}/photo")
    assert resp.status_code == 200
    assert resp.mimetype == "image/jpeg"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert "no-cache" in resp.headers["Cache-Control"] and "private" in resp.headers["Cache-Control"]
    data = resp.get_data()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (400, 400)
    assert len(image.getexif()) == 0 and "exif" not in image.info
    assert b"Exif" not in data and b"Telefoonmerk" not in data


def _bmp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "green").save(out, "BMP")
    return out.getvalue()


@pytest.mark.parametrize("upload, problem", [
    ((_bmp(), "foto.jpg"), "not an image we accept"),  # an image, but not a format we accept
    ((b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "foto.svg"),
     "not an image we accept"),
    ((b"Dit is geen foto", "foto.jpg"), "not an image we accept"),
    ((b"\xff\xd8\xff\xe0" + b"\x00" * 64, "kapot.jpg"), "not an image we accept"),
])
def test_a_file_that_is_not_an_image_is_refused_and_the_form_kept(app, people, upload, problem):
    owner = people["owner"]
    c = _client(app, people, "owner")
    resp = c.post("/profile", _form(name="Bewaarde Naam", photo=(io.BytesIO(upload[0]), upload[1])),
                  content_type="multipart/form-data")
    assert resp.status_code == 422
    text = page_text(resp)
    assert problem in text and "JPEG, PNG, GIF or WebP" in text
    assert 'value="Bewaarde Naam"' in resp.get_data(as_text=True)
    assert db.session.get(Profile, owner.id) is None  # nothing saved
    assert c.get(f"/u/{owner.id}/photo").status_code == 404


def test_a_photo_over_the_limit_is_refused_with_the_limit_named(app, people):
    c = _client(app, people, "owner")
    app.config["PROFILE_PHOTO_MAX_BYTES"] = 20_000
    try:
        big = Image.effect_noise((700, 700), 100).convert("RGB")
        out = io.BytesIO()
        big.save(out, "JPEG", quality=95)
        assert len(out.getvalue()) > 20_000
        resp = c.post("/profile", _form(photo=(io.BytesIO(out.getvalue()), "groot.jpg")),
                      content_type="multipart/form-data")
    finally:
        app.config["PROFILE_PHOTO_MAX_BYTES"] = 5 * 1024 * 1024
    assert resp.status_code == 422
    assert "the limit for an image is 20 kB" in page_text(resp)


def test_a_png_with_transparency_becomes_a_jpeg(app, people):
    owner = people["owner"]
    c = _client(app, people, "owner")
    out = io.BytesIO()
    Image.new("RGBA", (300, 600), (0, 0, 255, 0)).save(out, "PNG")
    resp = c.post("/profile", _form(photo=(io.BytesIO(out.getvalue()), "logo.png")),
                  content_type="multipart/form-data")
    assert resp.status_code == 302
    image = Image.open(io.BytesIO(c.get(f"/u/{owner.id}/photo").get_data()))
    assert image.format == "JPEG" and image.size == (400, 400)


def test_removing_the_photo(app, people):
    owner = people["owner"]
    c = _client(app, people, "owner")
    c.post("/profile", _form(photo=(io.BytesIO(jpeg_with_gps()), "a.jpg")),
           content_type="multipart/form-data")
    assert c.get(f"/u/{owner.id}/photo").status_code == 200
    c.post("/profile", _form(remove_photo="y"), content_type="multipart/form-data")
    assert c.get(f"/u/{owner.id}/photo").status_code == 404


def test_bad_input_comes_back_422_with_what_was_typed(app, people):
    field = ProfileField(label_nl="Website", label_en="Website", kind="url")
    db.session.add(field)
    db.session.commit()
    c = _client(app, people, "owner")
    resp = c.post("/profile", _form(**{f"field_{field.id}": "javascript:alert(1)",
                                       f"field_{field.id}_visibility": "public",
                                       "name_visibility": "everyone", "function": "x" * 200}))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "A web address starts with https:// or http://." in page_text(resp)
    assert 'value="javascript:alert(1)"' in html and 'value="Anna de Vries"' in html
    assert "Not a valid choice" in page_text(resp)


def test_the_platform_owner_adds_fields_that_everyone_fills_in(app, people):
    boss = _login(app, UserFactory(is_platform_owner=True))
    assert 'href="/platform/profile-fields"' in boss.get("/platform/themes").get_data(as_text=True)
    resp = boss.post("/platform/profile-fields", {"label_nl": "LinkedIn-profiel",
                                                  "label_en": "LinkedIn profile", "kind": "url"})
    assert resp.status_code == 302
    assert boss.post("/platform/profile-fields", {"label_nl": "", "label_en": "x",
                                                  "kind": "text"}).status_code == 422
    field = db.session.query(ProfileField).one()
    owner = people["owner"]
    c = _client(app, people, "owner")
    assert "LinkedIn profile" in page_text(c.get("/profile"))
    c.post("/profile", _form(**{f"field_{field.id}": "https://linkedin.example/anna",
                                f"field_{field.id}_visibility": "logged_in"}))
    assert "https://linkedin.example/anna" in page_text(_client(app, people, "logged_in").get(f"/u/{owner.id}"))
    assert "https://linkedin.example/anna" not in page_text(Client(app).get(f"/u/{owner.id}"))
    nl = Client(app)
    nl.login(owner.email)
    nl.get("/language/nl")
    assert "LinkedIn-profiel" in page_text(nl.get("/profile"))
    # removing the field removes everyone's value
    boss.post(f"/platform/profile-fields/{field.id}/delete")
    assert "linkedin.example" not in page_text(c.get(f"/u/{owner.id}"))
    assert _client(app, people, "co_member").post(
        "/platform/profile-fields", {"label_nl": "a", "label_en": "b", "kind": "text"}
    ).status_code == 403


def test_an_unknown_or_unconfirmed_person_is_not_found(app):
    assert Client(app).get("/u/999999").status_code == 404
    waiting = UserFactory(email_confirmed_at=None)
    assert Client(app).get(f"/u/{waiting.id}").status_code == 404


# ---------------------------------------------------------------------- query counts

def _with_profiles(users):
    for i, u in enumerate(users):
        db.session.add(Profile(user_id=u.id, name=f"Volledige Naam {i}",
                               name_visibility=Visibility.THEMES,
                               photo_name=f"photo-{i:032x}.jpg",
                               photo_visibility=Visibility.LOGGED_IN))
    db.session.commit()


def test_member_list_and_post_page_queries_do_not_grow_with_people(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    admin = member(theme, role=Role.ADMIN)
    post = ItemFactory(theme=theme, part=Part.CLOSED, author=admin)
    few = [member(theme) for _ in range(2)]
    _with_profiles(few)
    for u in few:
        CommentFactory(item=post, author=u)
    c = _login(app, admin)
    with counted_queries() as small_list:
        c.get(f"/t/{theme.slug}/members")
    with counted_queries() as small_post:
        c.get(f"/posts/{post.id}")
    many = [member(theme) for _ in range(25)]
    _with_profiles(many)
    for u in many:
        CommentFactory(item=post, author=u)
    with counted_queries() as big_list:
        html = c.get(f"/t/{theme.slug}/members").get_data(as_text=True)
    assert "Volledige Naam 24" in html and html.count("/photo?v=") == 27
    with counted_queries() as big_post:
        html = c.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Volledige Naam 24" in html
    assert len(big_list) == len(small_list), "\n".join(s[:100] for s in big_list)
    assert len(big_post) == len(small_post), "\n".join(s[:100] for s in big_post)


def test_a_replaced_or_removed_photo_leaves_the_storage(app, people):
    from app import storage
    owner = people["owner"]
    c = _client(app, people, "owner")
    c.post("/profile", _form(photo=(io.BytesIO(jpeg_with_gps()), "a.jpg")),
           content_type="multipart/form-data")
    first = db.session.get(Profile, owner.id).photo_name
    c.post("/profile", _form(photo=(io.BytesIO(jpeg_with_gps(color=(0, 90, 0))), "b.jpg")),
           content_type="multipart/form-data")
    second = db.session.get(Profile, owner.id).photo_name
    assert first != second
    assert not storage.get().exists(first) and storage.get().exists(second)
    c.post("/profile", _form(remove_photo="y"), content_type="multipart/form-data")
    assert not storage.get().exists(second)
