"""Sellers' data. One module per area; import models from here.

- seller.py     Seller and its members (the shared core)
- documents.py  uploaded documents and their processing state
- brands.py     brands, trademark registrations, brand authorizations
"""

from sellers.models.brands import (
    Brand,
    BrandAuthorization,
    BrandImage,
    BrandOwner,
    BrandOwnerApiKey,
    BrandOwnerContact,
    BrandReferencePrice,
    TrademarkRegistration,
)
from sellers.models.documents import Document
from sellers.models.onboarding import Application, ApplicationCheck, Invitation, Recertification
from sellers.models.seller import Seller, SellerMember

__all__ = [
    "Application",
    "ApplicationCheck",
    "Brand",
    "BrandAuthorization",
    "BrandImage",
    "BrandOwner",
    "BrandOwnerApiKey",
    "BrandOwnerContact",
    "BrandReferencePrice",
    "Document",
    "Invitation",
    "Recertification",
    "Seller",
    "SellerMember",
    "TrademarkRegistration",
]
