"""What the three kinds' pages share: the theme of a kind's page, the write form (new and
edit: a valid form saves and leads to the item; otherwise the form again, 422, with the
problem named and what was typed kept), deleting, and the item and list pages' frame."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import DomainError
from app.forms import CSRFOnlyForm
from app.items import comments
from app.items.kinds import item_url
from app.items.models import ItemState
from app.permissions import can_change_readers, feature_enabled, may_create, standing
from app.posts import services as posts
from app.posts.views import _audience_members, _input_from, _prepare_form
from app.themes.models import WorkgroupType
from app.themes.services import get_theme_by_slug
from app.transactions import discard
from app.urls import parse_id


def theme_for(slug: str, feature: str):
    """The theme of a kind's page: 404 when it does not exist or the kind is off there."""
    theme = get_theme_by_slug(slug) or abort(404)
    if not feature_enabled(theme, feature):
        abort(404)
    return theme


def page_arg() -> int:
    return parse_id(request.args.get("page"), default=1)


def closed_to_viewer(theme) -> bool:
    """A closed theme's lists say so to those who cannot read its content."""
    return theme.workgroup_type == WorkgroupType.CLOSED and not standing(current_user,
                                                                         theme).is_member


def new_form(theme, kind, form_class, list_endpoint: str):
    """The empty write form for a new item of `kind` (or a redirect for who may not write):
    (form, standing, groups, members) or a response."""
    s = standing(current_user, theme)
    if not (s.is_member or s.joined):
        flash(_("Join %(theme)s to take part.", theme=theme.name), "info")
        return redirect(url_for(list_endpoint, slug=theme.slug))
    if not may_create(theme, kind):
        abort(403)
    form = form_class()
    if request.method == "GET" and theme.workgroup_type == WorkgroupType.MIXED:
        form.part.data = "closed" if s.is_member else "public"
    groups, members = _prepare_form(form, theme, current_user)
    return form, s, groups, members


def edit_form(item, form_class):
    """The write form for an existing item, filled from it on GET: (form, groups, members)."""
    form = form_class()
    author = item.author or current_user
    groups, members = _prepare_form(form, item.theme, author)
    if not can_change_readers(item):
        members = []  # the audience picker is the author's and the admins' only
    if request.method == "GET":
        form.title.data, form.body.data = item.title, item.body
        form.category.data = item.category_id
        form.filters.data = [v.id for v in item.filter_values]
        form.organisation.data = item.organisation_id
        form.part.data = item.part.value
        form.audience.data = [u.id for u in item.readers]
    return form, groups, members


def save_or_show(form, theme, item, s, groups, members, save, template: str, **context):
    """A valid form is saved (save(PostInput) -> item) and leads to the item; otherwise the
    form comes back (422) with the problem named and what was typed."""
    status = 200
    if form.validate_on_submit():
        try:
            saved = save(_input_from(form))
        except DomainError as exc:
            discard()
            target = getattr(form, exc.field or "", None)
            target = form.body if target is None else target
            target.errors.append(exc.message)
            status = 422
        else:
            if saved.state == ItemState.PENDING:
                flash(_("Saved. It waits for approval by an admin before others see it."), "info")
            else:
                flash(_("Saved and published."), "success")
            return redirect(item_url(saved))
    elif form.is_submitted():
        status = 422
    if form.is_submitted():  # shown again: the whole member list to choose from
        members = _audience_members(theme, item.author if item and item.author
                                    else current_user)
        if item is not None and not can_change_readers(item):
            members = []
    return render_template(template, form=form, theme=theme, groups=groups, members=members,
                           post=item, standing=s, **context), status


def delete_item(item, list_endpoint: str, message: str):
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    slug = item.theme.slug
    posts.delete_post(current_user, item)
    flash(message, "success")
    return redirect(url_for(list_endpoint, slug=slug))


def per_page() -> int:
    return current_app.config["POSTS_PER_PAGE"]


def render_item(item, template: str, reply_form, page: int, status: int = 200, extra=None,
                **context):
    """An item's page with one page of its comments (app.items.comments.section);
    extra(replies) adds what the kind's page needs to know about them."""
    from app.mail.notifications import is_muted

    shown = comments.section(item, page, reply_form)
    if extra is not None:
        context.update(extra(shown["replies"]))
    return render_template(template, item=item, theme=item.theme,
                           starred=item.id in posts.starred_ids(current_user, [item.id]),
                           muted=is_muted(current_user, item.id), **shown, **context), status
