"""Sharing outwards: feeds, embeds, oEmbed, and noindex for everything that is not public."""


def init_app(app) -> None:
    from flask import g

    from app.branding.services import page_brand
    from app.outward import services

    @app.after_request
    def _robots(response):
        """Search engines index only pages marked public (services.mark_indexable)."""
        if not g.get("indexable"):
            response.headers.setdefault("X-Robots-Tag", "noindex")
        return response

    def embed_code(target) -> str:
        from app.items.models import Item
        from app.outward.views import DEFAULT_SIZE

        if isinstance(target, Item):
            return services.iframe_html(services.embed_item_url(target), target.title,
                                        *DEFAULT_SIZE["item"])
        return services.iframe_html(services.embed_theme_url(target), target.name,
                                    *DEFAULT_SIZE["theme"])

    app.jinja_env.globals.update(shared_item=services.shared_item, embed_code=embed_code,
                                 page_brand=page_brand)
