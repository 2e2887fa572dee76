"""Theme pages: home, a theme with its subthemes, joining, members, requests and roles;
and the platform owner's theme administration."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import DomainError
from app.auth.forms import JoinForm
from app.auth.services import find_user_by_email
from app.extensions import db
from app.forms import CSRFOnlyForm, choices
from app.features import DISCUSSIONS
from app.permissions import (can_administer, can_manage_roles, can_see_member_list,
                             feature_enabled, is_platform_owner, standing)
from app.themes import services
from app.themes.forms import AppointOwnerForm, MemberChoiceForm, ThemeForm
from app.themes.models import Role
from app.urls import parse_id
from app.pagecache import cacheable
from app.transactions import discard

bp = Blueprint("themes", __name__, template_folder="templates")
platform_bp = Blueprint("platform", __name__, url_prefix="/platform", template_folder="templates")


def _theme_or_404(slug: str):
    return services.get_theme_by_slug(slug) or abort(404)


@bp.route("/")
@cacheable
def home():
    """The list of organisations; on an organisation's own host, that organisation's page."""
    from app.branding.services import host_brand
    from app.outward.services import mark_indexable

    brand = host_brand()
    if brand is not None:
        return show(brand.slug)
    mark_indexable()
    return render_template("themes/home.html", themes=services.top_level_themes())


def _int_arg(name: str, default=None):
    value = request.args.get(name, "")
    return parse_id(value, default)


def join_form_for(theme, s):
    """The join form of the theme page's membership panel (choices only when it shows)."""
    join_form = JoinForm()
    join_form.organisation.choices = []
    if current_user.is_authenticated and s.may_join:  # the form shows
        join_form.organisation.choices = choices([("", _("— none —"))] + [
            (o.id, o.name) for o in services.organisation_choices(theme)])
    return join_form


@bp.route("/t/<slug>")
@cacheable
def show(slug):
    """A theme: its subthemes and its board (filtered, sorted, paginated by query string).
    With discussions switched off the theme's overview is its home."""
    from app.posts.services import SORTS, BoardQuery, board

    theme = _theme_or_404(slug)
    if not feature_enabled(theme, DISCUSSIONS):
        return redirect(url_for("features.overview", slug=theme.slug))
    s = standing(current_user, theme)
    join_form = join_form_for(theme, s)
    from app.outward.services import share_theme
    share_theme(theme)
    from app.search.services import clean_query
    q, _truncated = clean_query(request.args.get("q"))
    sort = request.args.get("sort") or ("relevance" if q else "recent")
    if sort not in SORTS and not (sort == "relevance" and q):
        sort = "relevance" if q else "recent"
    query = BoardQuery(sort=sort, q=q,
                       category_id=_int_arg("category"),
                       filter_value_ids=[i for i in map(parse_id, request.args.getlist("f")) if i],
                       page=_int_arg("page", 1))
    closed_to_viewer = theme.workgroup_type.value == "closed" and not s.is_member
    the_board = None if closed_to_viewer else board(
        theme, query, per_page=current_app.config["POSTS_PER_PAGE"])
    from app.posts.listing import post_list
    return render_template("themes/theme.html", theme=theme, standing=s, join_form=join_form,
                           children=theme.children, board=the_board, query=query,
                           post_list=post_list(theme, the_board, query)
                           if the_board is not None and the_board.total else None)


@bp.route("/t/<slug>/join", methods=["POST"])
@login_required
def join(slug):
    theme = _theme_or_404(slug)
    form = JoinForm()
    form.organisation.choices = choices([("", "")] + [
        (o.id, o.name) for o in services.organisation_choices(theme)])
    if not form.validate_on_submit():
        abort(400)
    try:
        membership = services.join_theme(current_user, theme, form.organisation.data)
        services.notify_request_if_pending(membership)
    except DomainError as exc:
        discard()
        flash(exc.message, "error")
        return redirect(url_for("themes.show", slug=theme.slug))
    if membership.is_active:
        flash(_("Welcome to %(theme)s!", theme=theme.name), "success")
    elif theme.workgroup_type.value == "mixed":
        flash(_("You can post in the public part of %(theme)s now; the closed part opens once "
                "an admin accepts you.", theme=theme.name), "info")
    else:
        flash(_("Your request to join %(theme)s waits for an admin; you will get a mail.",
                theme=theme.name), "info")
    return redirect(url_for("themes.show", slug=theme.slug))


@bp.route("/t/<slug>/members")
@login_required
def members(slug):
    theme = _theme_or_404(slug)
    if not can_see_member_list(theme):
        abort(403)
    from app.themes import roles

    manage = can_manage_roles(theme)
    members_page = roles.member_page(theme, _int_arg("page", 1),
                                     per_page=current_app.config["MEMBERS_PER_PAGE"])
    from app.people.profiles import people_cards
    people_cards([m.user_id for m in members_page.memberships])
    transfer_form = MemberChoiceForm()
    if manage:
        transfer_form.member.choices = choices((m.id, m.user.username)
                                               for m in roles.transfer_candidates(theme))
    return render_template("themes/members.html", theme=theme, members_page=members_page,
                           memberships=members_page.memberships,
                           manage=manage, administer=can_administer(theme), action_form=CSRFOnlyForm(),
                           transfer_form=transfer_form)


