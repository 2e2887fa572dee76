"""Comments on items of every kind, in one place: the words a kind's comment section uses,
the registry of the functions that render a kind's page with its comments, the comment
section's data for such a page (app/templates/items/_comments.html shows it), and the one
route that posts a comment on any item (app.posts.services.add_comment does the work).

A kind with comments registers its page once::

    @comments.item_page(ItemKind.EVENT, comments.REPLY, refused=_l("You cannot comment …"))
    def render_show(item, reply_form, page, status=200): ...

`render_show` renders the kind's page with `**comments.section(item, page, reply_form)` in its
context and `{% include "items/_comments.html" %}` in its template; the comment route uses it
to show the page again (422) with the problem named and the typed text kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, abort, current_app, flash, redirect
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.items.kinds import ItemKind, item_url
from app.items.models import ItemState

bp = Blueprint("comments", __name__)

# The page to show on a refused comment: the last one, where the new comment would appear.
LAST_PAGE = 2**31 - 1


@dataclass(frozen=True)
class Words:
    """How a kind's page speaks of its comments ("reply", "answer", "reaction")."""

    heading: Callable[[int], str]  # "3 replies"
    pages: str  # the label of the pagination
    this_one: str  # completes "Report …" / "Delete …" for screen readers
    confirm_delete: str | None  # asked before deleting one; None: not asked
    submit: str  # the form's button
    waits: str  # under the form where comments wait for approval
    log_in: str  # the link for visitors
    pending: str  # after posting one that waits for approval
    published: str  # after posting one that is published


REPLY = Words(
    heading=lambda n: ngettext("%(num)d reply", "%(num)d replies", n),
    pages=_l("Pages of replies"), this_one=_l("this reply"), confirm_delete=_l("Delete this reply?"),
    submit=_l("Reply"), waits=_l("Your reply appears after an admin has approved it."),
    log_in=_l("Log in to reply."),
    pending=_l("Your reply is saved and waits for approval by an admin."),
    published=_l("Your reply is published."))

ANSWER = Words(**{**REPLY.__dict__,
                  "heading": lambda n: ngettext("%(num)d answer", "%(num)d answers", n),
                  "submit": _l("Answer")})

REACTION = Words(
    heading=lambda n: ngettext("%(num)d reaction", "%(num)d reactions", n),
    pages=_l("Pages of reactions"), this_one=_l("this reaction"), confirm_delete=None,
    submit=_l("React"), waits=_l("Your reaction appears after an admin has approved it."),
    log_in=_l("Log in to react."),
    pending=_l("Your reaction is saved and waits for approval by an admin."),
    published=_l("Your reaction is published."))


@dataclass(frozen=True)
class ItemPage:
    render: Callable  # render(item, reply_form, page, status=200) -> response
    words: Words
    refused: str  # the 403 page's text for who may not comment


ITEM_PAGES: dict[ItemKind, ItemPage] = {}


def item_page(kind: ItemKind, words: Words, refused: str):
    """Register the function that renders a kind's page with its comments."""
    def register(render):
        ITEM_PAGES[kind] = ItemPage(render, words, refused)
        return render
    return register


def section(item, page: int, reply_form) -> dict:
    """What items/_comments.html needs: one page of the comments the viewer may see (oldest
    first, REPLIES_PER_PAGE a page; a page past the last shows the last), the form and the
    kind's words. The authors' cards (and the item author's) are loaded at once: one query
    for the whole list."""
    from app.forms import CSRFOnlyForm
    from app.people.profiles import people_cards
    from app.posts.services import reply_page

    replies = reply_page(item, page, current_app.config["REPLIES_PER_PAGE"])
    if replies.replies:
        people_cards([item.author_id] + [r.author_id for r in replies.replies])
    return {"replies": replies, "reply_form": reply_form, "action_form": CSRFOnlyForm(),
            "comment_words": ITEM_PAGES[ItemKind(item.kind)].words}


def comment_url(comment) -> str:
    """Where a comment is: its item's page on which the viewer finds it, at the comment."""
    from app.posts.services import page_of_comment

    page = page_of_comment(comment, current_app.config["REPLIES_PER_PAGE"])
    return item_url(comment.item, page=page if page > 1 else None, _anchor=f"reply-{comment.id}")


@bp.route("/items/<int:item_id>/comments", methods=["POST"])
@login_required
def add(item_id):
    """A comment on an item of any kind with comments: published or waiting for approval,
    then to where it shows; a refused one shows the item's page again (422) with the text
    kept and the problem named."""
    from app.errors import render_error
    from app.permissions import can_comment, load_item
    from app.posts import services
    from app.posts.forms import ReplyForm
    from app.transactions import discard

    item = load_item(item_id)
    kind_page = ITEM_PAGES.get(ItemKind(item.kind))
    if kind_page is None:
        abort(404)
    if not can_comment(item):
        return render_error(403, kind_page.refused)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            comment = services.add_comment(current_user, item, form.body.data)
        except services.PostError as exc:
            discard()
            form.body.errors.append(exc.message)
        else:
            if comment.state == ItemState.PENDING:
                flash(kind_page.words.pending, "info")
            else:
                flash(kind_page.words.published, "success")
            return redirect(comment_url(comment))
    return kind_page.render(item, form, LAST_PAGE, 422)
