# Every browser test runs on a 360 px phone and on a laptop.
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}

# Headless Chromium without the background traffic it makes by default (updates, sync,
# safe browsing): on a machine that reaches only the package registries, it would keep
# trying hosts it cannot reach. The browser tests and bench/slow_phone.py use these.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
