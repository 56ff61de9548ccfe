"""Log lines without secrets: a manage link's token never reaches a log.

Used by Django's logging (settings.LOGGING) and by gunicorn's access log
(openspaces/gunicorn.conf.py), the two places a request's path is written.
"""

import logging
import re

# /card/<id>/manage/<token>/ and the move/release URLs under it; /manage/lost/<key>/, the
# lost-link key a mail carries, which gives a card a new token.
MANAGE_TOKEN = re.compile(r"(/card/\d+/manage/|/manage/lost/)(?!sent/)[^/\s?#\"']+")


def redact(text: str) -> str:
    return MANAGE_TOKEN.sub(r"\1…", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/manage/" in message:
            record.msg, record.args = redact(message), None
        return True
