"""Memberships by workgroup type (W2/W3), requests decided by admins with mails, roles and
ownership (W13/P13), and who may see what of a theme."""
from __future__ import annotations

import threading

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.permissions import standing
from app.themes import services
from app.themes.models import Membership, MembershipStatus, Role, WorkgroupType
from tests.factories import MembershipFactory, ThemeFactory, UserFactory, member
from tests.helpers import page_text


def membership_of(user, theme):
    return db.session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                      Membership.theme_id == theme.id))


def test_joining_half_open_is_accepted_at_once(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    user = UserFactory()
    client.login(user.email)
    client.post(f"/t/{theme.slug}/join")
    assert membership_of(user, theme).status == MembershipStatus.ACTIVE
    assert "You are a member." in page_text(client.get(f"/t/{theme.slug}"))


def test_closed_request_mailed_to_admins_then_accepted(client, other_client, mailbox):
    theme = ThemeFactory(name="Ouderenzorg", workgroup_type=WorkgroupType.CLOSED)
    admin = member(theme, role=Role.ADMIN)
    owner = member(theme, role=Role.OWNER)
    outsider = member(ThemeFactory(), role=Role.ADMIN)  # admin elsewhere: not mailed
    applicant = UserFactory(username="Anna Aanvrager")

    client.login(applicant.email)
    resp = client.post(f"/t/{theme.slug}/join")
    assert resp.status_code == 302
    page = page_text(client.get(f"/t/{theme.slug}"))
    assert "Your request to join Ouderenzorg waits for an admin" in page
    assert "only its members see the posts" in page
    assert client.get(f"/t/{theme.slug}/members").status_code == 403

    for person in (admin, owner):
        (mail,) = mailbox.wait_for(person.email)
        assert "Anna Aanvrager asks to join Ouderenzorg" in mail.text
        assert mail.link(f"/t/{theme.slug}/moderation?kind=members")
    assert mailbox.to(outsider.email) == []

    other_client.login(admin.email)
    queue = page_text(other_client.get(f"/t/{theme.slug}/requests"))
    assert "Anna Aanvrager" in queue
    m = membership_of(applicant, theme)
    resp = other_client.post(f"/t/{theme.slug}/requests/{m.id}", {"decision": "accept"})
    assert resp.status_code == 302
    assert "Anna Aanvrager is accepted." in page_text(other_client.get(f"/t/{theme.slug}/requests"))

    (mail,) = mailbox.wait_for(applicant.email)
    assert "is accepted" in mail.text and "Ouderenzorg" in mail.subject
    assert "You are a member." in page_text(client.get(f"/t/{theme.slug}"))
    members = page_text(client.get(f"/t/{theme.slug}/members"))
    assert "Anna Aanvrager" in members and "admin" in members and "owner" in members


def test_rejected_applicant_is_told_and_stays_outside(client, other_client, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    admin = member(theme, role=Role.ADMIN)
    applicant = UserFactory()
    MembershipFactory(user=applicant, theme=theme, status=MembershipStatus.PENDING)
    m = membership_of(applicant, theme)
    other_client.login(admin.email)
    other_client.post(f"/t/{theme.slug}/requests/{m.id}", {"decision": "reject"})
    (mail,) = mailbox.wait_for(applicant.email)
    assert "was not accepted" in mail.text
    assert not standing(applicant, theme).is_member
    client.login(applicant.email)
    assert client.get(f"/t/{theme.slug}/members").status_code == 403


def test_mixed_theme_gives_public_part_at_once_and_closed_part_after_acceptance(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.MIXED)
    user = UserFactory()
    client.login(user.email)
    client.post(f"/t/{theme.slug}/join")
    from app.permissions import can_post_closed, can_post_public, can_see_members_only
    assert can_post_public(theme, user) and not can_post_closed(theme, user)
    assert not can_see_members_only(theme, user)
    assert "your request for the closed part waits" in page_text(client.get(f"/t/{theme.slug}"))
    admin = member(theme, role=Role.ADMIN)
    services.decide_request(membership_of(user, theme).id, admin, accept=True)
    db.session.commit()
    assert can_post_closed(theme, user) and can_see_members_only(theme, user)


def test_membership_of_a_theme_gives_access_to_all_its_subthemes():
    root = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    sub = ThemeFactory(parent=root, workgroup_type=WorkgroupType.CLOSED)
    subsub = ThemeFactory(parent=sub, workgroup_type=WorkgroupType.MIXED)
    user = member(root)
    admin = member(root, role=Role.ADMIN)
    sub_member = member(sub)
    for theme in (root, sub, subsub):
        assert standing(user, theme).is_member
        assert standing(admin, theme).is_admin
    assert not standing(sub_member, root).is_member
    assert standing(sub_member, subsub).is_member


def test_unconfirmed_people_have_no_rights_and_their_requests_wait_unseen():
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    ghost = UserFactory(email_confirmed_at=None)
    MembershipFactory(user=ghost, theme=theme, role=Role.ADMIN)
    assert not standing(ghost, theme).is_admin
    pending = UserFactory(email_confirmed_at=None)
    MembershipFactory(user=pending, theme=theme, status=MembershipStatus.PENDING)
    assert services.pending_requests(theme) == []


@pytest.mark.parametrize("who", ["visitor", "non-member", "member", "admin-elsewhere", "pending"])
def test_request_queue_is_for_admins_only(client, who):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    applicant = UserFactory()
    MembershipFactory(user=applicant, theme=theme, status=MembershipStatus.PENDING)
    m = membership_of(applicant, theme)
    if who == "non-member":
        client.login(UserFactory().email)
    elif who == "member":
        client.login(member(theme).email)
    elif who == "admin-elsewhere":
        client.login(member(ThemeFactory(), role=Role.ADMIN).email)
    elif who == "pending":
        client.login(applicant.email)
    queue = client.get(f"/t/{theme.slug}/requests")
    decide = client.post(f"/t/{theme.slug}/requests/{m.id}", {"decision": "accept"})
    if who == "visitor":
        assert queue.status_code == 302 and decide.status_code == 302
        assert queue.headers["Location"].startswith("/login")
    else:
        assert queue.status_code == 403 and decide.status_code == 403
    assert membership_of(applicant, theme).status == MembershipStatus.PENDING


def test_admin_cannot_decide_a_request_of_another_theme_through_own_theme(client):
    mine, theirs = ThemeFactory(), ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    admin = member(mine, role=Role.ADMIN)
    applicant = UserFactory()
    MembershipFactory(user=applicant, theme=theirs, status=MembershipStatus.PENDING)
    client.login(admin.email)
    resp = client.post(f"/t/{mine.slug}/requests/{membership_of(applicant, theirs).id}",
                       {"decision": "accept"})
    assert resp.status_code == 404
    assert membership_of(applicant, theirs).status == MembershipStatus.PENDING


def test_two_admins_deciding_at_once_one_wins_and_one_mail_goes(app, mailbox):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    admins = [member(theme, role=Role.ADMIN, username=f"Admin {i}") for i in range(2)]
    applicant = UserFactory()
    MembershipFactory(user=applicant, theme=theme, status=MembershipStatus.PENDING)
    mid = membership_of(applicant, theme).id
    admin_ids = [a.id for a in admins]
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(admin_id, accept):
        with app.test_request_context(), force_locale("en"):
            admin = db.session.get(type(admins[0]), admin_id)
            barrier.wait()
            try:
                services.decide_request(mid, admin, accept)
                db.session.commit()
                outcomes.append("decided")
            except services.AlreadyDecided as exc:
                outcomes.append(exc.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(admin_ids[0], True)),
               threading.Thread(target=decide, args=(admin_ids[1], False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o == "decided" for o in outcomes) == [False, True]
    loser = next(o for o in outcomes if o != "decided")
    assert "already decided by Admin" in loser
    assert len(mailbox.wait_for(applicant.email)) == 1
    final = membership_of(applicant, theme)
    assert final.status in (MembershipStatus.ACTIVE, MembershipStatus.REJECTED)
    assert final.decided_by_id in admin_ids


def test_owner_appoints_and_removes_admins_members_cannot(client, other_client):
    theme = ThemeFactory()
    owner = member(theme, role=Role.OWNER)
    plain = member(theme, username="Gewoon Lid")
    m = membership_of(plain, theme)
    other_client.login(member(theme, role=Role.ADMIN).email)  # an admin is not the owner
    assert other_client.post(f"/t/{theme.slug}/members/{m.id}/role",
                             {"role": "admin"}).status_code == 403
    client.login(owner.email)
    client.post(f"/t/{theme.slug}/members/{m.id}/role", {"role": "admin"})
    assert membership_of(plain, theme).role == Role.ADMIN
    assert "Gewoon Lid is now admin." in page_text(client.get(f"/t/{theme.slug}/members"))
    client.post(f"/t/{theme.slug}/members/{m.id}/role", {"role": "member"})
    assert membership_of(plain, theme).role == Role.MEMBER
    assert client.post(f"/t/{theme.slug}/members/{m.id}/role",
                       {"role": "owner"}).status_code == 400


def test_ownership_transfer_keeps_exactly_one_owner(client):
    theme = ThemeFactory(name="Klimaatplan")
    owner = member(theme, role=Role.OWNER)
    heir = member(theme, username="Opvolger")
    client.login(owner.email)
    resp = client.post(f"/t/{theme.slug}/transfer", {"member": membership_of(heir, theme).id})
    assert resp.status_code == 302
    assert membership_of(heir, theme).role == Role.OWNER
    assert membership_of(owner, theme).role == Role.ADMIN
    assert "Opvolger now owns Klimaatplan." in page_text(client.get(f"/t/{theme.slug}/members"))
    # The former owner can no longer manage roles.
    assert client.post(f"/t/{theme.slug}/transfer",
                       {"member": membership_of(owner, theme).id}).status_code == 403


def test_the_database_refuses_a_second_owner():
    theme = ThemeFactory()
    member(theme, role=Role.OWNER)
    with pytest.raises(IntegrityError):
        member(theme, role=Role.OWNER)
    db.session.rollback()


def test_member_list_shows_roles_and_is_private(client):
    theme = ThemeFactory(workgroup_type=WorkgroupType.HALF_OPEN)
    member(theme, role=Role.OWNER, username="Els Eigenaar")
    member(theme, role=Role.ADMIN, username="Bart Beheerder")
    reader = member(theme, username="Lotte Lid")
    assert client.get(f"/t/{theme.slug}/members").status_code == 302  # visitor: log in
    client.login(UserFactory().email)
    assert client.get(f"/t/{theme.slug}/members").status_code == 403  # non-member
    client.logout()
    client.login(reader.email)
    text = page_text(client.get(f"/t/{theme.slug}/members")).split("Members of", 1)[1]
    assert text.index("Els Eigenaar") < text.index("Bart Beheerder") < text.index("Lotte Lid")
    assert "owner" in text and "admin" in text and "member" in text
    assert "Transfer ownership" not in text and "Make admin" not in text


def test_platform_owner_creates_theme_and_appoints_owner(client, other_client):
    boss = UserFactory(is_platform_owner=True)
    future_owner = UserFactory(email="eigenaar@example.org", username="Nieuwe Eigenaar")
    client.login(boss.email)
    resp = client.post("/platform/themes", {"name": "Vereniging Buurtwerk",
                                            "slug": "vereniging-buurtwerk",
                                            "description": "Buurtwerkers", "workgroup_type": "mixed",
                                            "parent": "", "owner_email": "eigenaar@example.org"})
    assert resp.status_code == 302
    theme = services.get_theme_by_slug("vereniging-buurtwerk")
    assert theme.workgroup_type == WorkgroupType.MIXED
    assert services.owner_of(theme).id == future_owner.id
    home = page_text(client.get("/"))
    assert "Vereniging Buurtwerk" in home and "Buurtwerkers" in home

    resp = client.post("/platform/themes", {"name": "Dubbel", "slug": "vereniging-buurtwerk",
                                            "workgroup_type": "closed", "parent": ""})
    assert resp.status_code == 422 and "already taken" in page_text(resp)
    assert 'value="Dubbel"' in resp.get_data(as_text=True)
    resp = client.post("/platform/themes", {"name": "Fout", "slug": "Met Spaties!",
                                            "workgroup_type": "closed", "parent": ""})
    assert resp.status_code == 422 and "lower-case letters" in page_text(resp)

    other_client.login(future_owner.email)
    assert other_client.get("/platform/themes").status_code == 403
    # The new owner may create a subtheme.
    resp = other_client.post("/t/vereniging-buurtwerk/subthemes/new", {
        "name": "Vrijwilligers", "slug": "vrijwilligers", "workgroup_type": "half_open",
        "parent": "vereniging-buurtwerk"})
    assert resp.status_code == 302
    assert services.get_theme_by_slug("vrijwilligers").parent_id == theme.id


def test_home_lists_top_level_themes_and_theme_page_lists_subthemes(client):
    root = ThemeFactory(name="Zorgregio Noord", description="Zorg in het noorden")
    ThemeFactory(name="Mantelzorg", parent=root)
    home = page_text(client.get("/"))
    assert "Zorgregio Noord" in home and "Zorg in het noorden" in home
    assert "Mantelzorg" not in home and "1 subtheme" in home
    theme_page = page_text(client.get(f"/t/{root.slug}"))
    assert "Subthemes" in theme_page and "Mantelzorg" in theme_page
    assert client.get("/t/onbekend").status_code == 404


def test_closed_theme_page_tells_an_outsider_it_is_closed(client):
    theme = ThemeFactory(name="Personeelszaken", workgroup_type=WorkgroupType.CLOSED)
    text = page_text(client.get(f"/t/{theme.slug}"))
    assert "This workgroup is closed: only its members see the posts." in text
    assert "Register now" in text
