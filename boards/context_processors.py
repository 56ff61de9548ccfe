from django.conf import settings


def conference(request) -> dict[str, str]:
    """What every page shows: the conference, and how to reach its chair (footer, guide)."""
    return {
        "conference_name": settings.OPENSPACES_NAME,
        "conference_hashtag": settings.OPENSPACES_HASHTAG,
        "contact_email": settings.OPENSPACES_CONTACT_EMAIL,
        "conduct_url": settings.OPENSPACES_CONDUCT_URL,
    }
