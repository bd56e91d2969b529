"""The casework desk: what staff work on, who owns it, and the screens for it.

An add-on declares its casework once on its ``AddonConfig`` (:class:`Casework`); core turns
the declaration into admin screens (list, filters, export, bulk actions, detail, actions),
the staff home's figures and automatic assignment. Core imports no add-on: it reads the
declarations through the registry.
"""

from .declaration import CaseAction, Casework, DetailSection, Figure  # noqa: F401
