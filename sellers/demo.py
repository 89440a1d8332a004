"""Demo onboarding data for ``manage.py seed_demo`` (idempotent): demo-seller's submitted application."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.dispatch import receiver
from django.utils import timezone
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from portal.management.commands.seed_demo import seed_demo_data
from portal.models import User
from sellers.models import Application, Document, Invitation, Seller, SellerMember
from sellers.services import documents as document_services
from sellers.services import onboarding as services

DEMO_DATA = {
    "business": {
        "legal_name": "Lindenhof Lederwaren GmbH",
        "trading_name": "Lindenhof Leather",
        "entity_type": "company",
        "country": "DE",
        "trade_register": "Amtsgericht München",
        "registration_number": "HRB 245781",
        "tax_id": "136695976",
    },
    "contacts": {
        "street": "Sendlinger Straße 12",
        "postal_code": "80331",
        "city": "München",
        "country": "DE",
        "phone": "+498923396000",
        "email": "demo-seller@example.com",
    },
    "representative": {
        "first_name": "Sam",
        "last_name": "Seller",
        "role": "Managing director",
        "date_of_birth": "1984-06-12",
        "nationality": "DE",
    },
}


def _scan(title: str, seed: int) -> bytes:
    image = Image.new("RGB", (900, 600), (246, 244, 238))
    draw = ImageDraw.Draw(image)
    draw.rectangle([30, 30, 870, 570], outline=(40, 60, 90), width=6)
    draw.text((60, 60), title, fill=(20, 30, 50))
    for i in range(8):
        draw.rectangle([60, 140 + i * 45, 300 + (seed * 37 + i * 53) % 500, 160 + i * 45], fill=(120, 130, 150))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@receiver(seed_demo_data, dispatch_uid="sellers.demo_onboarding")
def seed_onboarding(sender, stdout=None, **kwargs) -> None:
    user = User.objects.filter(username="demo-seller").first()
    if user is None or SellerMember.objects.filter(user=user).exists():
        return
    seller = Seller.objects.create(
        legal_name="Lindenhof Lederwaren GmbH",
        country="DE",
        contact_email=user.email,
        status=Seller.Status.ONBOARDING,
    )
    SellerMember.objects.create(seller=seller, user=user, is_owner=True)
    application = Application.objects.create(seller=seller)
    for step, data in DEMO_DATA.items():
        application = services.application_save_step(application=application, step=step, data=data, actor=user)
    application = services.application_save_payment(
        application=application,
        holder="Lindenhof Lederwaren GmbH",
        account="DE89370400440532013000",
        account_type="iban",
        bank_country="DE",
        actor=user,
    )
    files = {
        Document.Kind.ID_DOCUMENT: ("passport.jpg", _scan("PASSPORT - SAM SELLER", 1)),
        Document.Kind.BUSINESS_REGISTRATION: ("handelsregister.pdf", _pdf()),
        Document.Kind.PROOF_OF_ADDRESS: ("stadtwerke-rechnung.jpg", _scan("Stadtwerke Muenchen - Rechnung", 2)),
        Document.Kind.TAX_DOCUMENT: ("ust-bescheinigung.jpg", _scan("Finanzamt - USt-IdNr.", 3)),
    }
    for kind, (name, data) in files.items():
        document_services.document_upload(
            seller=seller,
            kind=kind,
            uploaded_file=SimpleUploadedFile(name, data),
            actor=user,
            issued_on=timezone.localdate() - timezone.timedelta(days=21)
            if kind == Document.Kind.PROOF_OF_ADDRESS
            else None,
        )
    application = services.application_certify(application=application, actor=user)
    services.application_submit(application=application, actor=user)
    officer = User.objects.filter(username="demo-officer").first()
    if officer and not Invitation.objects.filter(email="new-shop@example.com").exists():
        services.invitation_create(email="new-shop@example.com", business_name="Nordkap Textil AS", actor=officer)
    if stdout:
        stdout.write("  demo-seller has a submitted application waiting in the vetting queue")