@bp.route("/t/<slug>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def set_role(slug, membership_id):
    theme = _theme_or_404(slug)
    if not can_manage_roles(theme):
        abort(403)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    role = request.form.get("role")
    if role not in (Role.ADMIN.value, Role.MEMBER.value):
        abort(400)
    try:
        m = services.set_role(theme, membership_id, Role(role))
    except DomainError as exc:
        discard()
        flash(exc.message, "error")
    else:
        flash(_("%(name)s is now admin.", name=m.user.username) if m.role == Role.ADMIN
              else _("%(name)s is now a member.", name=m.user.username), "success")
    return redirect(url_for("themes.members", slug=theme.slug))


@bp.route("/t/<slug>/transfer", methods=["POST"])
@login_required
def transfer(slug):
    theme = _theme_or_404(slug)
    if not can_manage_roles(theme):
        abort(403)
    form = MemberChoiceForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        m = services.transfer_ownership(theme, form.member.data, by=current_user)
    except DomainError as exc:
        discard()
        flash(exc.message, "error")
    else:
        flash(_("%(name)s now owns %(theme)s.", name=m.user.username, theme=theme.name), "success")
    return redirect(url_for("themes.members", slug=theme.slug))


@bp.route("/t/<slug>/requests")
@login_required
def requests(slug):
    theme = _theme_or_404(slug)
    if not can_administer(theme):
        abort(403)
    return render_template("themes/requests.html", theme=theme,
                           pending=services.pending_requests(theme), form=CSRFOnlyForm())


@bp.route("/t/<slug>/requests/<int:membership_id>", methods=["POST"])
@login_required
def decide(slug, membership_id):
    theme = _theme_or_404(slug)
    if not can_administer(theme):
        abort(403)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        abort(400)
    m = db.session.get(services.Membership, membership_id)
    if m is None or m.theme_id not in services.subtree_ids(theme):
        abort(404)
    try:
        m = services.decide_request(membership_id, current_user, decision == "accept")
    except services.AlreadyDecided as exc:
        flash(exc.message, "warning")
    else:
        flash(_("%(name)s is accepted.", name=m.user.username) if decision == "accept"
              else _("The request of %(name)s is rejected.", name=m.user.username), "success")
    return redirect(url_for("themes.requests", slug=theme.slug))


@bp.route("/t/<slug>/subthemes/new", methods=["GET", "POST"])
@login_required
def new_subtheme(slug):
    parent = _theme_or_404(slug)
    if not can_manage_roles(parent):
        abort(403)
    form = ThemeForm()
    form.parent.choices = choices([(parent.slug, parent.name)])
    del form.owner_email
    status = 200
    if form.validate_on_submit():
        try:
            theme = services.create_theme(name=form.name.data, slug=form.slug.data,
                                          description=form.description.data,
                                          workgroup_type=form.workgroup_type.data, parent=parent)
        except DomainError as exc:
            discard()
            getattr(form, exc.field or "name").errors.append(exc.message)
            status = 422
        else:
            flash(_("Subtheme %(theme)s created.", theme=theme.name), "success")
            return redirect(url_for("themes.show", slug=theme.slug))
    elif form.is_submitted():
        status = 422
    return render_template("themes/theme_form.html", form=form, parent=parent), status


# ------------------------------------------------------------------ platform owner

@platform_bp.before_request
@login_required
def _platform_owner_only():
    if not is_platform_owner():
        abort(403)


@platform_bp.route("/themes", methods=["GET", "POST"])
def themes():
    tree = services.theme_tree()
    form = ThemeForm()
    form.parent.choices = choices([("", _("— top level (organisation or project) —"))] + [
        (t.slug, "\u2003" * t.tree_depth + t.name) for t in tree])
    status = 200
    if form.validate_on_submit():
        parent = services.get_theme_by_slug(form.parent.data) if form.parent.data else None
        owner = find_user_by_email(form.owner_email.data) if form.owner_email.data else None
        if form.owner_email.data and owner is None:
            form.owner_email.errors.append(_("No account has this address; the owner must "
                                             "register first."))
            status = 422
        else:
            try:
                theme = services.create_theme(name=form.name.data, slug=form.slug.data,
                                              description=form.description.data,
                                              workgroup_type=form.workgroup_type.data, parent=parent)
                if owner is not None:
                    services.appoint_owner(theme, owner, decided_by=current_user)
            except DomainError as exc:
                discard()
                getattr(form, exc.field or "name").errors.append(exc.message)
                status = 422
            else:
                flash(_("Theme %(theme)s created.", theme=theme.name), "success")
                return redirect(url_for("platform.themes"))
    elif form.is_submitted():
        status = 422
    owners = {t.id: services.owner_of(t) for t in tree}
    return render_template("platform/themes.html", tree=tree, form=form, owners=owners,
                           owner_form=AppointOwnerForm()), status


@platform_bp.route("/themes/<slug>/owner", methods=["POST"])
def appoint_owner(slug):
    theme = _theme_or_404(slug)
    form = AppointOwnerForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is None:
            flash(_("No account has the address %(email)s.", email=form.email.data), "error")
        else:
            services.appoint_owner(theme, user, decided_by=current_user)
            flash(_("%(name)s now owns %(theme)s.", name=user.username, theme=theme.name), "success")
    else:
        flash(_("Enter a valid e-mail address."), "error")
    return redirect(url_for("platform.themes"))
