"""Pages of questions ("Vragen"): the list (open / answered, category, sorts), a question with
its answers (the best one first), asking, editing, deleting, answering, choosing the best
answer and starring answers."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.filters.services import categories_for
from app.forms import CSRFOnlyForm
from app.items import comments
from app.items.kinds import ItemKind, item_url
from app.pagecache import cacheable
from app.permissions import can_mark_best_answer, load_comment, load_item, standing
from app.posts import services as posts
from app.posts.forms import ReplyForm
from app.toolkit import common, services
from app.toolkit.forms import QuestionForm
from app.toolkit.models import Question
from app.transactions import discard
from app.urls import parse_id, safe_next

bp = Blueprint("questions", __name__, template_folder="templates")
FEATURE = "questions"
STATES = ("open", "answered")


@bp.route("/t/<slug>/questions")
@cacheable
def index(slug):
    from app.themes.views import join_form_for

    theme = common.theme_for(slug, FEATURE)
    state = request.args.get("state") if request.args.get("state") in STATES else None
    sort = request.args.get("sort") if request.args.get("sort") in services.QUESTION_SORTS \
        else "recent"
    category_id = parse_id(request.args.get("category"))
    s = standing(current_user, theme)
    page = services.question_list(theme, state, sort, category_id, common.page_arg(),
                                  common.per_page())
    return render_template("toolkit/questions.html", theme=theme, standing=s,
                           join_form=join_form_for(theme, s), children=[], board=None,
                           query=None, current_tab=FEATURE, page=page, state=state, sort=sort,
                           category_id=category_id, categories=categories_for(theme),
                           closed=common.closed_to_viewer(theme))


@bp.route("/t/<slug>/questions/new", methods=["GET", "POST"])
@login_required
def new(slug):
    theme = common.theme_for(slug, FEATURE)
    prepared = common.new_form(theme, ItemKind.QUESTION, QuestionForm, "questions.index")
    if not isinstance(prepared, tuple):
        return prepared
    form, s, groups, members = prepared
    return common.save_or_show(
        form, theme, None, s, groups, members,
        save=lambda data: services.create_question(current_user, theme, data),
        template="toolkit/form.html", kind="question", heading=_("Ask a question"),
        cancel_url=url_for("questions.index", slug=theme.slug))


@bp.route("/questions/<int:item_id>")
@cacheable
def show(item_id):
    return _render(load_item(item_id, ItemKind.QUESTION), ReplyForm(), common.page_arg())


@comments.item_page(ItemKind.QUESTION, comments.ANSWER, _l("You cannot react to this."))
def _render(item, reply_form, page, status=200):
    from app.extensions import db

    best = services.best_answer(item, db.session.get(Question, item.id))

    def answers(replies):
        shown = [r.id for r in replies.replies] + ([best.id] if best else [])
        return {"starred_comments": services.starred_comment_ids(current_user, shown)}

    return common.render_item(item, "toolkit/question.html", reply_form, page, status,
                              extra=answers, best=best)


@bp.route("/questions/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id):
    item = load_item(item_id, ItemKind.QUESTION, write=True)
    form, groups, members = common.edit_form(item, QuestionForm)
    return common.save_or_show(
        form, item.theme, item, standing(current_user, item.theme), groups, members,
        save=lambda data: posts.edit_post(current_user, item, data),
        template="toolkit/form.html", kind="question", heading=_("Edit question"),
        cancel_url=item_url(item))


@bp.route("/questions/<int:item_id>/delete", methods=["POST"])
@login_required
def delete(item_id):
    item = load_item(item_id, ItemKind.QUESTION, write=True)
    return common.delete_item(item, "questions.index", _("The question is deleted."))


@bp.route("/questions/<int:item_id>/best", methods=["POST"])
@login_required
def best(item_id):
    """Choose the best answer (comment_id), or none (an empty comment_id)."""
    item = load_item(item_id, ItemKind.QUESTION)
    if not can_mark_best_answer(item):
        abort(403)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    raw = request.form.get("comment_id", "")
    comment_id = parse_id(raw)
    if raw and comment_id is None:
        abort(400)
    try:
        services.mark_best_answer(current_user, item, comment_id)
    except services.ToolkitError as exc:
        discard()
        flash(exc.message, "error")
        return redirect(item_url(item))
    flash(_("The best answer is marked.") if comment_id else
          _("The question has no best answer any more."), "success")
    return redirect(item_url(item, _anchor=f"reply-{comment_id}" if comment_id else None))


@bp.route("/answers/<int:comment_id>/star", methods=["POST"])
@login_required
def star_answer(comment_id):
    """Star an answer (star=1), take the star back (star=0), or toggle (no star field)."""
    comment = load_comment(comment_id)
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    wanted = {"1": True, "0": False}.get(request.form.get("star", ""))
    try:
        starred, count = services.set_comment_star(current_user, comment, wanted)
    except services.ToolkitError as exc:
        discard()
        flash(exc.message, "error")
        return redirect(item_url(comment.item))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(starred=starred, count=count)
    return redirect(safe_next(request.form.get("next"))
                    or item_url(comment.item, _anchor=f"reply-{comment.id}"))
