"""Files and folders (app/files), from the outside: uploads, downloads, folders, access and
its inheritance, versions, the bin, the quota, zips, thumbnails and content search."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import storage
from app.extensions import db
from app.files.models import File, FileVersion, ThemeStorage
from app.items.models import Item, ItemState
from app.themes.models import Role, WorkgroupType
from tests.factories import ThemeFactory, UserFactory, member
from tests.helpers import PAGE_QUERY_BUDGET, Client, counted_queries, page_text

PNG_1PX = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
           b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01"
           b"\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


def _png(width=64, height=48) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def upload(client, url, *files):
    """POST files as a browser's multiple-file input sends them."""
    return client.post(url, {"files": [(io.BytesIO(data), name) for name, data in files]},
                       content_type="multipart/form-data")


def make_folder(client, url, name) -> int:
    resp = client.post(url, {"name": name})
    assert resp.status_code == 302, page_text(resp)[:500]
    return int(resp.headers["Location"].rsplit("/", 1)[-1])


def file_id(title) -> int:
    return db.session.scalar(select(Item.id).where(Item.title == title,
                                                   Item.state != ItemState.DELETED))


def listed(resp) -> set[str]:
    """The names of the files in a folder page's list (or tiles)."""
    html = resp.get_data(as_text=True)
    return set(re.findall(r'<a href="/files/\d+/download"[^>]*>\s*(?:<[^>]+>\s*)*'
                          r'(?:<span class="file-name">)?([^<]+?)\s*<', html))


def settings(client, url, **fields):
    data = {"name": fields.pop("name"), "folder": fields.pop("folder", ""),
            "read": fields.pop("read", "inherit"), "write": fields.pop("write", "author")}
    data.update(fields)
    return client.post(url, data)


