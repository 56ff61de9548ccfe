import datetime as dt

from django import template

register = template.Library()


@register.filter
def clause(text: str) -> str:
    """Words someone typed, without their closing full stop, to go inside a sentence
    that has its own (a chair's reason: "… took this card down: <reason>. Find …")."""
    return text.rstrip(".")


@register.filter
def relative_day(date: dt.date, today: dt.date) -> str:
    """'Today', 'Tomorrow' or 'Yesterday' relative to `today`; empty for other dates."""
    return {0: "Today", 1: "Tomorrow", -1: "Yesterday"}.get((date - today).days, "")


@register.filter
def day_label(date: dt.date, today: dt.date) -> str:
    """The relative name of `date` where there is one, else e.g. 'Fri 29 May'."""
    return relative_day(date, today) or date.strftime("%a %-d %b")
