"""The kinds of business a hub lists (plain data, so the demo data can use it too)."""

from flask_babel import lazy_gettext as _l

CATEGORIES: tuple[str, ...] = (
    "food-and-drink",
    "groceries",
    "health-and-beauty",
    "home-and-garden",
    "fashion",
    "services",
    "leisure",
)

LABELS = {
    "food-and-drink": _l("Food and drink"),
    "groceries": _l("Groceries"),
    "health-and-beauty": _l("Health and beauty"),
    "home-and-garden": _l("Home and garden"),
    "fashion": _l("Fashion"),
    "services": _l("Services"),
    "leisure": _l("Leisure"),
}


def category_label(slug: str) -> str:
    """The category's name in the resident's language."""
    return str(LABELS.get(slug, slug))