@pytest.fixture
def world(app):
    """A closed theme with its owner (admin), a member who uploads, a second member, and a
    confirmed person who is no member."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    people = {"owner": member(theme, role=Role.OWNER), "uploader": member(theme),
              "colleague": member(theme), "outsider": UserFactory()}
    clients = {"visitor": Client(app)}
    for who, user in people.items():
        clients[who] = Client(app)
        clients[who].login(user.email)
    return {"theme": theme, **people, "c": clients}


# ------------------------------------------------------------------------- basics

def test_a_member_uploads_several_files_and_anyone_who_may_read_downloads_by_the_name(world):
    c, theme = world["c"], world["theme"]
    page = c["uploader"].get(f"/t/{theme.slug}/files")
    assert page.status_code == 200
    text = page_text(page)
    assert "At most 10 files at once, each at most 20 MB" in text  # stated before upload
    assert 'multiple' in page.get_data(as_text=True)
    resp = upload(c["uploader"], f"/t/{theme.slug}/files/upload",
                  ("Notulen mei.txt", b"notulen van de vergadering"),
                  ("begroting.csv", b"post;bedrag\nhuur;100\n"))
    assert resp.status_code == 302
    for who in ("uploader", "colleague", "owner"):
        assert listed(c[who].get(f"/t/{theme.slug}/files")) == {"Notulen mei.txt",
                                                                "begroting.csv"}
    download = c["colleague"].get(f"/files/{file_id('Notulen mei.txt')}/download")
    assert download.status_code == 200
    assert download.data == b"notulen van de vergadering"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Notulen_mei.txt" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    for who in ("visitor", "outsider"):
        assert c[who].get(f"/files/{file_id('Notulen mei.txt')}/download").status_code == 404
        assert listed(c[who].get(f"/t/{theme.slug}/files")) == set()


def test_the_policy_from_the_outside_visitor_non_member_member_restricted_outsider_admin(
        world):
    c, theme = world["c"], world["theme"]
    folder = make_folder(c["uploader"], f"/t/{theme.slug}/files/folders", "Dossiers")
    upload(c["uploader"], f"/folders/{folder}/upload", ("dossier.txt", b"inhoud"))
    secret = make_folder(c["uploader"], f"/folders/{folder}/folders", "Personeel")
    upload(c["uploader"], f"/folders/{secret}/upload", ("salarissen.txt", b"geheim"))
    # Personeel: read by the owner of the upload and one chosen colleague only
    resp = settings(c["uploader"], f"/folders/{secret}/settings", name="Personeel",
                    folder=folder, read="chosen", readers=[world["owner"].id])
    assert resp.status_code == 302, page_text(resp)[:600]
    plain, hidden = file_id("dossier.txt"), file_id("salarissen.txt")
    urls = lambda fid, fo: [f"/files/{fid}", f"/files/{fid}/download", f"/folders/{fo}",
                            f"/folders/{fo}/zip"]  # noqa: E731
    for who, readable, restricted in [("visitor", False, False), ("outsider", False, False),
                                      ("colleague", True, False), ("uploader", True, True),
                                      ("owner", True, True)]:
        for url in urls(plain, folder):
            assert c[who].get(url).status_code == (200 if readable else 404), (who, url)
        for url in urls(hidden, secret):
            assert c[who].get(url).status_code == (200 if restricted else 404), (who, url)
    overview = page_text(c["colleague"].get(f"/t/{theme.slug}/overview"))
    assert "dossier.txt" in overview and "salarissen.txt" not in overview
    # the colleague sees the folder Dossiers without the restricted subfolder
    assert "Personeel" not in page_text(c["colleague"].get(f"/folders/{folder}"))
    assert "Personeel" in page_text(c["owner"].get(f"/folders/{folder}"))
    # changing needs write access: the colleague may read but not change the uploader's file
    assert c["colleague"].post(f"/files/{plain}/delete").status_code == 403
    assert c["colleague"].post(f"/folders/{folder}/upload").status_code == 403
    assert c["outsider"].post(f"/folders/{folder}/upload").status_code == 404
    assert c["outsider"].post(f"/t/{theme.slug}/files/upload").status_code == 403
    assert c["visitor"].post(f"/t/{theme.slug}/files/upload").status_code == 302  # log in


def test_a_file_inherits_its_folders_access_and_follows_when_the_folder_changes(world):
    c, theme = world["c"], world["theme"]
    folder = make_folder(c["owner"], f"/t/{theme.slug}/files/folders", "Bestuur")
    sub = make_folder(c["owner"], f"/folders/{folder}/folders", "Vergaderingen")
    upload(c["owner"], f"/folders/{sub}/upload", ("agenda.txt", b"agenda"))
    upload(c["owner"], f"/folders/{sub}/upload", ("eigen.txt", b"eigen regels"))
    own = file_id("eigen.txt")
    # eigen.txt gets its own access: every member reads it
    assert settings(c["owner"], f"/files/{own}/settings", name="eigen.txt", folder=sub,
                    read="members").status_code == 302
    agenda = file_id("agenda.txt")
    assert c["colleague"].get(f"/files/{agenda}").status_code == 200
    # the top folder is restricted to the uploader: what inherits below follows at once
    resp = settings(c["owner"], f"/folders/{folder}/settings", name="Bestuur",
                    read="chosen", readers=[world["uploader"].id])
    assert resp.status_code == 302
    assert c["colleague"].get(f"/files/{agenda}").status_code == 404
    assert c["colleague"].get(f"/folders/{sub}").status_code == 404
    assert c["uploader"].get(f"/files/{agenda}").status_code == 200
    assert c["colleague"].get(f"/files/{own}/download").status_code == 200  # its own access
    # back to inheriting: open to the members again
    settings(c["owner"], f"/folders/{folder}/settings", name="Bestuur", read="inherit")
    assert c["colleague"].get(f"/files/{agenda}").status_code == 200
    # a file moved into a restricted folder takes that folder's access
    private = make_folder(c["owner"], f"/t/{theme.slug}/files/folders", "Privé")
    settings(c["owner"], f"/folders/{private}/settings", name="Privé", read="chosen",
             readers=[world["owner"].id])
    assert settings(c["owner"], f"/files/{agenda}/settings", name="agenda.txt",
                    folder=private).status_code == 302
    assert c["colleague"].get(f"/files/{agenda}").status_code == 404
    assert db.session.get(File, agenda).folder_id == private


def test_write_access_chosen_writers_may_upload_into_a_folder(world):
    c, theme = world["c"], world["theme"]
    folder = make_folder(c["uploader"], f"/t/{theme.slug}/files/folders", "Samen")
    assert upload(c["colleague"], f"/folders/{folder}/upload",
                  ("x.txt", b"x")).status_code == 403
    assert settings(c["uploader"], f"/folders/{folder}/settings", name="Samen",
                    read="members", write="chosen",
                    writers=[world["colleague"].id]).status_code == 302
    assert upload(c["colleague"], f"/folders/{folder}/upload",
                  ("x.txt", b"x")).status_code == 302
    assert listed(c["uploader"].get(f"/folders/{folder}")) == {"x.txt"}
    # a writer who is not the owner may not move the owner's file where others read it
    upload(c["uploader"], f"/folders/{folder}/upload", ("van mij.txt", b"eigen"))
    small = make_folder(c["uploader"], f"/t/{theme.slug}/files/folders", "Klein")
    settings(c["uploader"], f"/folders/{small}/settings", name="Klein", read="chosen",
             readers=[world["colleague"].id], write="chosen", writers=[world["colleague"].id])
    mine = file_id("van mij.txt")
    resp = settings(c["colleague"], f"/files/{mine}/settings", name="van mij.txt",
                    folder=small)
    assert resp.status_code == 422
    assert "Only the owner and the admins may move it where other people read it." in \
        page_text(resp)
    assert db.session.get(File, mine).folder_id == folder
    # renaming keeps the type it was uploaded as
    x = file_id("x.txt")
    settings(c["colleague"], f"/files/{x}/settings", name="verslag.html", folder=folder)
    assert db.session.get(Item, x).title == "verslag.html.txt"


# ------------------------------------------------------------------------- versions, zip

def test_uploading_the_same_name_again_adds_a_version_and_old_ones_stay_downloadable(world):
    c, theme = world["c"], world["theme"]
    upload(c["uploader"], f"/t/{theme.slug}/files/upload", ("plan.txt", b"versie een"))
    upload(c["uploader"], f"/t/{theme.slug}/files/upload", ("Plan.txt", b"versie twee!"))
    assert listed(c["colleague"].get(f"/t/{theme.slug}/files")) == {"plan.txt"}
    fid = file_id("plan.txt")
    assert c["colleague"].get(f"/files/{fid}/download").data == b"versie twee!"
    page = c["colleague"].get(f"/files/{fid}")
    assert "Version 2" in page_text(page) and "Version 1" in page_text(page)
    first = db.session.scalar(select(FileVersion.id).where(FileVersion.file_id == fid,
                                                           FileVersion.number == 1))
    assert c["colleague"].get(f"/files/{fid}/versions/{first}").data == b"versie een"
    # someone who may not change the file cannot add a version under its name
    resp = upload(c["colleague"], f"/t/{theme.slug}/files/upload", ("plan.txt", b"overschreven"))
    assert resp.status_code == 422
    assert "plan.txt is already here and you may not change it" in page_text(resp)
    assert c["owner"].get(f"/files/{fid}/download").data == b"versie twee!"


def test_a_folder_zip_holds_only_what_the_viewer_may_read(world):
    c, theme = world["c"], world["theme"]
    top = make_folder(c["owner"], f"/t/{theme.slug}/files/folders", "Project")
    upload(c["owner"], f"/folders/{top}/upload", ("open.txt", b"voor iedereen"))
    inner = make_folder(c["owner"], f"/folders/{top}/folders", "Intern")
    upload(c["owner"], f"/folders/{inner}/upload", ("intern.txt", b"voor leden"))
    upload(c["owner"], f"/folders/{inner}/upload", ("geheim.txt", b"alleen eigenaar"))
    settings(c["owner"], f"/files/{file_id('geheim.txt')}/settings", name="geheim.txt",
             folder=inner, read="chosen", readers=[world["uploader"].id])
    resp = c["colleague"].get(f"/folders/{top}/zip")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    assert sorted(n for n in archive.namelist() if not n.endswith("/")) == [
        "Intern/intern.txt", "open.txt"]
    assert archive.read("Intern/intern.txt") == b"voor leden"
    owner_zip = zipfile.ZipFile(io.BytesIO(c["uploader"].get(f"/folders/{top}/zip").data))
    assert "Intern/geheim.txt" in owner_zip.namelist()


# ------------------------------------------------------------------------- the bin

def test_delete_to_the_bin_restore_and_purge_after_thirty_days(app, world):
    c, theme = world["c"], world["theme"]
    folder = make_folder(c["uploader"], f"/t/{theme.slug}/files/folders", "Oud")
    upload(c["uploader"], f"/folders/{folder}/upload", ("archief.txt", b"oude stukken"))
    fid = file_id("archief.txt")
    stored = db.session.get(File, fid).stored_name
    assert c["uploader"].post(f"/folders/{folder}/delete").status_code == 302
    for who in ("uploader", "colleague", "owner"):
        assert c[who].get(f"/files/{fid}").status_code == 404
        assert c[who].get(f"/folders/{folder}").status_code == 404
    bin_page = f"/t/{theme.slug}/files/bin"
    assert "Oud" in page_text(c["uploader"].get(bin_page))
    assert "Oud" in page_text(c["owner"].get(bin_page))  # an admin
    assert "Oud" not in page_text(c["colleague"].get(bin_page))
    assert c["colleague"].post(f"/bin/{folder}/restore").status_code == 404
    assert c["uploader"].post(f"/bin/{folder}/restore").status_code == 302
    assert c["colleague"].get(f"/files/{fid}/download").data == b"oude stukken"
    # deleted again, and 31 days later the scheduler's job removes it for good
    c["owner"].post(f"/files/{fid}/delete")
    from app.files.services import purge
    assert purge(now=db.session.get(File, fid).deleted_at + timedelta(days=29)) == 0
    assert purge(now=db.session.get(File, fid).deleted_at + timedelta(days=31)) == 1
    db.session.commit()
    assert db.session.get(Item, fid) is None
    assert not storage.get().exists(stored)
    assert db.session.get(ThemeStorage, theme.id).bytes_used == 0
    assert "The bin is empty." in page_text(c["owner"].get(bin_page))


# ------------------------------------------------------------------------- refusals

def test_an_upload_over_the_quota_is_refused_with_the_numbers(app, world):
    c, theme = world["c"], world["theme"]
    boss = Client(app)
    boss.login(UserFactory(is_platform_owner=True).email)
    assert c["owner"].post(f"/t/{theme.slug}/files/quota", {"quota_mb": "5"}).status_code == 403
    assert boss.post(f"/t/{theme.slug}/files/quota", {"quota_mb": "1"}).status_code == 302
    upload(c["uploader"], f"/t/{theme.slug}/files/upload", ("a.txt", b"a" * 700_000))
    resp = upload(c["uploader"], f"/t/{theme.slug}/files/upload", ("b.txt", b"b" * 400_000))
    assert resp.status_code == 422
    assert ("There is no room for this upload: it needs 391 kB, and "
            f"{theme.name} uses 684 kB of its 1 MB.") in page_text(resp)
    assert db.session.scalar(select(func.count()).select_from(File)) == 1
    quota_page = page_text(c["owner"].get(f"/t/{theme.slug}/files/quota"))
    assert "684 kB used of 1 MB" in quota_page
    assert "684 kB used of 1 MB" in page_text(c["owner"].get(f"/t/{theme.slug}/files"))
    assert "used of" not in page_text(c["uploader"].get(f"/t/{theme.slug}/files"))
    assert c["uploader"].get(f"/t/{theme.slug}/files/quota").status_code == 403


def test_too_big_or_disallowed_uploads_are_refused_nothing_is_stored_and_the_form_stays(
        app, world):
    c, theme = world["c"], world["theme"]
    url = f"/t/{theme.slug}/files/upload"
    folder = storage.get().folder
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.iterdir())
    app.config["FILES_MAX_BYTES"] = 1000
    try:
        resp = upload(c["uploader"], url, ("klein.txt", b"ok"), ("groot.txt", b"x" * 1001))
    finally:
        app.config["FILES_MAX_BYTES"] = 20 * 1024 * 1024
    assert resp.status_code == 413
    assert "groot.txt is 1 kB; the limit is 1 kB per file." in page_text(resp)
    assert 'type="file"' in resp.get_data(as_text=True)  # the form is there again
    resp = upload(c["uploader"], url, ("script.html", b"<script>alert(1)</script>"))
    assert resp.status_code == 422
    assert "script.html: this type of file is not accepted" in page_text(resp)
    resp = upload(c["uploader"], url, ("nep.png", b"not a png at all"))
    assert resp.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(File)) == 0
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0
    assert set(folder.iterdir()) == before  # no stored file stays behind
    # a request larger than the board takes at all: 413 naming that limit
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        resp = upload(c["uploader"], url, ("groot.txt", b"x" * 5000))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024
    assert resp.status_code == 413 and "The limit is 2 kB" in page_text(resp)


def test_html_and_svg_are_only_ever_served_as_attachments(app, world):
    c, theme = world["c"], world["theme"]
    app.config["FILES_ALLOWED_EXTENSIONS"] = ["html", "svg", "txt"]
    try:
        upload(c["uploader"], f"/t/{theme.slug}/files/upload",
               ("pagina.html", b"<script>alert(1)</script>"),
               ("tekening.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'))
    finally:
        app.config["FILES_ALLOWED_EXTENSIONS"] = None
    for name in ("pagina.html", "tekening.svg"):
        resp = c["colleague"].get(f"/files/{file_id(name)}/download")
        assert resp.status_code == 200
        assert resp.headers["Content-Type"] == "application/octet-stream"
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in resp.headers["Content-Security-Policy"]
        assert c["colleague"].get(f"/files/{file_id(name)}/thumbnail").status_code == 404


def test_images_get_a_thumbnail_and_the_tile_view_is_remembered(world):
    c, theme = world["c"], world["theme"]
    upload(c["uploader"], f"/t/{theme.slug}/files/upload", ("foto.png", _png(900, 600)),
           ("leeg.png", PNG_1PX))
    fid = file_id("foto.png")
    thumb = c["colleague"].get(f"/files/{fid}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    from PIL import Image
    image = Image.open(io.BytesIO(thumb.data))
    assert image.format == "JPEG" and max(image.size) <= 480
    page = c["colleague"].get(f"/t/{theme.slug}/files?view=tiles")
    assert f'/files/{fid}/thumbnail' in page.get_data(as_text=True)
    again = c["colleague"].get(f"/t/{theme.slug}/files")  # the choice is remembered
    assert 'class="file-tiles"' in again.get_data(as_text=True)
    assert 'class="file-table"' in c["uploader"].get(f"/t/{theme.slug}/files").get_data(
        as_text=True)


def test_sorting_by_name_date_and_size(world):
    c, theme = world["c"], world["theme"]
    for name, size in (("b.txt", 30), ("a.txt", 10), ("c.txt", 20)):
        upload(c["uploader"], f"/t/{theme.slug}/files/upload", (name, b"x" * size))

    def order(sort):
        html = c["colleague"].get(f"/t/{theme.slug}/files?sort={sort}").get_data(as_text=True)
        return re.findall(r'class="file-link">([^<]+)<', html)

    assert order("name") == ["a.txt", "b.txt", "c.txt"]
    assert order("date") == ["c.txt", "a.txt", "b.txt"]
    assert order("size") == ["b.txt", "c.txt", "a.txt"]


def test_a_folder_page_with_many_files_costs_a_bounded_number_of_queries(app, world):
    c, theme = world["c"], world["theme"]
    folder = make_folder(c["uploader"], f"/t/{theme.slug}/files/folders", "Veel")

    def cost():
        with counted_queries() as statements:
            assert c["colleague"].get(f"/folders/{folder}").status_code == 200
        return len(statements)

    upload(c["uploader"], f"/folders/{folder}/upload", ("1.txt", b"1"))
    few = cost()
    upload(c["uploader"], f"/folders/{folder}/upload",
           *[(f"{i}.txt", b"x") for i in range(2, 11)])
    upload(c["owner"], f"/folders/{folder}/upload", *[(f"{i}.txt", b"x") for i in range(11, 21)])
    for i in range(3):
        make_folder(c["owner"], f"/folders/{folder}/folders", f"Sub {i}")
    assert len(listed(c["colleague"].get(f"/folders/{folder}"))) == 20
    assert cost() <= few <= PAGE_QUERY_BUDGET


# ------------------------------------------------------------------------- search

def _docx(words: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(words)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _odt(words: str) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    document.text.addElement(P(text=words))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _pdf(words: str) -> bytes:
    """A one-page PDF whose text is `words` (built with pypdf's objects)."""
    from pypdf import PdfWriter
    from pypdf.generic import (DecodedStreamObject, DictionaryObject, NameObject)

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): writer._add_object(font)})})
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 12 Tf 20 100 Td ({words}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _search(client, word) -> set[str]:
    html = client.get(f"/search?q={word}").get_data(as_text=True)
    return set(re.findall(r'<h3><a href="/files/\d+">([^<]+)</a></h3>', html))


def test_search_finds_words_inside_docx_odt_and_pdf_only_for_those_who_may_read_them(
        app, world):
    from app.files.extract import extract_pending
    from app.scheduler import run_job

    c, theme = world["c"], world["theme"]
    upload(c["uploader"], f"/t/{theme.slug}/files/upload",
           ("beleid.docx", _docx("Het wachtlijstbeleid van de regio")),
           ("notitie.odt", _odt("Over de mantelzorgwoning in de wijk")),
           ("rapport.pdf", _pdf("Jaarverslag kwartaalcijfers zorgkosten")))
    assert _search(c["colleague"], "wachtlijstbeleid") == set()  # not read yet
    assert _search(c["colleague"], "beleid") == {"beleid.docx"}  # by its name at once
    db.session.commit()
    with run_job(app):
        assert extract_pending() == 3
    for word, name in (("wachtlijstbeleid", "beleid.docx"), ("mantelzorgwoning", "notitie.odt"),
                       ("kwartaalcijfers", "rapport.pdf")):
        assert _search(c["colleague"], word) == {name}, word
        for who in ("visitor", "outsider"):
            assert _search(c[who], word) == set()
    # restricted to the owner: the colleague no longer finds it by its content
    settings(c["uploader"], f"/files/{file_id('rapport.pdf')}/settings", name="rapport.pdf",
             read="chosen", readers=[world["owner"].id])
    assert _search(c["colleague"], "kwartaalcijfers") == set()
    assert _search(c["owner"], "kwartaalcijfers") == {"rapport.pdf"}


def test_a_broken_document_or_one_over_the_size_cap_is_marked_failed(app, world):
    from app.files.extract import extract_pending
    from app.files.models import TextState
    from app.scheduler import run_job

    c, theme = world["c"], world["theme"]
    upload(c["uploader"], f"/t/{theme.slug}/files/upload", ("kapot.pdf", b"%PDF-1.7 garbage"),
           ("groot.txt", b"woord " * 100))
    app.config["FILES_TEXT_MAX_BYTES"] = 100
    try:
        with run_job(app):
            extract_pending()
    finally:
        app.config["FILES_TEXT_MAX_BYTES"] = 20 * 1024 * 1024
    states = dict(db.session.execute(select(Item.title, File.text_state)
                                     .join(File, File.item_id == Item.id)).all())
    assert states == {"kapot.pdf": TextState.FAILED, "groot.txt": TextState.FAILED}


# ------------------------------------------------------------------------- object storage

def test_files_go_through_s3_storage_too(app, world, s3_server, monkeypatch):
    from tests.test_storage import _s3

    store = _s3(s3_server)
    monkeypatch.setitem(app.extensions, "storage", store)
    c, theme = world["c"], world["theme"]
    folder = make_folder(c["uploader"], f"/t/{theme.slug}/files/folders", "Gedeeld")
    upload(c["uploader"], f"/folders/{folder}/upload", ("s3.txt", b"in de bucket"),
           ("foto.png", _png()))
    fid = file_id("s3.txt")
    assert store.open(db.session.get(File, fid).stored_name).read() == b"in de bucket"
    assert c["colleague"].get(f"/files/{fid}/download").data == b"in de bucket"
    assert c["colleague"].get(f"/files/{file_id('foto.png')}/thumbnail").status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(c["colleague"].get(f"/folders/{folder}/zip").data))
    assert archive.read("s3.txt") == b"in de bucket"


