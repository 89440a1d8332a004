"""Every write in the sellers app. One module per area:

- seller.py     the seller's lifecycle (activate, suspend, reinstate, terminate)
"""
