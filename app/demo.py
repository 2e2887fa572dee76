"""Demo data for `make run`: organisations, themes of each type with subthemes, and members
of every role. All demo accounts share one password, printed by `flask demo accounts`."""
from __future__ import annotations

from datetime import timedelta

from app.auth.models import User
from app.extensions import db
from app.filters.models import Category, FilterGroup, FilterValue
from app.moderation.models import Report, ReportReason
from app.items.models import Comment, Item, ItemState, Part, Star, read_access_for
from app.posts.rendering import render_markdown
from app.organisations.models import Organisation
from app.themes import services
from app.themes.models import Membership, MembershipStatus, Role
from app.timeutil import utcnow

DEMO_PASSWORD = "Demo-werkgroep-2026"
DOMAIN = "demo.example.org"

THEMES = [
    # slug, name, type, parent, description
    ("zorgregio-noord", "Zorgregio Noord", "half_open", None,
     "Zorgverleners, gemeenten en mantelzorgers uit de regio Noord delen ervaringen en ideeën."),
    ("mantelzorg", "Mantelzorg", "half_open", "zorgregio-noord",
     "Ondersteuning van mantelzorgers: respijtzorg, informatie en praktische tips."),
    ("jonge-mantelzorgers", "Jonge mantelzorgers", "mixed", "mantelzorg",
     "Voor en over jongeren die voor een naaste zorgen."),
    ("ouderenzorg", "Ouderenzorg", "closed", "zorgregio-noord",
     "Werkgroep van de zorgaanbieders: afspraken over capaciteit en wachtlijsten."),
    ("gemeente-rivierstad", "Gemeente Rivierstad", "closed", None,
     "Interne werkgroepen van de gemeente Rivierstad."),
    ("klimaatplan", "Klimaatplan", "mixed", "gemeente-rivierstad",
     "Het klimaatplan 2030: publieke ideeën en interne uitwerking."),
    ("personeelszaken", "Personeelszaken", "closed", "gemeente-rivierstad",
     "Beleid en afspraken rond personeel."),
    ("vereniging-buurtwerk", "Vereniging Buurtwerk", "mixed", None,
     "Buurtwerkers en vrijwilligers van alle wijken."),
    ("vrijwilligers", "Vrijwilligers", "half_open", "vereniging-buurtwerk",
     "Vrijwilligers vinden, begeleiden en bedanken."),
]

# theme slug, name, activities, contact address (local part at DOMAIN)
ORGANISATIONS = [
    ("zorgregio-noord", "Thuiszorg Noord", "Thuiszorg en wijkverpleging in de hele regio.",
     "info.thuiszorg"),
    ("zorgregio-noord", "Mantelzorgpunt Noord", "Informatie en steun voor mantelzorgers.",
     "mantelzorgpunt"),
    ("zorgregio-noord", "Gemeente Noorderveld", "Lokaal bestuur, sociaal domein.",
     "sociaal.noorderveld"),
    ("gemeente-rivierstad", "Dienst Omgeving", "Ruimtelijke ordening en milieu.", "omgeving"),
    ("gemeente-rivierstad", "Dienst Personeel", "HR en organisatieontwikkeling.", "personeel"),
    ("vereniging-buurtwerk", "Buurthuis De Brug", "Buurthuis in de wijk Oost.", "debrug"),
]

# email local part, user name, theme slug, role, status, platform owner?
ACCOUNTS = [
    ("platform", "Pleun (platform)", None, None, None, True),
    ("eigenaar.zorg", "Els Eigenaar", "zorgregio-noord", Role.OWNER, MembershipStatus.ACTIVE, False),
    ("beheerder.zorg", "Bart Beheerder", "zorgregio-noord", Role.ADMIN, MembershipStatus.ACTIVE, False),
    ("lid.zorg", "Lotte Lid", "zorgregio-noord", Role.MEMBER, MembershipStatus.ACTIVE, False),
    ("eigenaar.gemeente", "Gert Gemeente", "gemeente-rivierstad", Role.OWNER,
     MembershipStatus.ACTIVE, False),
    ("beheerder.gemeente", "Greet Griffie", "gemeente-rivierstad", Role.ADMIN,
     MembershipStatus.ACTIVE, False),
    ("lid.gemeente", "Gijs Gemeentelid", "gemeente-rivierstad", Role.MEMBER,
     MembershipStatus.ACTIVE, False),
    ("aanvrager", "Anna Aanvrager", "gemeente-rivierstad", Role.MEMBER,
     MembershipStatus.PENDING, False),
    ("eigenaar.buurt", "Bram Buurtwerk", "vereniging-buurtwerk", Role.OWNER,
     MembershipStatus.ACTIVE, False),
    ("lid.buurt", "Bo Buurtgenoot", "vereniging-buurtwerk", Role.MEMBER,
     MembershipStatus.PENDING, False),
]


