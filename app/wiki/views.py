"""Pages of the wiki: the tree of a theme's pages, a page with its subpages, writing and
editing (with the edit conflict of two people saving at once), history, differences, restore."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.features import WIKI
from app.forms import CSRFOnlyForm, choices
from app.items import access
from app.items import comments
from app.items.kinds import ItemKind
from app.items.models import ItemState
from app.pagecache import cacheable
from app.permissions import (can_change_readers, feature_enabled,
                             load_item, may_create, standing)
from app.posts import services as post_services
from app.posts.forms import ReplyForm
from app.themes.models import WorkgroupType
from app.themes.services import get_theme_by_slug
from app.transactions import discard
from app.urls import parse_id
from app.wiki import services
from app.wiki.forms import PageForm

bp = Blueprint("wiki", __name__, template_folder="templates")


def _theme(slug):
    theme = get_theme_by_slug(slug) or abort(404)
    if not feature_enabled(theme, WIKI):
        abort(404)
    return theme


@bp.route("/t/<slug>/wiki")
@cacheable
def index(slug):
    """The theme's wiki: every page the viewer may see, as a tree."""
    from app.themes.views import join_form_for

    theme = _theme(slug)
    s = standing(current_user, theme)
    return render_template("wiki/index.html", theme=theme, standing=s,
                           join_form=join_form_for(theme, s), children=theme.children,
                           board=None, query=None, tree=services.tree(theme),
                           current_tab=WIKI)


def _prepare(form: PageForm, theme, item=None):
    """Choices of the form: the pages it may go under, the members to choose from."""
    below = set()
    if item is not None:  # the page itself and its subpages are no place for it
        parents = services.parents_of(theme.id)
        below = {item.id}
        changed = True
        while changed:
            more = {p for p, parent in parents.items() if parent in below} - below
            changed = bool(more)
            below |= more
    places = [("", _("— top of the wiki —"))] + [
        (page.id, "\u2003" * depth + page.title)
        for depth, page in services.flatten(services.tree(theme)) if page.id not in below]
    form.parent.choices = choices(places)
    author = item.author if item is not None and item.author else current_user
    may_change = item is None or can_change_readers(item)
    return (access.member_choices(theme, author) if may_change else []), may_change


def _input(form: PageForm) -> services.PageInput:
    return services.PageInput(title=form.title.data, body=form.body.data,
                              parent_id=form.parent.data,
                              base_revision=parse_id(form.base_revision.data or ""),
                              access=access.access_input(form))


def _save_or_show(form, theme, item, members, may_change, save, pending, done):
    """A valid form is saved and leads to the page. Otherwise the form comes back with what
    was typed: 422 with the problem named, or 409 when someone else saved the page since this
    edit started (then with what they changed)."""
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            saved = save(_input(form))
        except services.EditConflict as exc:
            discard()
            status = 409
            current = services.current_revision(item)
            base = services.revision(item, exc.base) if exc.base <= current.number else current
            conflict = {"current": current,
                        "theirs": services.diff(base.title, base.body, current.title,
                                                current.body),
                        "yours": services.diff(current.title, current.body,
                                               form.title.data or "", form.body.data or "")}
            form.base_revision.data = str(current.number)  # saving again overwrites theirs
        except (services.WikiError, access.AccessError) as exc:
            discard()
            getattr(form, exc.field or "title").errors.append(exc.message)
            status = 422
        else:
            waits = saved.state == ItemState.PENDING
            flash(pending if waits else done, "info" if waits else "success")
            return redirect(url_for("wiki.show", item_id=saved.id))
    elif form.is_submitted():
        status = 422
    return render_template("wiki/form.html", form=form, theme=theme, page=item,
                           members=members, may_change=may_change, conflict=conflict,
                           standing=standing(current_user, theme)), status


@bp.route("/t/<slug>/wiki/new", methods=["GET", "POST"])
@login_required
def new(slug):
    theme = _theme(slug)
    if not may_create(theme, ItemKind.WIKI_PAGE):
        abort(403)
    form = PageForm()
    if request.method == "GET":
        form.parent.data = parse_id(request.args.get("parent") or "")
        if theme.workgroup_type == WorkgroupType.MIXED:
            form.part.data = "closed" if standing(current_user, theme).is_member else "public"
    members, may_change = _prepare(form, theme)
    return _save_or_show(
        form, theme, None, members, may_change,
        save=lambda data: services.create_page(current_user, theme, data),
        pending=_("The page is saved and waits for approval by an admin."),
        done=_("The page is published."))


