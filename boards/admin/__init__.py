"""The chair's tools. Every write goes through boards.services, with the chair named.

Actions that need more than a click (a reason, a slot to move to) show an intermediate
form that posts back to the changelist with `apply`, as Django's own delete action does.
"""

# Each module registers its models with the admin site (Django imports boards.admin).
from boards.admin import announcements, cards, days, flags, ideas, rooms, slots  # noqa: F401
