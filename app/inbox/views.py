"""The notification list: seeing it marks what it shows read."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.forms import CSRFOnlyForm
from app.inbox import services
from app.urls import parse_id

bp = Blueprint("inbox", __name__, template_folder="templates")


@bp.route("/notifications")
@login_required
def index():
    number = parse_id(request.args.get("page", ""), 1)
    entries, more = services.page(current_user, number)
    shown_unread = [e.notice.id for e in entries if e.unread]
    services.mark_read(current_user, shown_unread)  # seen now (the entries keep their mark)
    return render_template("inbox/index.html", entries=entries, more=more, page=number,
                           form=CSRFOnlyForm())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read():
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user)
    flash(_("Every notification is marked read."), "success")
    return redirect(url_for("inbox.index"))
