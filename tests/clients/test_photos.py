"""Client photos (dashboard/clients/photos.py): uploads re-encoded to pixels only, and
photo addresses only from the configured hosts."""

import base64
import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image

from dashboard.clients.photos import (
    MAX_SIDE,
    PhotoRefused,
    photo_from_data_uri,
    photo_reencode,
    photo_url_allowed,
)
from dashboard.clients.templatetags.formatting import safe_image

PAYLOAD = b"<script>alert(1)</script>"


def encoded(image: Image.Image, format_: str = "PNG", **options) -> bytes:
    output = io.BytesIO()
    image.save(output, format_, **options)
    return output.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def zip_archive() -> bytes:
    import zipfile

    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("payload.html", PAYLOAD)
    return output.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims width x height: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def jpeg_with_gps_exif() -> bytes:
    image = Image.new("RGB", (1000, 700), (30, 120, 60))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to show"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 27.0, 14.0)  # Lagos
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (3.0, 23.0, 42.0)
    return encoded(image, "JPEG", exif=exif, icc_profile=b"an ICC profile" * 10)


# --- uploads -------------------------------------------------------------------------


@pytest.mark.parametrize("appended", [PAYLOAD, zip_archive()], ids=["script", "zip"])
def test_bytes_appended_after_an_image_are_dropped(appended):
    original = encoded(Image.new("RGB", (40, 30), (200, 20, 20)))
    photo = photo_reencode(data=original + appended)
    assert PAYLOAD not in photo.data and b"PK\x03\x04" not in photo.data
    assert opened(photo.data).size == (40, 30)
    assert photo.data_uri.startswith(f"data:{photo.mime};base64,")


def test_exif_with_a_gps_position_is_dropped_and_its_rotation_applied():
    source = opened(jpeg_with_gps_exif())
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's photo does carry it
    photo = photo_reencode(data=jpeg_with_gps_exif())
    result = opened(photo.data)
    assert photo.mime == "image/jpeg"
    assert "exif" not in result.info and dict(result.getexif()) == {}
    assert "icc_profile" not in result.info and b"PhoneCo" not in photo.data
    assert result.size == (700, 1000)  # turned upright before the orientation tag went


def test_png_text_and_icc_chunks_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Comment", "taken at 6.45N 3.39E")
    original = encoded(
        Image.new("RGBA", (50, 50), (0, 0, 255, 100)), pnginfo=text, icc_profile=b"icc" * 20
    )
    photo = photo_reencode(data=original)
    assert photo.mime == "image/png"  # transparency kept
    assert opened(photo.data).info.keys() <= {"dpi", "gamma"}
    assert b"6.45N" not in photo.data and b"iCCP" not in photo.data


def test_a_6000_px_image_comes_out_at_most_1024_px():
    photo = photo_reencode(data=encoded(Image.new("RGB", (6000, 4000), (90, 90, 200))))
    assert opened(photo.data).size == (MAX_SIDE, 683)
    square = photo_reencode(data=encoded(Image.new("L", (6000, 6000), 128), "JPEG"))
    assert max(opened(square.data).size) <= MAX_SIDE


def test_an_opaque_png_becomes_a_jpeg_and_a_transparent_one_stays_png():
    assert photo_reencode(data=encoded(Image.new("RGBA", (8, 8), (1, 2, 3, 255)))).mime == (
        "image/jpeg"
    )
    assert photo_reencode(data=encoded(Image.new("RGBA", (8, 8), (1, 2, 3, 0)))).mime == (
        "image/png"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 200,  # the right first bytes, then nonsense
        encoded(Image.new("RGB", (300, 300), (1, 1, 1)), "JPEG")[:400],  # cut short
        encoded(Image.new("RGB", (8, 8)), "GIF"),
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"",
    ],
    ids=["png-header-then-garbage", "truncated-jpeg", "gif", "svg", "empty"],
)
def test_what_is_not_a_whole_jpeg_png_or_webp_is_refused(data):
    with pytest.raises(PhotoRefused, match="not a JPEG, PNG or WebP image, or it is damaged"):
        photo_reencode(data=data)


def test_a_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(PhotoRefused, match="7000 x 7000 pixels: too large"):
        photo_reencode(data=png_claiming(7000, 7000))
    with pytest.raises(PhotoRefused, match="too many pixels"):
        photo_reencode(data=png_claiming(30000, 30000))  # past Pillow's own limit too


def test_a_file_over_1_mb_is_refused_unopened():
    with pytest.raises(PhotoRefused, match="larger than 1 MB"):
        photo_reencode(data=b"\xff\xd8\xff" + b"\0" * (1024 * 1024))


# --- the kept photo (a data URI the browser sends back) ----------------------------------


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_a_kept_photo_is_re_encoded_like_an_upload():
    original = encoded(Image.new("RGB", (20, 20), (0, 128, 0)))
    photo = photo_from_data_uri(uri=data_uri(original + PAYLOAD))
    assert PAYLOAD not in photo.data and opened(photo.data).size == (20, 20)


@pytest.mark.parametrize(
    "uri",
    [
        data_uri(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20),
        data_uri(b"<svg onload=alert(1)>", "image/svg+xml"),
        data_uri(encoded(Image.new("RGB", (4, 4))), "text/html"),
        "data:image/png;base64,not*base64",
        "https://tracker.test/pixel.png",
        "data:image/png;base64," + "A" * (1024 * 1024 * 4 // 3 + 8),  # over 1 MB decoded
    ],
    ids=["garbage", "svg", "html-mime", "bad-base64", "not-a-data-uri", "too-long"],
)
def test_a_tampered_kept_photo_is_refused(uri):
    with pytest.raises(PhotoRefused, match="damaged"):
        photo_from_data_uri(uri=uri)


# --- photos by address -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://photos.example.test/k.jpg", True),
        ("https://PHOTOS.example.test/k.jpg", True),
        ("https://photos.example.test:443/k.jpg", True),
        ("https://a.cdn.example.test/k.jpg", True),  # *.cdn.example.test
        ("https://cdn.example.test/k.jpg", False),  # the wildcard means subdomains only
        ("http://photos.example.test/k.jpg", False),
        ("https://photos.example.test.evil.test/k.jpg", False),
        ("https://photos.example.test@evil.test/k.jpg", False),
        ("https://evil.test/?u=https://photos.example.test/", False),
        ("https://photos.example.test:8443/k.jpg", False),
        ("https://photos.example.test:bad/k.jpg", False),
        ("", False),
    ],
)
def test_photo_addresses_only_on_the_configured_hosts(settings, url, allowed):
    settings.IMAGE_URL_HOSTS = ["photos.example.test", "*.cdn.example.test"]
    assert photo_url_allowed(url) is allowed
    assert safe_image(url) == (url if allowed else "")


def test_without_configured_hosts_no_address_is_shown(settings):
    settings.IMAGE_URL_HOSTS = []
    assert photo_url_allowed("https://photos.example.test/k.jpg") is False
    assert safe_image("https://photos.example.test/k.jpg") == ""
    uploaded = data_uri(b"...")
    assert safe_image(uploaded) == uploaded  # uploads are always shown
    assert safe_image("javascript:alert(1)") == "" and safe_image(None) == ""
