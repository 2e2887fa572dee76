"""Demo data for `make run`: organisations, themes of each type with subthemes, and members
of every role. All demo accounts share one password, printed by `flask demo accounts`."""
from __future__ import annotations

from app.auth.models import User
from app.extensions import db
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

ORGANISATIONS = [
    ("zorgregio-noord", "Thuiszorg Noord", "Thuiszorg en wijkverpleging in de hele regio."),
    ("zorgregio-noord", "Mantelzorgpunt Noord", "Informatie en steun voor mantelzorgers."),
    ("zorgregio-noord", "Gemeente Noorderveld", "Lokaal bestuur, sociaal domein."),
    ("gemeente-rivierstad", "Dienst Omgeving", "Ruimtelijke ordening en milieu."),
    ("gemeente-rivierstad", "Dienst Personeel", "HR en organisatieontwikkeling."),
    ("vereniging-buurtwerk", "Buurthuis De Brug", "Buurthuis in de wijk Oost."),
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
    for slug, name, description in ORGANISATIONS:
        org = Organisation(theme=themes[slug], name=name, description=description)
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
    db.session.commit()


def print_accounts(echo) -> None:
    echo("")
    echo("Demo accounts (password for all: %s)" % DEMO_PASSWORD)
    for local, username, slug, role, status, platform in ACCOUNTS:
        what = "platform owner" if platform else (
            f"{role.value} of {slug}" + (" (request pending)" if status == MembershipStatus.PENDING else ""))
        echo(f"  {local + '@' + DOMAIN:40} {what}")
    echo("")