# ------------------------------------------------------------------------- moderation

def test_a_members_upload_to_a_public_part_waits_for_an_admin_in_the_queue(app):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    admin, author, other = (member(theme, role=Role.ADMIN), member(theme), member(theme))
    c = {who: Client(app) for who in ("admin", "author", "other")}
    for who, user in (("admin", admin), ("author", author), ("other", other)):
        c[who].login(user.email)
    resp = upload(c["author"], f"/t/{theme.slug}/files/upload", ("voorstel.txt", b"voorstel"))
    assert resp.status_code == 302
    fid = file_id("voorstel.txt")
    assert c["other"].get(f"/files/{fid}").status_code == 404
    assert c["author"].get(f"/files/{fid}").status_code == 200
    assert "Waiting for approval" in page_text(c["author"].get(f"/t/{theme.slug}/files"))
    queue = c["admin"].get(f"/t/{theme.slug}/moderation")
    assert "voorstel.txt" in page_text(queue)
    resp = c["admin"].post(f"/t/{theme.slug}/moderation/decide",
                           {"target": f"item:{fid}", "action": "approve"})
    assert resp.status_code == 303
    assert c["other"].get(f"/files/{fid}/download").data == b"voorstel"
    assert Client(app).get(f"/files/{fid}/download").data == b"voorstel"  # public part


