"""The platform owner's view of the outbox: what went out, what waits, what failed."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import func, select

from app.extensions import db
from app.forms import CSRFOnlyForm
from app.mail import services
from app.mail.models import OutboxMessage, OutboxStatus
from app.permissions import is_platform_owner

bp = Blueprint("outbox", __name__, url_prefix="/platform/outbox", template_folder="templates")

STATUS_LABELS = {
    OutboxStatus.PENDING: _l("waiting"),
    OutboxStatus.SENDING: _l("being sent"),
    OutboxStatus.SENT: _l("sent"),
    OutboxStatus.FAILED: _l("failed"),
    OutboxStatus.HELD: _l("held"),
}
KIND_LABELS = {
    "account": _l("account (confirmation, password)"),
    "moderation": _l("moderation outcome"),
    "notification": _l("new reply"),
    "push": _l("push mail"),
    "contact": _l("contact message"),
    "digest": _l("digest"),
    "admin_digest": _l("admins' summary"),
    "overview": _l("overview"),
    "notice": _l("notice"),
}


@bp.context_processor
def _labels():
    """The outbox's states and kinds in the reader's language (unknown kinds as stored)."""
    return {"status_label": lambda status: STATUS_LABELS.get(status, status),
            "kind_label": lambda kind: KIND_LABELS.get(kind, kind)}


@bp.before_request
@login_required
def _platform_owner_only():
    if not is_platform_owner():
        abort(403)


@bp.route("/")
def index():
    status = request.args.get("status")
    q = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
    if status in {s.value for s in OutboxStatus}:
        q = q.where(OutboxMessage.status == status)
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count())
                                     .group_by(OutboxMessage.status)).all())
    return render_template("outbox/index.html", messages=db.session.scalars(q).all(),
                           counts=counts, status=status, form=CSRFOnlyForm())


@bp.route("/<int:message_id>")
def show(message_id):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("outbox/show.html", message=message, form=CSRFOnlyForm())


@bp.route("/<int:message_id>/retry", methods=["POST"])
def retry(message_id):
    if not CSRFOnlyForm().validate_on_submit():
        abort(400)
    db.session.get(OutboxMessage, message_id) or abort(404)
    if services.retry(message_id):
        flash(_("The message was sent again."), "success")
    else:
        flash(_("This message is not waiting for a retry."), "warning")
    return redirect(url_for("outbox.show", message_id=message_id))
