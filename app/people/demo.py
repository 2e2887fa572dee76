"""Demo data of the people pages: profiles with photos and extra fields for the demo
accounts, and a few saved items."""
from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from app import storage
from app.auth.models import User
from app.extensions import db
from app.items.models import Item, ItemState
from app.people import photos
from app.people.models import (Bookmark, FieldKind, Profile, ProfileField, ProfileFieldValue,
                               Visibility)
from app.posts.rendering import render_markdown

V = Visibility
# account, full name, organisation, function, about, colour, name/photo visibility
PROFILES = [
    ("eigenaar.zorg", "Els van Eijk", "Thuiszorg Noord", "Regiocoördinator",
     "Ik verbind **zorgaanbieders** en gemeenten in de regio Noord.", (46, 110, 142), V.PUBLIC),
    ("beheerder.zorg", "Bart Bosman", "Mantelzorgpunt Noord", "Consulent mantelzorg",
     "Vragen over respijtzorg? Stuur me een bericht.", (120, 80, 160), V.LOGGED_IN),
    ("lid.zorg", "Lotte de Leeuw", "Gemeente Noorderveld", "Beleidsmedewerker Wmo",
     "Mantelzorger en beleidsmaker.", (196, 90, 50), V.THEMES),
    ("eigenaar.gemeente", "Gert Groen", "Dienst Omgeving", "Programmamanager klimaat",
     "Trekker van het klimaatplan 2030.", (40, 130, 70), V.LOGGED_IN),
    ("eigenaar.buurt", "Bram Brink", "Buurthuis De Brug", "Coördinator vrijwilligers",
     "Altijd op zoek naar handen voor de buurt.", (170, 60, 90), V.PUBLIC),
]


def _initials_photo(name: str, colour) -> bytes:
    image = Image.new("RGB", (480, 480), colour)
    draw = ImageDraw.Draw(image)
    initials = "".join(part[0] for part in name.split() if part[0].isupper())[:2]
    draw.text((240, 240), initials, fill="white", anchor="mm", font_size=180)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def load_demo(themes, now) -> None:
    users = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
    website = ProfileField(label_nl="Website", label_en="Website", kind=FieldKind.URL, position=1)
    expertise = ProfileField(label_nl="Expertise", label_en="Expertise", kind=FieldKind.TEXT,
                             position=2)
    db.session.add_all([website, expertise])
    db.session.flush()
    for local, name, org, function, about, colour, shown in PROFILES:
        user = users[local]
        photo_name = "photo-demo-" + local.replace(".", "-") + ".jpg"
        storage.get().put(photo_name, io.BytesIO(
            photos.square_jpeg(io.BytesIO(_initials_photo(name, colour)))))
        db.session.add(Profile(
            user_id=user.id, name=name, name_visibility=shown, photo_name=photo_name,
            photo_visibility=shown, organisation=org, organisation_visibility=V.LOGGED_IN,
            function=function, function_visibility=V.THEMES,
            email_visibility=V.THEMES, phone="06 1234 5678", phone_visibility=V.PRIVATE,
            about=about, about_html=render_markdown(about), about_visibility=V.LOGGED_IN))
        db.session.add(ProfileFieldValue(user_id=user.id, field_id=expertise.id,
                                         value="Mantelzorg, Wmo, participatie",
                                         visibility=V.LOGGED_IN))
    db.session.add(ProfileFieldValue(user_id=users["eigenaar.buurt"].id, field_id=website.id,
                                     value="https://debrug.example.org", visibility=V.PUBLIC))
    published = db.session.scalars(select(Item).where(Item.state == ItemState.PUBLISHED)
                                   .order_by(Item.id)).all()
    for i, item in enumerate(published[:3]):
        db.session.add(Bookmark(user_id=users["lid.zorg"].id, item_id=item.id,
                                created_at=now - timedelta(hours=i)))
    db.session.flush()