@bp.route("/wiki/<int:item_id>")
@cacheable
def show(item_id):
    item = load_item(item_id, ItemKind.WIKI_PAGE)
    return _render_show(item, ReplyForm(), parse_id(request.args.get("page"), default=1))


@comments.item_page(ItemKind.WIKI_PAGE, comments.REACTION, _l("You cannot react to this."))
def _render_show(item, reply_form, page, status=200):
    return render_template(
        "wiki/show.html", item=item, theme=item.theme, ancestors=services.ancestors(item),
        subpages=services.children(item), current=services.current_revision(item),
        starred=item.id in post_services.starred_ids(current_user, [item.id]),
        **comments.section(item, page, reply_form)), status


@bp.route("/wiki/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id):
    item = load_item(item_id, ItemKind.WIKI_PAGE, write=True)
    theme = item.theme
    form = PageForm()
    if request.method == "GET":
        page = services.page_of(item)
        form.title.data, form.body.data = item.title, item.body
        form.parent.data = page.parent_id
        form.base_revision.data = str(page.revision)
        form.audience.data = [u.id for u in item.readers]
        form.write_access.data = item.write_access.value
        form.writers.data = [u.id for u in item.writers]
    members, may_change = _prepare(form, theme, item)
    return _save_or_show(
        form, theme, item, members, may_change,
        save=lambda data: services.edit_page(current_user, item, data),
        pending=_("Your changes are saved; the page waits for approval by an admin."),
        done=_("Your changes are saved."))


@bp.route("/wiki/<int:item_id>/delete", methods=["POST"])
@login_required
def delete(item_id):
    item = load_item(item_id, ItemKind.WIKI_PAGE, write=True)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    slug = item.theme.slug
    services.delete_page(current_user, item)
    flash(_("The page is deleted; its subpages moved up one level."), "success")
    return redirect(url_for("wiki.index", slug=slug))


@bp.route("/wiki/<int:item_id>/history")
def history(item_id):
    item = load_item(item_id, ItemKind.WIKI_PAGE)
    return render_template("wiki/history.html", item=item, theme=item.theme,
                           revisions=services.history(item))


@bp.route("/wiki/<int:item_id>/diff")
def diff(item_id):
    """The differences between two revisions (?from=&to=; by default the last change)."""
    item = load_item(item_id, ItemKind.WIKI_PAGE)
    current = services.current_revision(item)
    new_number = parse_id(request.args.get("to") or "", default=current.number)
    old_number = parse_id(request.args.get("from") or "", default=max(1, new_number - 1))
    old, new = services.revision(item, old_number), services.revision(item, new_number)
    return render_template("wiki/diff.html", item=item, theme=item.theme, old=old, new=new,
                           diff=services.diff(old.title, old.body, new.title, new.body))


@bp.route("/wiki/<int:item_id>/revisions/<int:number>")
def revision(item_id, number):
    from app.posts.rendering import render_markdown

    item = load_item(item_id, ItemKind.WIKI_PAGE)
    old = services.revision(item, number)
    return render_template("wiki/revision.html", item=item, theme=item.theme, old=old,
                           body_html=render_markdown(old.body),
                           current=services.page_of(item).revision, action_form=CSRFOnlyForm())


@bp.route("/wiki/<int:item_id>/revisions/<int:number>/restore", methods=["POST"])
@login_required
def restore(item_id, number):
    item = load_item(item_id, ItemKind.WIKI_PAGE, write=True)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    try:
        made = services.restore(current_user, item, number)
    except services.EditConflict:
        discard()
        flash(_("Someone else changed this page just now; look at the history and try again."),
              "error")
        return redirect(url_for("wiki.history", item_id=item.id))
    flash(_("Revision %(old)d is the current text again (as revision %(new)d).",
            old=number, new=made.number), "success")
    return redirect(url_for("wiki.show", item_id=item.id))
