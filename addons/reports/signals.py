"""Signals other parts of the add-on listen to (the classifier retrains on corrections)."""

from django.dispatch import Signal

#: sent after commit with report=
report_submitted = Signal()
#: sent after commit with report=, update=
report_status_changed = Signal()
#: sent after commit with report=, old=, new= (staff corrected the category)
category_corrected = Signal()
