# English formats of the boards: the whole weekday and date without the year (a conference
# is a few days), and the 24-hour clock the site has always shown.
DATE_FORMAT = "l j F"
SHORT_DATE_FORMAT = "D j M"
MONTH_DAY_FORMAT = "j F"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "l j F, H:i"
SHORT_DATETIME_FORMAT = "D H:i"
