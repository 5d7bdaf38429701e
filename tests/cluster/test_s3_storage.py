"""Shared storage through django-storages' S3 backend (KONIGLE_BG_STORAGE=s3): the web host
uploads, a worker on another host (its own, empty media folder) reads and writes the bucket.
The S3 endpoint is moto's server on a loopback port: real HTTP, the real boto3 client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import servers
from tests.cluster.conftest import make_photos, progress, publish
from tests.procs import cluster, shell, wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

N = 4
BUCKET = "konigle-media"


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = servers.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_worker_on_another_host_uses_the_bucket(site, s3_endpoint, tmp_path):
    import boto3

    s3 = {
        "KONIGLE_BG_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=BUCKET)
    # Each host has its own local media folder: nothing may go through them.
    web = site.env("web", MEDIA_ROOT=str(tmp_path / "web-media"), **s3)
    worker = site.env("worker-host", MEDIA_ROOT=str(tmp_path / "worker-media"), **s3)
    storage = shell(
        web,
        "from django.core.files.storage import storages; print(type(storages['default']).__name__)",
    )
    assert storage.strip().splitlines()[-1] == "S3Storage"
    product = make_photos(web, N)
    with cluster(worker, tmp_path / "worker.log") as proc:
        publish(web, product)
        wait_for(lambda: progress(site)["active"] >= N, 240, interval=1, what="photos shown")
        assert proc.poll() is None

    keys = {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    variants = [name for (name,) in site.sql("SELECT file FROM konigle_bg_variant")]
    cutouts = [r for row in site.sql("SELECT rgba, mask FROM konigle_bg_cutout") for r in row]
    assert len(variants) == N and len(cutouts) == 2 * N
    assert set(variants) | set(cutouts) <= keys
    assert sum(k.endswith("/original.jpg") for k in keys) == N
    body = client.get_object(Bucket=BUCKET, Key=variants[0])["Body"].read()
    assert body[:3] == b"\xff\xd8\xff"  # a JPEG (the default white theme)
    assert not (tmp_path / "worker-media").exists() or not any(
        (tmp_path / "worker-media").rglob("*")
    )
    assert not (tmp_path / "web-media").exists() or not any((tmp_path / "web-media").rglob("*"))
