"""Real files and a completed application, for the onboarding tests."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from sellers.models import Application, Document
from sellers.services import documents as document_services
from sellers.services import onboarding as services

VALID = {
    "business": {
        "legal_name": "Example Trading GmbH",
        "trading_name": "Example Shop",
        "entity_type": "company",
        "country": "DE",
        "trade_register": "Amtsgericht München",
        "registration_number": "HRB 123456",
        "tax_id": "DE136695976",
    },
    "contacts": {
        "street": "Marienplatz 1",
        "postal_code": "80331",
        "city": "München",
        "country": "DE",
        "phone": "+49 89 2339 6000",
        "email": "shop@example.com",
    },
    "representative": {
        "first_name": "Erika",
        "last_name": "Mustermann",
        "role": "Managing director",
        "date_of_birth": "1980-04-01",
        "nationality": "DE",
    },
}
VALID_IBAN = "DE89 3704 0044 0532 0130 00"


def jpeg_bytes(seed: int = 0, size=(320, 240), exif=None) -> bytes:
    image = Image.new("RGB", size, (30 + seed * 7 % 200, 90, 160))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        draw.rectangle([10 + i * 40 + seed, 20, 30 + i * 40 + seed, 60 + i * 20], fill=(250, 250 - i * 30, 10))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def png_bytes(seed: int = 0, size=(200, 200)) -> bytes:
    image = Image.new("RGB", size, (240, 240, 240))
    ImageDraw.Draw(image).ellipse([20 + seed, 20, 180, 180 - seed], fill=(10, 120, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(data: bytes, name: str = "scan.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def complete_application(seller, user, *, seed: int = 0) -> Application:
    """Fill every step through the services, with real files processed by the pipeline."""
    application = seller.applications.get(status__in=Application.EDITABLE)
    for step in ("business", "contacts", "representative"):
        application = services.application_save_step(application=application, step=step, data=VALID[step], actor=user)
    application = services.application_save_payment(
        application=application,
        holder="Example Trading GmbH",
        account="DE89370400440532013000",
        account_type="iban",
        bank_country="DE",
        actor=user,
    )
    from django.utils import timezone

    for i, kind in enumerate(services.REQUIRED_DOCUMENTS):
        data = jpeg_bytes(seed * 10 + i) if i % 2 == 0 else pdf_bytes()
        document_services.document_upload(
            seller=seller,
            kind=kind,
            uploaded_file=upload(data),
            actor=user,
            issued_on=timezone.localdate() if kind == Document.Kind.PROOF_OF_ADDRESS else None,
        )
    return services.application_certify(application=application, actor=user)
