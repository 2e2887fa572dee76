"""Video links of status updates: YouTube and Vimeo addresses, and their privacy-friendly
players. A page shows the link; the player (youtube-nocookie.com, or player.vimeo.com with
dnt=1) is put in the page only when the viewer asks for it, so no request reaches the video
site before that click."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


@dataclass(frozen=True)
class Video:
    provider: str  # "YouTube" or "Vimeo"
    video_id: str
    url: str  # the address as given

    @property
    def embed_url(self) -> str:
        if self.provider == "YouTube":
            return f"https://www.youtube-nocookie.com/embed/{self.video_id}"
        return f"https://player.vimeo.com/video/{self.video_id}?dnt=1"


def parse_video(url: str | None) -> Video | None:
    """The video behind a YouTube or Vimeo address (https or http), or None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return None
    host = (parts.hostname or "").lower()
    path = [p for p in parts.path.split("/") if p]
    video_id = None
    if host == "youtu.be" and path:
        video_id = path[0]
    elif host in YOUTUBE_HOSTS:
        if path == ["watch"]:
            video_id = (parse_qs(parts.query).get("v") or [""])[0]
        elif len(path) >= 2 and path[0] in ("embed", "shorts", "live", "v"):
            video_id = path[1]
    if video_id is not None:
        return Video("YouTube", video_id, url.strip()) if _YOUTUBE_ID.match(video_id) else None
    if host in VIMEO_HOSTS and path:
        candidate = path[1] if path[0] == "video" and len(path) > 1 else path[0]
        if _VIMEO_ID.match(candidate):
            return Video("Vimeo", candidate, url.strip())
    return None
