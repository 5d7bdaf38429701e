"""``POST /api/bg/v1.0/removebg``: a table of requests and the answers remove.bg's API gives.

Every option, the three image sources and every error code, through JSON, form and multipart
bodies, against the real segmenter (u2netp). The photo is a red disc of radius 180 px centred
on an 800x600 textured background, so where the subject must end up is known. Its cut-out is
reused from the cache across rows (the same bytes), which is itself what the endpoint promises.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from urllib.parse import urlencode

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from konigle_bg.removebg import keys as api_keys
from tests.conftest import photo_bytes
from tests.test_urlfetch import server  # noqa: F401 - the local HTTP server fixture

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

URL = "/api/bg/v1.0/removebg"
W, H = 800, 600
PHOTO = photo_bytes(size=(W, H), seed=5)
BLUE_BG = (20, 40, 220)

# Markers for the image source in a row; replaced by the real thing when sent.
FILE, B64, LINK = "<file>", "<b64>", "<url>"


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


BG_PNG = png(Image.new("RGB", (64, 48), BLUE_BG))


@pytest.fixture
def remote(server, settings):  # noqa: F811 - the imported fixture
    """The photo and a background on a local server the URL fetcher is allowed to reach."""

    def serve(body: bytes, ctype: str):
        def handle(h):
            h.send_response(200)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)

        return handle

    server.routes.update(
        {
            "/photo.jpg": serve(PHOTO, "image/jpeg"),
            "/bg.png": serve(BG_PNG, "image/png"),
            "/page.html": serve(b"<html>not an image</html>", "text/html"),
        }
    )
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "URL_IMPORT_ALLOW_HOSTS": ["127.0.0.1"]}
    return server


@pytest.fixture
def key(store) -> str:
    return api_keys.create_key(store, "table")[1]


def send(client, body: str, params: dict, key: str, remote, accept: str = ""):
    params = dict(params)
    for name, value in list(params.items()):
        if value == FILE:
            params[name] = SimpleUploadedFile("photo.jpg", PHOTO, "image/jpeg")
        elif value == B64:
            params[name] = base64.b64encode(PHOTO).decode()
        elif value == LINK:
            params[name] = remote.url("/photo.jpg")
        elif isinstance(value, str) and value.startswith("/"):
            params[name] = remote.url(value)
    headers = {"HTTP_X_API_KEY": key}
    if accept:
        headers["HTTP_ACCEPT"] = accept
    if body == "json":
        return client.post(URL, json.dumps(params), content_type="application/json", **headers)
    if body == "form":
        return client.post(
            URL, urlencode(params), content_type="application/x-www-form-urlencoded", **headers
        )
    return client.post(URL, params, **headers)  # multipart


def image_of(resp) -> Image.Image:
    img = Image.open(io.BytesIO(resp.content))
    img.load()
    return img


def alpha(img: Image.Image) -> np.ndarray:
    return np.asarray(img.getchannel("A") if "A" in img.getbands() else img.convert("L"))


def fg(resp) -> tuple[int, int, int, int]:
    return tuple(int(resp[f"X-Foreground-{n}"]) for n in ("Left", "Top", "Width", "Height"))


def box_of(a: np.ndarray, level: int = 10) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(a > level)
    return (
        int(xs.min()),
        int(ys.min()),
        int(xs.max()) + 1 - int(xs.min()),
        int(ys.max()) + 1 - int(ys.min()),
    )


def near(a: float, b: float, tol: float = 3) -> bool:
    return abs(a - b) <= tol


# -- what a correct answer looks like, per row ---------------------------------------------


def transparent_cutout(resp, size=(W, H)):
    img = image_of(resp)
    assert resp["Content-Type"] == "image/png" and img.mode == "RGBA"
    assert img.size == size == (int(resp["X-Width"]), int(resp["X-Height"]))
    a = alpha(img)
    assert a[:20, :20].max() == 0 and a[-20:, -20:].max() == 0  # background gone
    cx, cy = size[0] // 2, size[1] // 2
    assert a[cy - 20 : cy + 20, cx - 20 : cx + 20].min() == 255  # the disc kept
    assert fg(resp) == box_of(a)  # headers tell where the subject is
    # The disc: radius 180 around the centre of an 800x600 photo.
    left, top, width, height = fg(resp)
    if size == (W, H):
        assert near(left, 220, 16) and near(top, 120, 16) and near(width, 360, 32)
    return img


def preview(resp):
    img = transparent_cutout(resp, size=image_of(resp).size)
    assert img.width * img.height <= 250_000 and near(img.width / img.height, W / H, 0.01)
    assert resp["X-Credits-Charged"] == "0.25"


def full_size(resp):
    transparent_cutout(resp)
    assert resp["X-Credits-Charged"] == "1"


def x_type(expected):
    def check(resp):
        assert resp.get("X-Type") == expected

    return check


def jpeg_on(colour):
    def check(resp):
        img = image_of(resp)
        assert resp["Content-Type"] == "image/jpeg" and img.format == "JPEG" and img.mode == "RGB"
        corner = np.asarray(img)[:20, :20].reshape(-1, 3).mean(axis=0)
        assert np.abs(corner - np.array(colour)).max() < 6, corner
        centre = np.asarray(img)[H // 2, W // 2]
        assert centre[0] > 150 and centre[1] < 100  # the red disc on top

    return check


def webp(resp):
    img = image_of(resp)
    assert resp["Content-Type"] == "image/webp" and img.format == "WEBP" and img.mode == "RGBA"
    assert alpha(img)[:20, :20].max() == 0


def zip_pair(resp):
    assert resp["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.content)) as zf:
        assert sorted(zf.namelist()) == ["alpha.png", "color.jpg"]
        color = Image.open(io.BytesIO(zf.read("color.jpg")))
        matte = Image.open(io.BytesIO(zf.read("alpha.png")))
        assert color.format == "JPEG" and color.size == (W, H)
        assert matte.mode == "L" and matte.size == (W, H)
        a = np.asarray(matte)
        assert a[:20, :20].max() == 0 and a[H // 2, W // 2] == 255
        assert np.asarray(color)[H // 2, W // 2][0] > 150


def left_half_only(resp):
    a = alpha(image_of(resp))
    assert a[:, W // 2 + 1 :].max() == 0  # nothing right of the region of interest
    assert a[H // 2, W // 2 - 40] == 255
    left, _, width, _ = fg(resp)
    assert left + width <= W // 2 + 1


def cropped(margins=(0, 0, 0, 0)):
    top, right, bottom, left = margins

    def check(resp):
        img = image_of(resp)
        l_, t_, w_, h_ = fg(resp)
        assert (l_, t_) == (left, top)
        assert img.size == (w_ + left + right, h_ + top + bottom)
        assert near(w_, 360, 32)
        assert fg(resp) == box_of(alpha(img))

    return check


def crop_margin_percent(resp):
    img = image_of(resp)
    l_, t_, w_, h_ = fg(resp)
    assert near(l_, w_ * 0.1, 1) and near(t_, h_ * 0.1, 1)
    assert near(img.width, w_ * 1.2, 2) and near(img.height, h_ * 1.2, 2)


def scaled_centre(resp):
    img = image_of(resp)
    assert img.size == (W, H)
    l_, t_, w_, h_ = fg(resp)
    # Fits half the canvas (height limits the disc first). The box is measured again on the
    # resampled result, whose soft lower edge (a faint contact shadow the cut-out keeps) ends a
    # few pixels inside the scaled box: 295 of 300 with the current refinement.
    assert near(h_, 0.5 * H, 6)
    assert near(l_ + w_ / 2, W / 2, 2) and near(t_ + h_ / 2, H / 2, 3)  # the lower edge, as above


def scaled_top_left(resp):
    l_, t_, w_, h_ = fg(resp)
    assert (l_, t_) == (0, 0) and near(h_, 0.5 * H, 6)  # as in scaled_centre


def moved_right_bottom(resp):
    l_, t_, w_, h_ = fg(resp)
    assert near(l_ + w_, W, 1) and near(t_ + h_, H, 1) and near(w_, 360, 32)


def centred(resp):
    l_, t_, w_, h_ = fg(resp)
    assert near(l_ + w_ / 2, W / 2, 1) and near(t_ + h_ / 2, H / 2, 1)


def alpha_matte(resp):
    img = image_of(resp)
    assert resp["Content-Type"] == "image/png" and img.mode == "L" and img.size == (W, H)
    a = np.asarray(img)
    assert a[:20, :20].max() == 0 and a[H // 2, W // 2] == 255


def translucent_on(rgba):
    def check(resp):
        img = image_of(resp)
        assert resp["Content-Type"] == "image/png" and img.mode == "RGBA"
        assert tuple(np.asarray(img)[5, 5]) == rgba
        assert tuple(np.asarray(img)[H // 2, W // 2])[3] == 255

    return check


def no_semitransparency(resp):
    assert set(np.unique(alpha(image_of(resp)))) <= {0, 255}


def json_answer(resp):
    assert resp["Content-Type"] == "application/json"
    data = resp.json()["data"]
    img = Image.open(io.BytesIO(base64.b64decode(data["result_b64"])))
    assert img.format == "PNG" and img.size == (int(resp["X-Width"]), int(resp["X-Height"]))
    assert (
        data["foreground_left"],
        data["foreground_top"],
        data["foreground_width"],
        data["foreground_height"],
    ) == fg(resp)
    assert "result_url" not in data  # the store did not opt in to keeping results


OK = [
    # (row id, body, params, Accept, check)
    ("image_file", "multipart", {"image_file": FILE, "size": "full"}, "", full_size),
    ("image_file_b64 json", "json", {"image_file_b64": B64, "size": "full"}, "", full_size),
    ("image_file_b64 form", "form", {"image_file_b64": B64, "size": "full"}, "", full_size),
    ("image_url json", "json", {"image_url": LINK, "size": "full"}, "", full_size),
    ("image_url form", "form", {"image_url": LINK, "size": "full"}, "", full_size),
    ("size default is preview", "multipart", {"image_file": FILE}, "", preview),
    ("size preview", "json", {"image_file_b64": B64, "size": "preview"}, "", preview),
    ("size small (alias)", "json", {"image_file_b64": B64, "size": "small"}, "", preview),
    ("size regular (alias)", "form", {"image_file_b64": B64, "size": "regular"}, "", preview),
    ("size medium", "json", {"image_file_b64": B64, "size": "medium"}, "", full_size),
    ("size hd", "json", {"image_file_b64": B64, "size": "hd"}, "", full_size),
    ("size 4k (alias)", "json", {"image_file_b64": B64, "size": "4k"}, "", full_size),
    ("size auto", "json", {"image_file_b64": B64, "size": "auto"}, "", full_size),
    ("type auto", "json", {"image_file_b64": B64}, "", x_type("other")),
    ("type product", "json", {"image_file_b64": B64, "type": "product"}, "", x_type("product")),
    ("type person", "form", {"image_file_b64": B64, "type": "person"}, "", x_type("person")),
    ("type car", "form", {"image_file_b64": B64, "type": "car"}, "", x_type("car")),
    ("type_level none", "json", {"image_file_b64": B64, "type_level": "none"}, "", x_type(None)),
    ("format png", "json", {"image_file_b64": B64, "size": "full", "format": "png"}, "",
     full_size),
    ("format jpg", "json", {"image_file_b64": B64, "size": "full", "format": "jpg"}, "",
     jpeg_on((255, 255, 255))),
    ("format webp", "json", {"image_file_b64": B64, "size": "full", "format": "webp"}, "", webp),
    ("format zip", "json", {"image_file_b64": B64, "size": "full", "format": "zip"}, "",
     zip_pair),
    ("roi percent", "json", {"image_file_b64": B64, "size": "full", "roi": "0% 0% 50% 100%"},
     "", left_half_only),
    ("roi px", "form", {"image_file_b64": B64, "size": "full", "roi": "0px 0px 400px 600px"},
     "", left_half_only),
    ("roi whole image", "json", {"image_file_b64": B64, "size": "full",
                                 "roi": "0% 0% 100% 100%"}, "", full_size),
    ("crop", "json", {"image_file_b64": B64, "size": "full", "crop": True}, "", cropped()),
    ("crop form 'true'", "form", {"image_file_b64": B64, "size": "full", "crop": "true"}, "",
     cropped()),
    ("crop_margin px", "json", {"image_file_b64": B64, "size": "full", "crop": True,
                                "crop_margin": "10px"}, "", cropped((10, 10, 10, 10))),
    ("crop_margin two values", "json", {"image_file_b64": B64, "size": "full", "crop": True,
                                        "crop_margin": "10px 20px"}, "",
     cropped((10, 20, 10, 20))),
    ("crop_margin four values", "multipart", {"image_file": FILE, "size": "full",
                                              "crop": "true", "crop_margin": "1px 2px 3px 4px"},
     "", cropped((1, 2, 3, 4))),
    ("crop_margin percent", "json", {"image_file_b64": B64, "size": "full", "crop": True,
                                     "crop_margin": "10%"}, "", crop_margin_percent),
    ("crop_margin without crop", "json", {"image_file_b64": B64, "size": "full",
                                          "crop_margin": "30px"}, "", full_size),
    ("scale (centres)", "json", {"image_file_b64": B64, "size": "full", "scale": "50%"}, "",
     scaled_centre),
    ("scale + position 0%", "json", {"image_file_b64": B64, "size": "full", "scale": "50%",
                                     "position": "0%"}, "", scaled_top_left),
    ("position 100% 100%", "json", {"image_file_b64": B64, "size": "full",
                                    "position": "100% 100%"}, "", moved_right_bottom),
    ("position center", "form", {"image_file_b64": B64, "size": "full", "position": "center"},
     "", centred),
    ("scale original", "json", {"image_file_b64": B64, "size": "full", "scale": "original"},
     "", full_size),
    ("channels rgba", "json", {"image_file_b64": B64, "size": "full", "channels": "rgba"}, "",
     full_size),
    ("channels alpha", "json", {"image_file_b64": B64, "size": "full", "channels": "alpha"},
     "", alpha_matte),
    ("bg_color hex", "json", {"image_file_b64": B64, "size": "full", "bg_color": "81d4fa"}, "",
     jpeg_on((0x81, 0xD4, 0xFA))),
    ("bg_color short hex", "form", {"image_file_b64": B64, "size": "full", "bg_color": "#fff"},
     "", jpeg_on((255, 255, 255))),
    ("bg_color name", "json", {"image_file_b64": B64, "size": "full", "bg_color": "green"}, "",
     jpeg_on((0, 128, 0))),
    ("bg_color with alpha", "json", {"image_file_b64": B64, "size": "full",
                                     "bg_color": "81d4fa77"}, "",
     translucent_on((0x81, 0xD4, 0xFA, 0x77))),
    ("bg_image_file", "multipart", {"image_file": FILE, "size": "full", "format": "jpg",
                                    "bg_image_file": "<bg>"}, "", jpeg_on(BLUE_BG)),
    ("bg_image_url", "json", {"image_file_b64": B64, "size": "full", "format": "jpg",
                              "bg_image_url": "/bg.png"}, "", jpeg_on(BLUE_BG)),
    ("semitransparency false", "form", {"image_file_b64": B64, "size": "full",
                                        "semitransparency": "false"}, "", no_semitransparency),
    ("Accept: application/json", "json", {"image_file_b64": B64, "size": "full"},
     "application/json", json_answer),
]  # fmt: skip


@pytest.mark.parametrize(("body", "params", "accept", "check"), [r[1:] for r in OK],
                         ids=[r[0] for r in OK])  # fmt: skip
def test_request_gives_result(client, key, remote, media, body, params, accept, check):
    if params.get("bg_image_file") == "<bg>":
        params = {**params, "bg_image_file": SimpleUploadedFile("bg.png", BG_PNG, "image/png")}
    resp = send(client, body, params, key, remote, accept)
    assert resp.status_code == 200, resp.content[:300]
    for name in ("X-Width", "X-Height", "X-RateLimit-Limit", "X-RateLimit-Remaining"):
        assert int(resp[name]) >= 0
    check(resp)


NOT_AN_IMAGE = b"this is a text file, not a photo\n" * 10

ERRORS = [
    # (row id, body, params, code)
    ("no source", "json", {"size": "full"}, "missing_source"),
    ("empty sources", "form", {"image_url": "", "image_file_b64": ""}, "missing_source"),
    ("two sources", "multipart", {"image_file": FILE, "image_url": LINK}, "multiple_sources"),
    ("three sources", "json", {"image_file_b64": B64, "image_url": LINK}, "multiple_sources"),
    ("bad base64", "json", {"image_file_b64": "not base64!"}, "invalid_image_file_b64"),
    ("not an image", "json", {"image_file_b64": base64.b64encode(NOT_AN_IMAGE).decode()},
     "invalid_file_type"),
    ("image_url not http", "json", {"image_url": "ftp://example.com/a.jpg"},
     "invalid_image_url"),
    ("image_url not an image", "json", {"image_url": "/page.html"}, "failed_image_download"),
    ("image_url missing", "json", {"image_url": "/gone.jpg"}, "failed_image_download"),
    ("size", "json", {"image_file_b64": B64, "size": "huge"}, "invalid_size"),
    ("type", "json", {"image_file_b64": B64, "type": "boat"}, "invalid_type"),
    ("type_level", "json", {"image_file_b64": B64, "type_level": "3"}, "invalid_type_level"),
    ("format", "json", {"image_file_b64": B64, "format": "gif"}, "invalid_format"),
    ("roi three values", "json", {"image_file_b64": B64, "roi": "0% 0% 50%"}, "invalid_roi"),
    ("roi no unit", "json", {"image_file_b64": B64, "roi": "0 0 50 50"}, "invalid_roi"),
    ("roi over 100%", "json", {"image_file_b64": B64, "roi": "0% 0% 150% 100%"},
     "invalid_roi"),
    ("roi outside", "json", {"image_file_b64": B64, "roi": "0px 0px 900px 600px"},
     "roi_exceeds_bounds"),
    ("roi empty", "json", {"image_file_b64": B64, "roi": "10% 10% 10% 50%"},
     "roi_region_empty"),
    ("crop", "json", {"image_file_b64": B64, "crop": "perhaps"}, "invalid_crop"),
    ("crop_margin over 500px", "json", {"image_file_b64": B64, "crop": True,
                                        "crop_margin": "600px"}, "invalid_crop_margin"),
    ("crop_margin over 50%", "json", {"image_file_b64": B64, "crop": True,
                                      "crop_margin": "60%"}, "invalid_crop_margin"),
    ("crop_margin three values", "json", {"image_file_b64": B64, "crop": True,
                                          "crop_margin": "1px 2px 3px"}, "invalid_crop_margin"),
    ("scale under 10%", "json", {"image_file_b64": B64, "scale": "5%"}, "invalid_scale"),
    ("scale no unit", "json", {"image_file_b64": B64, "scale": "50"}, "invalid_scale"),
    ("position", "json", {"image_file_b64": B64, "position": "left"}, "invalid_position"),
    ("position over 100%", "json", {"image_file_b64": B64, "position": "120%"},
     "invalid_position"),
    ("channels", "json", {"image_file_b64": B64, "channels": "rgb"}, "invalid_channels"),
    ("bg_color", "json", {"image_file_b64": B64, "bg_color": "not-a-colour"},
     "invalid_bg_color"),
    ("two backgrounds", "json", {"image_file_b64": B64, "bg_color": "fff",
                                 "bg_image_url": "/bg.png"}, "multiple_bg_sources"),
    ("bg_image_url not an image", "json", {"image_file_b64": B64, "bg_image_url": "/page.html"},
     "failed_bg_download"),
    ("bg_image_url not http", "json", {"image_file_b64": B64, "bg_image_url": "file:///etc/x"},
     "invalid_bg_image_url"),
    ("add_shadow", "json", {"image_file_b64": B64, "add_shadow": "sometimes"},
     "invalid_add_shadow"),
    ("semitransparency", "json", {"image_file_b64": B64, "semitransparency": "x"},
     "invalid_semitransparency"),
    ("no subject in the region", "json", {"image_file_b64": B64, "roi": "0px 0px 80px 80px"},
     "unknown_foreground"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "params", "code"), [r[1:] for r in ERRORS],
                         ids=[r[0] for r in ERRORS])  # fmt: skip
def test_bad_request_gets_removebg_error(client, key, remote, media, body, params, code):
    resp = send(client, body, params, key, remote)
    assert resp.status_code == 400, resp.content[:300]
    assert resp["Content-Type"] == "application/json"
    errors = resp.json()["errors"]
    assert len(errors) == 1 and errors[0]["code"] == code, errors
    assert errors[0]["title"]


def test_bad_files_in_multipart(client, key, media):
    upload = SimpleUploadedFile("notes.jpg", NOT_AN_IMAGE, "image/jpeg")
    resp = client.post(URL, {"image_file": upload}, HTTP_X_API_KEY=key)
    assert resp.status_code == 400 and resp.json()["errors"][0]["code"] == "invalid_file_type"
    resp = client.post(
        URL,
        {
            "image_file": SimpleUploadedFile("p.jpg", PHOTO, "image/jpeg"),
            "bg_image_file": SimpleUploadedFile("bg.png", NOT_AN_IMAGE, "image/png"),
        },
        HTTP_X_API_KEY=key,
    )
    assert resp.status_code == 400 and resp.json()["errors"][0]["code"] == "invalid_bg_image"


def test_file_too_large(client, key, media, settings):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "MAX_UPLOAD_BYTES": len(PHOTO) - 1}
    upload = SimpleUploadedFile("p.jpg", PHOTO, "image/jpeg")
    resp = client.post(URL, {"image_file": upload}, HTTP_X_API_KEY=key)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["code"] == "file_too_large"


def test_empty_photo_has_no_foreground(client, key, media):
    flat = png(Image.new("RGB", (300, 200), (128, 128, 128)))
    resp = client.post(
        URL, {"image_file": SimpleUploadedFile("flat.png", flat, "image/png")}, HTTP_X_API_KEY=key
    )
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["code"] == "unknown_foreground"


def test_malformed_json_body(client, key):
    resp = client.post(URL, "{not json", content_type="application/json", HTTP_X_API_KEY=key)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["code"] == "invalid_request"


@pytest.mark.parametrize("body", ['"a string"', "[1, 2]", "42", "null"])
def test_json_body_that_is_not_an_object(client, key, body):
    resp = client.post(URL, body, content_type="application/json", HTTP_X_API_KEY=key)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["code"] == "invalid_request"


def test_same_answer_at_remove_bg_path(client, key, media):
    """The demo site also mounts it where remove.bg has it, for clients with a fixed path."""
    a = client.post(URL, {"image_file_b64": base64.b64encode(PHOTO).decode()},
                    HTTP_X_API_KEY=key)  # fmt: skip
    b = client.post("/v1.0/removebg", {"image_file_b64": base64.b64encode(PHOTO).decode()},
                    HTTP_X_API_KEY=key)  # fmt: skip
    assert a.status_code == b.status_code == 200
    assert a.content == b.content and fg(a) == fg(b)


def test_add_shadow_shades_under_the_subject(client, key, media):
    """The shadow lies under the disc (its bottom is at y=480), where a plain cut-out is clear;
    the foreground headers still describe the subject, not its shadow."""
    params = {"image_file_b64": base64.b64encode(PHOTO).decode(), "size": "full"}
    plain = client.post(URL, params, HTTP_X_API_KEY=key)
    shaded = client.post(URL, {**params, "add_shadow": "true"}, HTTP_X_API_KEY=key)
    assert plain.status_code == shaded.status_code == 200
    band = np.s_[478:492, W // 2 - 60 : W // 2 + 60]
    a_plain, a_shaded = alpha(image_of(plain))[band], alpha(image_of(shaded))[band]
    assert a_shaded.astype(int).sum() > a_plain.astype(int).sum() + 20 * a_plain.size // 10
    assert (a_shaded >= a_plain).all()
    assert fg(shaded) == fg(plain)
