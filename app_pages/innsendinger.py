"""Submitted needs (coordinators): the review queue of entries from the business form and the form links (issue 27)."""

from ui.review_queue import page

page()
