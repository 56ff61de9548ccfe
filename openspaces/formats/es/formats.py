# Spanish formats of the boards: "viernes 14 de mayo", "vie 14 may" (months in lower case,
# as Spanish writes them), a 24-hour clock.
DATE_FORMAT = r"l j \d\e F"
SHORT_DATE_FORMAT = "D j b"
MONTH_DAY_FORMAT = r"j \d\e F"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"l j \d\e F, H:i"
SHORT_DATETIME_FORMAT = "D H:i"
