"""Pages of the blog: the list of articles (newest first, with intro and cover), an article
with its comments, writing, editing and deleting."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.extensions import db
from app.items import comments
from app.items.kinds import ItemKind, item_url
from app.pagecache import cacheable
from app.permissions import load_item, standing
from app.posts.forms import ReplyForm
from app.toolkit import common, images, services
from app.toolkit.forms import ArticleForm
from app.toolkit.models import BlogArticle

bp = Blueprint("blog", __name__, template_folder="templates")
FEATURE = "blog"


@bp.route("/t/<slug>/blog")
@cacheable
def index(slug):
    from app.themes.views import join_form_for

    theme = common.theme_for(slug, FEATURE)
    s = standing(current_user, theme)
    page = services.blog_list(theme, common.page_arg(), common.per_page())
    return render_template("toolkit/blog.html", theme=theme, standing=s,
                           join_form=join_form_for(theme, s), children=[], board=None,
                           query=None, current_tab=FEATURE, page=page,
                           closed=common.closed_to_viewer(theme))


def _form_context(item=None, article=None):
    return {"kind": "blog", "image_help": images.accepted_text(),
            "current_image": article.cover if article else None,
            "kind_attachment_ids": [article.cover_id] if article and article.cover_id else []}


@bp.route("/t/<slug>/blog/new", methods=["GET", "POST"])
@login_required
def new(slug):
    theme = common.theme_for(slug, FEATURE)
    prepared = common.new_form(theme, ItemKind.BLOG, ArticleForm, "blog.index")
    if not isinstance(prepared, tuple):
        return prepared
    form, s, groups, members = prepared
    return common.save_or_show(
        form, theme, None, s, groups, members,
        save=lambda data: services.create_article(current_user, theme, data, form.intro.data,
                                                  request.files.get(form.cover.name)),
        template="toolkit/form.html", heading=_("New article"),
        cancel_url=url_for("blog.index", slug=theme.slug), **_form_context())


@bp.route("/blog/<int:item_id>")
@cacheable
def show(item_id):
    return _render(load_item(item_id, ItemKind.BLOG), ReplyForm(), common.page_arg())


@comments.item_page(ItemKind.BLOG, comments.REPLY, _l("You cannot react to this."))
def _render(item, reply_form, page, status=200):
    article = db.session.get(BlogArticle, item.id)
    return common.render_item(item, "toolkit/article.html", reply_form, page, status,
                              article=article)


@bp.route("/blog/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id):
    item = load_item(item_id, ItemKind.BLOG, write=True)
    article = db.session.get(BlogArticle, item.id)
    form, groups, members = common.edit_form(item, ArticleForm)
    if request.method == "GET" and article is not None:
        form.intro.data = article.intro
    return common.save_or_show(
        form, item.theme, item, standing(current_user, item.theme), groups, members,
        save=lambda data: services.edit_article(current_user, item, data, form.intro.data,
                                                request.files.get(form.cover.name),
                                                bool(form.remove_cover.data)),
        template="toolkit/form.html", heading=_("Edit article"), cancel_url=item_url(item),
        **_form_context(item, article))


@bp.route("/blog/<int:item_id>/delete", methods=["POST"])
@login_required
def delete(item_id):
    item = load_item(item_id, ItemKind.BLOG, write=True)
    return common.delete_item(item, "blog.index", _("The article is deleted."))