def load() -> None:
    """Create the demo board. Commits."""
    themes = {}
    for slug, name, kind, parent, description in THEMES:
        themes[slug] = services.create_theme(name=name, slug=slug, workgroup_type=kind,
                                             description=description,
                                             parent=themes.get(parent))
    for position, slug in enumerate(s for s, *_ in THEMES):
        themes[slug].position = position
    orgs = {}
    for slug, name, description, contact in ORGANISATIONS:
        org = Organisation(theme=themes[slug], name=name, description=description,
                           contact_email=f"{contact}@{DOMAIN}")
        db.session.add(org)
        orgs.setdefault(slug, org)
    now = utcnow()
    for local, username, slug, role, status, platform in ACCOUNTS:
        user = User(email=f"{local}@{DOMAIN}", username=username, locale="nl",
                    email_confirmed_at=now, is_platform_owner=platform)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        if slug:
            db.session.add(Membership(user=user, theme=themes[slug], role=role, status=status,
                                      organisation=orgs.get(slug)))
        db.session.flush()
    _load_board(themes, now)
    from app.people.demo import load_demo as load_people
    load_people(themes, now)
    from app.inbox.demo import load_demo as load_roles_demo
    load_roles_demo(themes, now)
    from app.files.demo import load_demo as load_files
    load_files(themes, now)
    from app.toolkit.demo import load_demo as load_toolkit
    load_toolkit(themes, now)
    from app.events.demo import load_demo as load_events
    load_events(themes, now)
    from app.branding.demo import load_demo as load_branding
    load_branding(themes, now)
    from app.wiki.demo import load_demo as load_wiki
    load_wiki(themes, now)
    from app.tasks.demo import load_demo as load_tasks
    load_tasks(themes, now)
    db.session.commit()


