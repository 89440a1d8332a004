"""The SSRF guard in front of listing-image fetches, and the fetch task end to end."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from moderation import netguard
from moderation.models import Case, Listing, ListingImage
from moderation.models.decisions import Action
from moderation.services.decisions import case_decide
from moderation.tasks import fetch_listing_image
from portal.models import ImageFingerprint
from portal.roles import Role
from tests.factories import staff
from tests.moderation.factories import CaseFactory, ListingFactory, PolicyFactory


def _png(seed: int = 0) -> bytes:
    img = Image.new("RGB", (64, 64), "white")
    for x in range(64):
        for y in range(0, 64, 8 + seed):
            img.putpixel((x, y), (x * 4 % 255, 0, 0))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        routes = self.server.routes
        path = self.path
        if path in self.server.redirects:
            self.send_response(302)
            self.send_header("Location", self.server.redirects[path])
            self.end_headers()
            return
        if path == "/slow":
            time.sleep(2)
        body = routes.get(path, b"")
        self.send_response(200 if path in routes else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The guard may hang up on purpose (size or time limit).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.routes = {"/a.png": _png(), "/big": b"x" * 4096, "/slow": b"late"}
    port = httpd.server_address[1]
    httpd.redirects = {
        "/to-cdn": f"http://a.cdn.test:{port}/a.png",
        "/to-internal": f"http://internal.test:{port}/a.png",
        "/loop": "/loop",
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _limits(**kw):
    base = {
        "allowed_hosts": ("img.test", ".cdn.test"),
        "allow_private": False,
        "max_bytes": 1024 * 1024,
        "timeout": 1.0,
    }
    base.update(kw)
    return netguard.Limits(**base)


def _resolver(mapping):
    return lambda host, port: mapping[host]


def test_loopback_is_refused_even_for_an_allowed_host(server):
    port = server.server_address[1]
    with pytest.raises(netguard.FetchRefused, match="non-public"):
        netguard.fetch(
            f"http://img.test:{port}/a.png", limits=_limits(), resolver=_resolver({"img.test": ["127.0.0.1"]})
        )


def test_allowed_host_with_private_addresses_allowed_by_setting_is_fetched(server):
    port = server.server_address[1]
    data = netguard.fetch(
        f"http://img.test:{port}/a.png",
        limits=_limits(allow_private=True),
        resolver=_resolver({"img.test": ["127.0.0.1"]}),
    )
    assert data == server.routes["/a.png"]


def test_hosts_off_the_allow_list_and_bad_schemes_are_refused():
    with pytest.raises(netguard.FetchRefused, match="allow-list"):
        netguard.fetch("http://evil.test/x.png", limits=_limits(), resolver=_resolver({}))
    with pytest.raises(netguard.FetchRefused, match="scheme"):
        netguard.fetch("file:///etc/passwd", limits=_limits())
    with pytest.raises(netguard.FetchRefused, match="credentials"):
        netguard.fetch("http://user:pw@img.test/x.png", limits=_limits())
    assert netguard.host_allowed("a.cdn.test", ("img.test", ".cdn.test"))
    assert not netguard.host_allowed("cdn.test.evil.com", ("img.test", ".cdn.test"))


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
    ],
)
def test_every_non_public_address_is_refused(address):
    assert not netguard.address_is_public(address)
    with pytest.raises(netguard.FetchRefused, match="non-public"):
        netguard.fetch("https://img.test/a.png", limits=_limits(), resolver=_resolver({"img.test": [address]}))


def test_one_private_answer_among_public_ones_is_enough_to_refuse():
    assert netguard.address_is_public("93.184.216.34")
    with pytest.raises(netguard.FetchRefused, match="non-public"):
        netguard.fetch(
            "https://img.test/a.png", limits=_limits(), resolver=_resolver({"img.test": ["93.184.216.34", "10.1.1.1"]})
        )


def test_redirects_are_checked_again(server):
    port = server.server_address[1]
    resolver = _resolver({"img.test": ["127.0.0.1"], "a.cdn.test": ["127.0.0.1"], "internal.test": ["127.0.0.1"]})
    limits = _limits(allow_private=True)
    assert netguard.fetch(f"http://img.test:{port}/to-cdn", limits=limits, resolver=resolver) == server.routes["/a.png"]
    with pytest.raises(netguard.FetchRefused, match="allow-list"):
        netguard.fetch(f"http://img.test:{port}/to-internal", limits=limits, resolver=resolver)
    with pytest.raises(netguard.FetchRefused, match="too many redirects"):
        netguard.fetch(f"http://img.test:{port}/loop", limits=limits, resolver=resolver)

    # The test server lives on loopback; trust that one address so that only the
    # second hop's private answer (10.0.0.9) can stop the fetch.
    split = _resolver({"img.test": ["127.0.0.1"], "a.cdn.test": ["10.0.0.9"]})
    with pytest.raises(netguard.FetchRefused, match=r"a\.cdn\.test resolves to a non-public address \(10\.0\.0\.9\)"):
        netguard.fetch(
            f"http://img.test:{port}/to-cdn", limits=_limits(trusted_addresses=("127.0.0.1",)), resolver=split
        )


def test_size_and_time_limits(server):
    port = server.server_address[1]
    resolver = _resolver({"img.test": ["127.0.0.1"]})
    with pytest.raises(netguard.FetchRefused, match="larger"):
        netguard.fetch(
            f"http://img.test:{port}/big", limits=_limits(allow_private=True, max_bytes=1000), resolver=resolver
        )
    started = time.monotonic()
    with pytest.raises(netguard.FetchRefused):
        netguard.fetch(
            f"http://img.test:{port}/slow", limits=_limits(allow_private=True, timeout=0.5), resolver=resolver
        )
    assert time.monotonic() - started < 1.5


@pytest.mark.django_db
def test_the_task_fingerprints_and_matches_a_listing_removed_as_counterfeit(server, settings, client):
    port = server.server_address[1]
    settings.MODERATION_IMAGE_HOSTS = ["localhost"]
    settings.MODERATION_IMAGE_ALLOW_PRIVATE = True
    url = f"http://localhost:{port}/a.png"

    fake = ListingFactory(image_urls=[url])
    first = ListingImage.objects.create(listing=fake, url=url)
    fetch_listing_image(image_id=first.pk)
    first.refresh_from_db()
    assert first.status == ListingImage.Status.FINGERPRINTED, first.refusal_reason
    assert ImageFingerprint.objects.filter(kind="listing_image", owner_key=f"seller:{fake.seller_id}").count() == 1
    case_decide(
        case=CaseFactory(listing=fake),
        actor=staff(Role.MODERATOR),
        action=Action.REMOVE_LISTING,
        policy=PolicyFactory(),
    )
    assert Listing.objects.get(pk=fake.pk).status == Listing.Status.REMOVED

    copycat = ListingFactory()  # another seller, same photo
    second = ListingImage.objects.create(listing=copycat, url=url)
    fetch_listing_image(image_id=second.pk)
    fetch_listing_image(image_id=second.pk)  # idempotent: a second run changes nothing
    case = Case.objects.get(listing=copycat)
    assert case.automated and case.findings["image_counterfeit"] == [fake.pk]
    assert any(s["code"] == "image_counterfeit" for s in case.signals)

    # the moderator sees the removed listing's image beside the copy's
    from tests.helpers import login_staff

    login_staff(client, staff(Role.MODERATOR))
    screen = client.get(f"/console/moderation/case/{case.pk}/change/").content.decode()
    for image in (first, second):
        assert f'src="/console/moderation/case/{case.pk}/images/{image.pk}/"' in screen
        assert client.get(f"/console/moderation/case/{case.pk}/images/{image.pk}/").status_code == 200
    assert f"Image of the removed listing {fake.external_id}" in screen
    # a case that matched nothing cannot reach the removed listing's image
    unrelated = CaseFactory()
    assert client.get(f"/console/moderation/case/{unrelated.pk}/images/{first.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_task_refuses_what_is_not_an_image(server, settings):
    port = server.server_address[1]
    settings.MODERATION_IMAGE_HOSTS = ["localhost"]
    settings.MODERATION_IMAGE_ALLOW_PRIVATE = True
    image = ListingImage.objects.create(listing=ListingFactory(), url=f"http://localhost:{port}/big")
    fetch_listing_image(image_id=image.pk)
    image.refresh_from_db()
    assert image.status == ListingImage.Status.REFUSED
    assert "image" in image.refusal_reason


@pytest.mark.django_db
def test_an_image_matching_the_brands_official_image_raises_the_case():
    from moderation.services.listings import image_fingerprinted
    from portal import fingerprints
    from tests.sellers.factories import BrandFactory

    brand = BrandFactory()
    phash = 0x8F3C_A1B2_7766_0F0F
    fingerprints.add(
        kind="brand_image", object_type="sellers.brandimage", object_id=1, owner_key=f"brand:{brand.pk}", phash=phash
    )
    listing = ListingFactory(brand=brand)
    image = ListingImage.objects.create(listing=listing, url="https://img.example.com/x.jpg")
    image_fingerprinted(image=image, sha256="0" * 64, phash=phash ^ 0b101)  # 2 bits apart: a near copy
    case = Case.objects.get(listing=listing)
    assert case.findings["image_brand"] == ["1"]
    assert any(s["code"] == "image_brand" for s in case.signals)


@pytest.mark.django_db
def test_the_case_screen_shows_the_stored_preview_of_each_fetched_image(server, settings, client):
    """Moderators see what was fetched, from our own storage: it stays when the seller edits the listing."""
    from django.core.files.storage import default_storage

    from tests.helpers import login_staff

    port = server.server_address[1]
    settings.MODERATION_IMAGE_HOSTS = ["localhost"]
    settings.MODERATION_IMAGE_ALLOW_PRIVATE = True
    url = f"http://localhost:{port}/a.png"
    listing = ListingFactory(image_urls=[url])
    image = ListingImage.objects.create(listing=listing, url=url)
    fetch_listing_image(image_id=image.pk)
    image.refresh_from_db()
    assert image.status == ListingImage.Status.FINGERPRINTED and image.preview_name
    with default_storage.open(image.preview_name, "rb") as stored, Image.open(stored) as preview:
        assert preview.format == "JPEG" and max(preview.size) <= 640 and not preview.info.get("exif")

    case = CaseFactory(listing=listing)
    other_case = CaseFactory()
    login_staff(client, staff(Role.MODERATOR))
    screen = client.get(f"/console/moderation/case/{case.pk}/change/")
    preview_url = f"/console/moderation/case/{case.pk}/images/{image.pk}/"
    assert screen.status_code == 200 and f'src="{preview_url}"'.encode() in screen.content
    served = client.get(preview_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert {"private", "no-store"} <= {part.strip() for part in served["Cache-Control"].split(",")}
    with default_storage.open(image.preview_name, "rb") as stored:
        assert b"".join(served.streaming_content) == stored.read()
    # an image is served only through a case about its own listing
    assert client.get(f"/console/moderation/case/{other_case.pk}/images/{image.pk}/").status_code == 404
