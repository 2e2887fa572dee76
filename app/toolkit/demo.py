"""Demo content of questions, blog articles and status updates for `make run`: in each demo
organisation, with answers (one marked best), starred answers, a cover image made here, a
video link, a link and one that waits for approval."""
from __future__ import annotations

import io
import secrets
from datetime import timedelta

from PIL import Image, ImageDraw

from app import storage
from app.auth.models import User
from app.extensions import db
from app.items.kinds import ItemKind
from app.items.models import Attachment, Comment, Item, ItemState, Part, read_access_for
from app.posts.rendering import render_markdown
from app.toolkit.models import BlogArticle, CommentStar, Question, StatusUpdate
from app.toolkit.services import title_of


def _cover(colour: tuple[int, int, int], label: str) -> Attachment:
    """A small banner image, stored as an upload would be."""
    image = Image.new("RGB", (960, 360), colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, 960, 48):
        draw.line([(x, 360), (x + 180, 0)], fill=tuple(min(255, c + 30) for c in colour), width=6)
    draw.text((40, 300), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    out.seek(0)
    name = secrets.token_hex(16) + ".jpg"
    size = storage.get().put(name, out)
    return Attachment(stored_name=name, filename="omslag.jpg", content_type="image/jpeg",
                      size=size, is_image=True)


def load_demo(themes, now) -> None:
    """Questions, articles and updates in the demo themes (called by app.demo)."""
    users = {u.email.split("@")[0]: u for u in db.session.scalars(db.select(User))}

    def item(kind, slug, author, title, body, *, part=Part.PUBLIC, state=ItemState.PUBLISHED,
             days=1):
        created = now - timedelta(days=days, hours=2)
        published = created if state == ItemState.PUBLISHED else None
        row = Item(kind=kind, theme_id=themes[slug].id, author=users[author], title=title,
                   body=body, body_html=render_markdown(body), part=part, state=state,
                   read_access=read_access_for(part, False), created_at=created,
                   published_at=published, last_activity_at=published)
        db.session.add(row)
        db.session.flush()
        return row

    def comments(row, entries):
        made = []
        for i, (who, text) in enumerate(entries):
            at = row.created_at + timedelta(hours=2 * (i + 1))
            c = Comment(item_id=row.id, author=users[who], body=text,
                        body_html=render_markdown(text), state=ItemState.PUBLISHED,
                        created_at=at, published_at=at)
            db.session.add(c)
            row.comment_count += 1
            row.last_comment_at = row.last_activity_at = at
            made.append(c)
        db.session.flush()
        return made

    # Questions
    q = item(ItemKind.QUESTION, "zorgregio-noord", "lid.zorg",
             "Hoe vraag ik een mantelzorgwaardering aan?",
             "Mijn buurvrouw zorgt voor haar man. Waar vraagt ze de jaarlijkse waardering aan?",
             days=4)
    answers = comments(q, [("beheerder.zorg", "Bij de gemeente, via het formulier op de site."),
                           ("eigenaar.zorg", "Het **Mantelzorgpunt Noord** helpt met invullen; "
                                             "bel op dinsdag of donderdag.")])
    db.session.add(Question(item_id=q.id, best_comment_id=answers[1].id,
                            best_marked_at=answers[1].created_at + timedelta(hours=1)))
    for who in ("lid.zorg", "beheerder.zorg"):
        db.session.add(CommentStar(user_id=users[who].id, comment_id=answers[1].id))
        answers[1].star_count += 1
    open_q = item(ItemKind.QUESTION, "zorgregio-noord", "beheerder.zorg",
                  "Wie kent een logeerhuis voor jongeren?",
                  "Voor een gezin in West zoeken we af en toe een weekend opvang.", days=1)
    comments(open_q, [("lid.zorg", "In Oost opent binnenkort iets, ik vraag het na.")])
    db.session.add(Question(item_id=open_q.id))
    gq = item(ItemKind.QUESTION, "gemeente-rivierstad", "lid.gemeente",
              "Welke sjabloon gebruiken we voor raadsvoorstellen?",
              "Er circuleren twee versies. Welke is de juiste?", part=Part.CLOSED, days=2)
    comments(gq, [("beheerder.gemeente",
                   "Die van september, op de intranetpagina van de griffie.")])
    db.session.add(Question(item_id=gq.id))
    wq = item(ItemKind.QUESTION, "vereniging-buurtwerk", "lid.buurt",
              "Mag ik de buurthuissleutel lenen?", "Voor de repetitie van het koor.",
              state=ItemState.PENDING, days=0)
    db.session.add(Question(item_id=wq.id))

    # Blog articles
    for slug, author, title, intro, body, colour, part in [
            ("zorgregio-noord", "eigenaar.zorg", "Terugblik op de regiodag mantelzorg",
             "Zestig mantelzorgers en professionals deelden ervaringen over respijtzorg.",
             "## Wat we hoorden\n\nRespijtzorg is er wel, maar **vinden** is lastig.\n\n"
             "- één loket\n- een actuele lijst van logeerhuizen", (30, 90, 140), Part.PUBLIC),
            ("gemeente-rivierstad", "beheerder.gemeente", "Zo werkt het nieuwe zaaksysteem",
             "Vanaf januari registreren alle diensten hun zaken op dezelfde manier.",
             "Een korte handleiding voor collega's, met de belangrijkste knoppen.",
             (120, 60, 30), Part.CLOSED),
            ("vereniging-buurtwerk", "eigenaar.buurt", "Onze vrijwilligers in het zonnetje",
             "Een avond om iedereen te bedanken die het buurthuis draaiende houdt.",
             "Met muziek, hapjes en een woord van dank van het bestuur.", (40, 120, 60),
             Part.PUBLIC)]:
        article = item(ItemKind.BLOG, slug, author, title, body, part=part, days=3)
        cover = _cover(colour, title)
        article.attachments.append(cover)
        db.session.flush()
        db.session.add(BlogArticle(item_id=article.id, intro=intro, cover_id=cover.id))
        comments(article, [("lid.zorg" if slug == "zorgregio-noord" else author,
                            "Dank voor het verslag!")])

    # Status updates
    for slug, author, message, video, link, part, days in [
            ("zorgregio-noord", "beheerder.zorg",
             "De nieuwe folder over respijtzorg is klaar. Bekijk ook de korte film!",
             "https://www.youtube.com/watch?v=dQw4w9WgXcQ", None, Part.PUBLIC, 0),
            ("zorgregio-noord", "lid.zorg", "Het Mantelzorgpunt is deze week op vrijdag gesloten.",
             None, "https://www.mantelzorg.nl/", Part.PUBLIC, 1),
            ("gemeente-rivierstad", "eigenaar.gemeente",
             "De begrotingscijfers staan klaar in de map van de griffie.", None, None,
             Part.CLOSED, 1),
            ("vereniging-buurtwerk", "eigenaar.buurt",
             "Terugblik op de buurtbarbecue in beeld.", "https://vimeo.com/76979871", None,
             Part.PUBLIC, 2)]:
        u = item(ItemKind.STATUS_UPDATE, slug, author, title_of(message), message, part=part,
                 days=days)
        db.session.add(StatusUpdate(item_id=u.id, video_url=video, link_url=link))
    db.session.flush()