def test_a_member_cannot_make_files_public_without_an_admin_through_a_folder(app):
    """Files a member brings into the public part of a mixed theme, by opening their folder or
    by moving them into a public folder, wait for an admin like a new public upload."""
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    owner, writer = member(theme, role=Role.OWNER), member(theme)
    c, admin, visitor = Client(app), Client(app), Client(app)
    c.login(writer.email)
    admin.login(owner.email)
    folder = make_folder(c, f"/t/{theme.slug}/files/folders", "Werkmap")
    upload(c, f"/folders/{folder}/upload", ("notulen.txt", b"interne notulen"))
    notes = file_id("notulen.txt")
    assert visitor.get(f"/files/{notes}/download").status_code == 404
    # 1. the member opens the folder to everyone: the folder and the file inside both wait
    assert settings(c, f"/folders/{folder}/settings", name="Werkmap",
                    read="public").status_code == 302
    assert visitor.get(f"/files/{notes}/download").status_code == 404
    assert visitor.get(f"/folders/{folder}").status_code == 404
    assert db.session.get(Item, notes).state == ItemState.PENDING
    # 2. a members-only file the member moves into that public (waiting) folder waits too
    inner = make_folder(c, f"/t/{theme.slug}/files/folders", "Intern")
    upload(c, f"/folders/{inner}/upload", ("plan.txt", b"plan"))
    plan = file_id("plan.txt")
    assert db.session.get(Item, plan).state == ItemState.PUBLISHED  # for the members
    assert settings(c, f"/files/{plan}/settings", name="plan.txt", folder=folder,
                    read="inherit").status_code == 302
    db.session.expire_all()
    assert db.session.get(File, plan).folder_id == folder
    assert db.session.get(Item, plan).state == ItemState.PENDING
    assert visitor.get(f"/files/{plan}/download").status_code == 404
    assert admin.get(f"/files/{plan}/download").status_code == 200  # the admin sees it waiting
