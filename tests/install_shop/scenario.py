"""What a shop does with konigle_bg once installed; prints one JSON line of what it saw."""

import io
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
import django  # noqa: E402

django.setup()

from catalog.models import Item, Picture, Shop  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

import konigle_bg  # noqa: E402
from konigle_bg import services  # noqa: E402
from konigle_bg.imaging.segment.salient import u2netp_path  # noqa: E402

seen = {"konigle_bg": konigle_bg.__file__, "sys_path": sys.path, "model": str(u2netp_path())}
user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
shop = Shop.objects.create(label="Corner shop", manager=user)
item = Item.objects.create(shop=shop, name="Red ball")
img = Image.new("RGB", (320, 240), (90, 120, 160))
ImageDraw.Draw(img).ellipse((100, 60, 220, 180), fill=(200, 30, 30))
buf = io.BytesIO()
img.save(buf, "JPEG")
picture = Picture(item=item)
picture.file.save("ball.jpg", ContentFile(buf.getvalue()), save=True)

item.live = True
item.save()  # published: processed at once (SYNC), after the commit
seen["original"] = picture.file.url
seen["processed"] = services.display_url(picture)
seen["tag"] = Template("{% load konigle_bg %}{% bg_image_url p %}").render(Context({"p": picture}))

client = Client()
client.force_login(user)
page = client.get(f"/admin/catalog/item/{item.pk}/change/")
seen["change_page"] = page.status_code
seen["photo_strip"] = "Shown on the store" in page.content.decode()
changelist = client.get("/admin/catalog/item/").content.decode()
seen["actions"] = [a for a in ("go_live", "revert_backgrounds", "process_backgrounds")
                   if f'value="{a}"' in changelist]
reverted = client.post(
    "/admin/catalog/item/",
    {"action": "revert_backgrounds", "_selected_action": [item.pk]},
)
seen["revert_status"] = reverted.status_code
seen["after_revert"] = services.display_url(picture)
seen["review_page"] = client.get(f"/photos/stores/{shop.pk}/").status_code
print(json.dumps(seen))
