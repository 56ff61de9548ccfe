from django.conf import settings


def conference(request) -> dict[str, str]:
    return {
        "conference_name": settings.OPENSPACES_NAME,
        "conference_hashtag": settings.OPENSPACES_HASHTAG,
    }
