"""Jinja globals and filters: the policy helpers, language and date formatting."""
from flask import has_request_context, request
from flask_babel import format_datetime, format_timedelta, get_locale

from app.items.kinds import item_url, kind_label
from app.permissions import template_helpers
from app.themes.forms import TYPE_LABELS


def init_app(app):
    @app.context_processor
    def inject():
        from app.forms import CSRFOnlyForm
        ctx = {"current_locale": str(get_locale() or "nl")}
        if has_request_context():
            ctx.update(logout_form=CSRFOnlyForm(formdata=None),  # never parse the body here
                       request_path=request.full_path.rstrip("?"))
        return ctx

    # Globals (not context) so that imported macros see them too.
    app.jinja_env.globals.update(template_helpers(), type_labels=TYPE_LABELS,
                                 board_name=app.config["BOARD_NAME"])
    app.jinja_env.globals["board_url"] = board_url
    app.jinja_env.globals["item_url"] = item_url
    app.jinja_env.globals["item_kind_label"] = kind_label
    app.jinja_env.globals["queue_badge"] = queue_badge
    app.jinja_env.globals["unread_notices"] = unread_notices
    app.jinja_env.globals["search_snippet"] = _snippet
    app.jinja_env.filters["timedelta"] = lambda delta: format_timedelta(delta, threshold=1.1)
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else "")


def board_url(theme, query, **changes) -> str:
    """The theme's board URL with the current sort/category/filters/page, some changed.

    toggle_value=<id> adds or removes one filter value; any change but page resets page 1."""
    from flask import url_for

    sort = changes.get("sort", query.sort)
    q = getattr(query, "q", "")
    category = changes.get("category", query.category_id)
    values = list(query.filter_value_ids)
    if "toggle_value" in changes:
        vid = changes["toggle_value"]
        values = [v for v in values if v != vid] if vid in values else values + [vid]
    page = changes.get("page", 1 if changes else query.page)
    args = {}
    if q:
        args["q"] = q
    if sort and sort != ("relevance" if q else "recent"):
        args["sort"] = sort
    if category:
        args["category"] = category
    if values:
        args["f"] = sorted(values)
    if page and page > 1:
        args["page"] = page
    return url_for("themes.show", slug=theme.slug, **args)


def queue_badge() -> int:
    """What waits in the moderation queues the current user handles (0 for non-admins)."""
    from flask import g

    from app.moderation.services import queue_count
    from app.permissions import viewer_for

    if "_queue_badge" not in g:
        g._queue_badge = queue_count(viewer_for())
    return g._queue_badge


def unread_notices() -> int:
    """Unread entries of the current user's notification list (one indexed COUNT)."""
    from flask import g
    from flask_login import current_user

    from app.inbox.services import unread_count

    if "_unread_notices" not in g:
        g._unread_notices = unread_count(current_user)
    return g._unread_notices


def _snippet(parsed, text):
    from app.search.services import snippet
    return snippet(parsed, text)
