"""The queue page's baseline: a plain ModelAdmin with the same columns, on its own site.

Same ``list_display`` (the display methods are borrowed from the real
CaseAdmin), same default ordering and page size, but none of its work:
no ``list_select_related``, Django's counting paginator, no filters.
"""

from django.contrib import admin

site = admin.AdminSite(name="bench_plain")

try:
    from moderation.admin import CaseAdmin
    from moderation.models import Case
except ImportError:  # moderation not built yet: the queue benchmark skips itself
    CaseAdmin = None
else:
    borrowed = {
        name: CaseAdmin.__dict__[name]
        for name in CaseAdmin.list_display
        if isinstance(name, str) and name in CaseAdmin.__dict__
    }
    PlainCaseAdmin = type(
        "PlainCaseAdmin",
        (admin.ModelAdmin,),
        {
            **borrowed,
            "list_display": CaseAdmin.list_display,
            "list_display_links": None,
            "ordering": CaseAdmin.ordering,
            "list_per_page": CaseAdmin.list_per_page,
            "change_list_template": "admin/change_list.html",
            "__module__": __name__,
        },
    )
    site.register(Case, PlainCaseAdmin)
