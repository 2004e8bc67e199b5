"""How Townhub drives headless Chromium, for the browser tests and the page-weight
benchmark alike: Debian's browser, never a downloaded one (see FIELD-NOTES.md)."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Nothing but localhost resolves: the browser cannot reach Google's services, and a
    # page that tries to load anything from elsewhere fails loudly.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
]
