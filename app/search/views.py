"""Platform-wide search."""
from flask import Blueprint, current_app, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.permissions import viewer_for, visible_posts_clause
from app.posts.models import Post
from app.search.services import SearchProblem, clean_query, parse, search_ids
from app.urls import parse_id
from app.pagecache import cacheable

bp = Blueprint("search", __name__, template_folder="templates")


@bp.route("/search")
@cacheable
def index():
    raw = request.args.get("q", "")
    q, truncated = clean_query(raw)
    sort = request.args.get("sort", "relevance")
    sort = sort if sort in ("relevance", "recent") else "relevance"
    page = request.args.get("page", "1")
    page = parse_id(page, 1)
    per_page = current_app.config["POSTS_PER_PAGE"]
    posts, total, problem, parsed = [], 0, None, None
    if raw.strip():
        try:
            parsed = parse(raw)
            viewer = viewer_for()
            ranked = search_ids(parsed, viewer)
            # Checked once more against the SQL policy: only what passes is counted or shown.
            allowed = [Post.id.in_(ranked), visible_posts_clause(viewer)]
            if sort == "relevance":
                ok = set(db.session.scalars(select(Post.id).where(*allowed)))
                ordered = [pid for pid in ranked if pid in ok]
                total = len(ordered)
                page = min(page, max(1, -(-total // per_page)))
                page_ids = ordered[(page - 1) * per_page: page * per_page]
                found = {p.id: p for p in db.session.scalars(
                    select(Post).where(Post.id.in_(page_ids))
                    .options(joinedload(Post.author), joinedload(Post.theme),
                             joinedload(Post.organisation)))}
                posts = [found[pid] for pid in page_ids if pid in found]
            else:
                total = db.session.scalar(select(func.count()).select_from(Post).where(*allowed))
                page = min(page, max(1, -(-total // per_page)))
                posts = list(db.session.scalars(
                    select(Post).where(*allowed)
                    .order_by(func.coalesce(Post.published_at, Post.created_at).desc(), Post.id.desc())
                    .limit(per_page).offset((page - 1) * per_page)
                    .options(joinedload(Post.author), joinedload(Post.theme),
                             joinedload(Post.organisation))))
        except SearchProblem as exc:
            problem = exc.message
    status = 200 if not problem or not raw.strip() else 200
    return render_template("search/index.html", q=q, raw=raw, parsed=parsed, posts=posts,
                           total=total, page=page, pages=max(1, -(-total // per_page)),
                           sort=sort, problem=problem, truncated=truncated), status
