"""The group toolkit's kinds of content built on the one item model: questions (a best answer
among the comments, stars per answer), blog articles (an intro and a cover image) and status
updates (a short message with an image, a video link, a file or a link). Each is an item of
its own kind with a table for what only that kind has; comments, stars, reports, attachments,
moderation and search are the item's own.

Shared here: the images (app/toolkit/images.py), the video links (videos.py), the link
previews (linkpreview.py), the list and form helpers (common.py). Each kind has its
blueprint: questions.py, blog.py, updates.py.
"""


def register(app) -> None:
    """Register the three kinds' blueprints."""
    from app.toolkit.blog import bp as blog_bp
    from app.toolkit.questions import bp as questions_bp
    from app.toolkit.updates import bp as updates_bp

    app.register_blueprint(questions_bp)
    app.register_blueprint(blog_bp)
    app.register_blueprint(updates_bp)
    from app.toolkit.videos import parse_video
    app.jinja_env.globals["parse_video"] = parse_video