def _load_board(themes, now) -> None:
    """Categories, filters and posts of every kind: public, pending, rejected, closed part,
    restricted audience, with replies and stars."""
    users = {u.email.split("@")[0]: u for u in db.session.scalars(db.select(User))}
    cats, values = {}, {}
    for slug in ("zorgregio-noord", "gemeente-rivierstad", "vereniging-buurtwerk"):
        for i, name in enumerate(["Vraag", "Idee", "Ervaring", "Aankondiging"]):
            cats[(slug, name)] = Category(theme_id=themes[slug].id, name=name, position=i)
            db.session.add(cats[(slug, name)])
    for slug, group, names in [("zorgregio-noord", "Regio", ["Noord", "Oost", "West"]),
                               ("zorgregio-noord", "Doelgroep", ["Ouderen", "Jongeren", "Gezinnen"]),
                               ("gemeente-rivierstad", "Wijk", ["Centrum", "Haven", "Rivierkwartier"])]:
        g = FilterGroup(theme_id=themes[slug].id, name=group)
        g.values = [FilterValue(name=n, position=i) for i, n in enumerate(names)]
        db.session.add(g)
        for v in g.values:
            values[v.name] = v
    db.session.flush()

    def post(slug, author, title, body, *, part=Part.PUBLIC, state=ItemState.PUBLISHED,
             category=None, tags=(), replies=(), stars=(), audience=(), note=None, days=1):
        created = now - timedelta(days=days)
        root = themes[slug].root.slug
        p = Item(theme_id=themes[slug].id, author=users[author], title=title, body=body,
                 body_html=render_markdown(body), part=part, state=state,
                 category=cats.get((root, category)), read_access=read_access_for(part, bool(audience)),
                 moderation_note=note, created_at=created,
                 published_at=created if state == ItemState.PUBLISHED else None,
                 last_activity_at=created if state == ItemState.PUBLISHED else None)
        p.filter_values = [values[t] for t in tags]
        p.readers = [users[a] for a in audience]
        db.session.add(p)
        db.session.flush()
        for i, (who, text) in enumerate(replies):
            at = created + timedelta(hours=3 * (i + 1))
            db.session.add(Comment(item_id=p.id, author=users[who], body=text,
                                 body_html=render_markdown(text), state=ItemState.PUBLISHED,
                                 created_at=at, published_at=at))
            p.comment_count += 1
            p.last_comment_at = p.last_activity_at = at
        for who in stars:
            db.session.add(Star(user_id=users[who].id, item_id=p.id))
            p.star_count += 1
        return p

    post("zorgregio-noord", "lid.zorg", "Respijtzorg in de regio: wie heeft ervaring?",
         "Wij zoeken **logeeropvang** voor een moeder met dementie. Wie kent goede adressen?\n\n"
         "- liefst in Noord\n- een paar dagen per maand",
         category="Vraag", tags=["Noord", "Ouderen"], days=6, stars=["beheerder.zorg", "eigenaar.zorg"],
         replies=[("beheerder.zorg", "Het Mantelzorgpunt Noord heeft een lijst; ik stuur hem door."),
                  ("eigenaar.zorg", "In Oost start volgende maand een nieuw logeerhuis.")])
    post("zorgregio-noord", "beheerder.zorg", "Regionale bijeenkomst mantelzorg op 12 december",
         "Iedereen is welkom in het gemeentehuis van Noorderveld, 19.30 uur.",
         category="Aankondiging", tags=["Noord", "Oost", "West"], days=3, stars=["lid.zorg"])
    reported = post("zorgregio-noord", "eigenaar.zorg", "Idee: één loket voor hulpmiddelen",
         "Laten we de uitleen van rolstoelen en tilliften regionaal regelen.",
         category="Idee", tags=["West", "Gezinnen"], days=10,
         replies=[("lid.zorg", "Goed idee; nu moet je naar drie plekken.")])
    post("zorgregio-noord", "lid.zorg", "Mijn ervaring met de nieuwe wijkverpleging",
         "Wacht op goedkeuring door een beheerder.", category="Ervaring", tags=["Oost"],
         state=ItemState.PENDING, days=0)
    post("zorgregio-noord", "lid.zorg", "Te koop: traplift", "Nauwelijks gebruikt, € 900.",
         state=ItemState.REJECTED, note="Dit platform is niet bedoeld voor advertenties.", days=2)
    post("ouderenzorg", "beheerder.zorg", "Capaciteit verpleeghuizen eerste kwartaal",
         "Interne cijfers per aanbieder volgen in de bijlage.", part=Part.CLOSED,
         category="Aankondiging", days=4, replies=[("eigenaar.zorg", "Dank, ik bespreek het dinsdag.")])
    post("ouderenzorg", "eigenaar.zorg", "Vertrouwelijk: personele bezetting",
         "Alleen voor de beheerders en Lotte.", part=Part.CLOSED, audience=["lid.zorg"], days=1)
    post("gemeente-rivierstad", "lid.gemeente", "Planning begroting 2027",
         "Wie levert de cijfers van het sociaal domein aan?", part=Part.CLOSED,
         category="Vraag", tags=["Centrum"], days=5, stars=["beheerder.gemeente"],
         replies=[("beheerder.gemeente", "Dat doet Dienst Omgeving, voor 1 december.")])
    post("klimaatplan", "eigenaar.gemeente", "Zonnepanelen op alle scholen",
         "Publiek voorstel voor het klimaatplan 2030. Wat vindt u ervan?", category="Idee",
         tags=["Haven"], days=7, stars=["lid.gemeente", "beheerder.gemeente"])
    post("klimaatplan", "lid.gemeente", "Uitwerking warmtenet (intern)",
         "Conceptberekeningen, nog niet voor publicatie.", part=Part.CLOSED, days=2)
    post("vereniging-buurtwerk", "eigenaar.buurt", "Vrijwilligers gezocht voor de buurtbarbecue",
         "Zaterdag 14 juni, vanaf 15 uur. Wie helpt mee?", category="Aankondiging", days=8)
    post("vereniging-buurtwerk", "lid.buurt", "Sleutel buurthuis kwijt?",
         "Wacht op goedkeuring.", state=ItemState.PENDING, days=0)
    db.session.add(Report(theme_id=reported.theme_id, target=f"post:{reported.id}",
                          item_id=reported.id, reporter=users["lid.zorg"],
                          reason=ReportReason.OTHER,
                          text="Dit idee stond vorige maand ook al op het platform."))


def print_accounts(echo) -> None:
    echo("")
    echo("Demo accounts (password for all: %s)" % DEMO_PASSWORD)
    for local, username, slug, role, status, platform in ACCOUNTS:
        what = "platform owner" if platform else (
            f"{role.value} of {slug}" + (" (request pending)" if status == MembershipStatus.PENDING else ""))
        echo(f"  {local + '@' + DOMAIN:40} {what}")
    echo("")
