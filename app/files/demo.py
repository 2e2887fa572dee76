"""Demo files for `make run`: a folder tree with a few files in two themes, one folder with
chosen readers, and a file with two versions."""
from __future__ import annotations

import io

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.auth.models import User
from app.extensions import db
from app.files import services
from app.items.models import WriteAccess


def _files(*named):
    return [FileStorage(stream=io.BytesIO(data), filename=name) for name, data in named]


def _image() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 400), (230, 240, 250))
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 60, 600, 340), outline=(20, 80, 160), width=8)
    draw.ellipse((240, 120, 400, 280), fill=(240, 160, 40))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def load_demo(themes, now) -> None:
    """Folders and files in Gemeente Rivierstad (closed) and Ouderenzorg (closed)."""
    users = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
    griffie, lid = users["beheerder.gemeente"], users["lid.gemeente"]
    rivierstad = themes["gemeente-rivierstad"]
    vergaderingen = services.create_folder(griffie, rivierstad, None, "Vergaderingen")
    services.set_access(griffie, vergaderingen.item, False, services.Access(
        part=vergaderingen.item.part, write_access=WriteAccess.MEMBERS))  # every member adds
    y2026 = services.create_folder(griffie, rivierstad, vergaderingen, "2026")
    services.upload(griffie, rivierstad, y2026, _files(
        ("Agenda januari.txt", "Agenda van het overleg in januari:\n1. Opening\n"
                               "2. Klimaatplan\n3. Rondvraag\n".encode()),
        ("Notulen januari.txt", "Notulen: het klimaatplan krijgt een werkgroep.\n".encode())))
    services.upload(lid, rivierstad, y2026, _files(
        ("Presentielijst.csv", b"naam;aanwezig\nGijs;ja\nGreet;ja\n")))
    services.upload(griffie, rivierstad, y2026, _files(
        ("Notulen januari.txt", "Notulen (vastgesteld): het klimaatplan krijgt een "
                                "werkgroep van vijf leden.\n".encode())))
    beleid = services.create_folder(griffie, rivierstad, None, "Beleid")
    services.upload(griffie, rivierstad, beleid, _files(("Kaart wijken.png", _image())))
    vertrouwelijk = services.create_folder(griffie, rivierstad, beleid, "Vertrouwelijk")
    services.set_access(griffie, vertrouwelijk.item, False, services.Access(
        part=vertrouwelijk.item.part, readers=[users["eigenaar.gemeente"]]))
    services.upload(griffie, rivierstad, vertrouwelijk, _files(
        ("Reorganisatie concept.txt", "Concept: twee afdelingen gaan samen.\n".encode())))
    zorg = themes["ouderenzorg"]
    beheerder = users["beheerder.zorg"]
    capaciteit = services.create_folder(beheerder, zorg, None, "Capaciteit")
    services.upload(beheerder, zorg, capaciteit, _files(
        ("Wachtlijsten per week.csv", b"week;wachtenden\n1;42\n2;39\n3;44\n")))
    db.session.flush()
