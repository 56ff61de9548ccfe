# Every browser test runs on a 360 px phone and on a laptop.
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
