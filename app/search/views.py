"""Platform-wide search: matching, the visibility policy and the order in one SELECT."""
from flask import Blueprint, current_app, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.pagecache import cacheable
from app.permissions import viewer_for, visible_items_clause
from app.items.models import Item
from app.search.services import (SearchProblem, clean_query, match_condition, order_again,
                                 page_of_matches, parse)
from app.urls import parse_id

bp = Blueprint("search", __name__, template_folder="templates")


@bp.route("/search")
@cacheable
def index():
    raw = request.args.get("q", "")
    q, truncated = clean_query(raw)
    sort = request.args.get("sort", "relevance")
    sort = sort if sort in ("relevance", "recent") else "relevance"
    page = parse_id(request.args.get("page", "1"), 1)
    per_page = current_app.config["POSTS_PER_PAGE"]
    posts, total, problem, parsed = [], 0, None, None
    if raw.strip():
        try:
            parsed = parse(raw)
        except SearchProblem as exc:
            problem = exc.message
    if parsed is not None:
        visible = visible_items_clause(viewer_for())
        best = sort == "relevance"
        order = (func.coalesce(Item.published_at, Item.created_at).desc(), Item.id.desc())

        def load(page_number):
            hits = page_of_matches(parsed, [visible], order, best, per_page,
                                   (page_number - 1) * per_page)
            return db.session.execute(
                select(Item, hits.c.total).join(hits, hits.c.id == Item.id)
                .options(joinedload(Item.author), joinedload(Item.theme),
                         joinedload(Item.organisation))
                .order_by(*order_again(hits, order, best))).all()

        rows = load(page)
        if not rows and page > 1:  # past the last page: show the last one
            total = db.session.scalar(select(func.count()).select_from(Item)
                                      .where(match_condition(parsed), visible)) or 0
            page = max(1, -(-total // per_page))
            rows = load(page)
        posts = [r[0] for r in rows]
        total = rows[0][1] if rows else 0
    return render_template("search/index.html", q=q, raw=raw, parsed=parsed, posts=posts,
                           total=total, page=page, pages=max(1, -(-total // per_page)),
                           sort=sort, problem=problem, truncated=truncated)
