"""Every write in the sellers app. One module per area:

- seller.py      the seller's lifecycle (activate, suspend, reinstate, terminate)
- onboarding.py  invitations, applications, vetting decisions, recertification
- documents.py   uploads and the document pipeline
- brands.py      brands, trademark registrations, brand authorizations
"""
