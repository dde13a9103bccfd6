"""Client photos: what may reach the API, and which photo addresses may be shown.

An uploaded photo is never passed on as it came. Pillow decodes it and encodes the
pixels afresh, so nothing else survives: no EXIF (a phone's GPS position), no ICC or
text chunks, no bytes appended after the image (a script or a zip riding along), and
no side longer than MAX_SIDE. A photo given by address is fetched by the browser of
every member of staff who opens the client, which tells that host who looks at whom
and when: only the hosts in settings.IMAGE_URL_HOSTS are used.
"""

import base64
import binascii
import io
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 1024 * 1024  # 1 MiB: becomes ~1.4 MB of base64 in the API's JSON
MAX_SIDE = 1024  # px: the largest the dashboard shows is 72 px; room for a sharp zoom
# Refused before decoding: a small file can claim a huge canvas (a decompression
# bomb), and decoding allocates width x height x 4 bytes. 40 MP is 6,300 px square,
# more than a phone's photo at its default setting.
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Tried in order until one fits MAX_PHOTO_BYTES (at MAX_SIDE the first nearly always does).
OPAQUE_ENCODINGS = [("JPEG", {"quality": 85, "optimize": True}), ("JPEG", {"quality": 65})]
TRANSPARENT_ENCODINGS = [("PNG", {"optimize": True}), ("WEBP", {"quality": 85})]

NOT_AN_IMAGE = "The file is not a JPEG, PNG or WebP image, or it is damaged."


class PhotoRefused(ValueError):
    """A photo that cannot be accepted; the message says why, for the person uploading."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Photo:
    data: bytes
    mime: str

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode()}"


def photo_reencode(*, data: bytes) -> Photo:
    """The photo in `data` (JPEG, PNG or WebP) as fresh pixels: JPEG, or PNG/WebP when
    it has transparency; at most MAX_SIDE px a side and MAX_PHOTO_BYTES."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRefused("The photo is larger than 1 MB.")
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        if image.width * image.height > MAX_PIXELS:
            raise PhotoRefused(
                f"The photo is {image.width} x {image.height} pixels: too large to open. "
                "Choose a smaller one."
            )
        # JPEG can decode at 1/2, 1/4 or 1/8 scale: far less memory for a big photo.
        image.draft(image.mode, (MAX_SIDE, MAX_SIDE))
        image.load()
        # Phones store "rotate me" in EXIF; apply it now, since EXIF is about to go.
        image = ImageOps.exif_transpose(image)
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        transparent = _is_transparent(image)
        image = image.convert("RGBA" if transparent else "RGB")
    except PhotoRefused:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, above ours
        raise PhotoRefused(
            "The photo has too many pixels to open. Choose a smaller one."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PhotoRefused(NOT_AN_IMAGE) from None
    image.info = {}  # PNG's encoder would otherwise copy an ICC profile across
    for format_, options in TRANSPARENT_ENCODINGS if transparent else OPAQUE_ENCODINGS:
        output = io.BytesIO()
        image.save(output, format_, **options)
        if output.tell() <= MAX_PHOTO_BYTES:
            return Photo(output.getvalue(), FORMATS[format_])
    raise PhotoRefused("The photo is too detailed to fit in 1 MB. Choose a simpler one.")


def photo_from_data_uri(*, uri: str) -> Photo:
    """A photo carried in a data URI (the form's hidden field, which the browser sends
    back and anyone can edit): decoded and re-encoded like an upload."""
    damaged = PhotoRefused("The kept photo is damaged: choose the file again.")
    mime, separator, encoded = uri.removeprefix("data:").partition(";base64,")
    # base64 makes 4 characters of 3 bytes: refuse an oversized value before decoding it.
    too_long = len(encoded) > (MAX_PHOTO_BYTES + 2) // 3 * 4
    if not separator or mime not in FORMATS.values() or too_long:
        raise damaged
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise damaged from None
    try:
        return photo_reencode(data=data)
    except PhotoRefused:
        raise damaged from None


def _is_transparent(image: Image.Image) -> bool:
    """Any pixel not fully opaque (many PNGs carry an alpha channel they never use)."""
    if not image.has_transparency_data:
        return False
    alpha = image.convert("RGBA").getchannel("A")
    return alpha.getextrema()[0] < 255


# --- photos given by address ---------------------------------------------------------


def photo_url_allowed(url: str | None) -> bool:
    """An https address on one of settings.IMAGE_URL_HOSTS (`*.example.com` for its
    subdomains, as in a Content-Security-Policy), on the default port."""
    if not url or not url.startswith("https://"):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or port not in (None, 443):
        return False
    for allowed in photo_hosts():
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]):
                return True
        elif host == allowed:
            return True
    return False


def photo_hosts() -> list[str]:
    return [host.strip().lower() for host in settings.IMAGE_URL_HOSTS if host.strip()]
