"""Demo branding for `make run`: Zorgregio Noord with a logo, its colours and an own address
(zorgregio-noord.localhost: browsers send *.localhost to this machine)."""
from __future__ import annotations

import io

from app.branding.models import ThemeBranding
from app.extensions import db

DEMO_HOST = "zorgregio-noord.localhost"


def _logo() -> tuple[bytes, int, int]:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (240, 80), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 80, 80), radius=16, fill="#00695c")
    draw.ellipse((22, 22, 58, 58), outline="#ffffff", width=6)
    draw.text((92, 18), "Zorgregio", fill="#00695c", font_size=22)
    draw.text((92, 44), "Noord", fill="#004d40", font_size=22)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), image.width, image.height


def load_demo(themes, now) -> None:
    logo, width, height = _logo()
    db.session.add(ThemeBranding(theme_id=themes["zorgregio-noord"].id, host=DEMO_HOST,
                                 primary_color="#00695c", accent_color="#004d40",
                                 logo_png=logo, logo_width=width, logo_height=height,
                                 updated_at=now))
