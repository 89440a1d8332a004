"""Every write in the moderation app. One module per area:

- listings.py   listing upsert, status changes, image fingerprints
- notices.py    notice intake (API and public form), notifier identity
- cases.py      opening/raising cases, scoring, the queue lease, escalation, notes
- detection.py  automated signals that open or raise cases
- decisions.py  decisions (one class per action) and their statements of reasons
- appeals.py    appeals, decided by a senior moderator other than the first decider
- strikes.py    strike points, thresholds (DSA Art. 23)
- notifiers.py  notifier reputation and standing
- policies.py   policies (the rules decisions apply), kept by senior moderators
"""
