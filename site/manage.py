#!/usr/bin/env python
"""Django's command-line utility for CivicDesk."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
