"""Scheduled reports: the dashboard of the period just ended, mailed as PDF and XLSX."""


def send_due(today=None) -> int:
    """Send every active schedule's report for the last whole period not sent yet."""
    raise NotImplementedError
