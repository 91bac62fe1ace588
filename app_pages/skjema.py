"""The business form (issue 27): reached only through a coordinator's link ``?skjema=<token>``, without login.

Nothing else of the app is reachable from here (see ``ui/business_form.py``)."""

from ui.business_form import form

form()
