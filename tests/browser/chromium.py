"""A headless Debian Chromium driven through /usr/bin/chromedriver (no Selenium Manager, no
browser download, no network lookups)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("TRYON_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TRYON_CHROMEDRIVER", "/usr/bin/chromedriver")


def missing() -> str | None:
    """What is missing to drive a browser here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(path) is None:
            return f"{path} (apt-get install chromium chromium-driver)"
    if importlib.util.find_spec("selenium") is None:
        return "the selenium package (pip install -e '.[dev]')"
    return None


def start(profile_dir: Path, width: int = 1280, height: int = 900) -> Any:
    # Selenium Manager must never look anything up: the driver path is given explicitly.
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which(CHROMIUM) or CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile_dir}",
                 # a camera for the page: Chromium's own test pattern, no prompt
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=shutil.which(CHROMEDRIVER) or CHROMEDRIVER)
    return webdriver.Chrome(service=service, options=options)
