"""The kinds of business a hub lists (plain data, so the demo data can use it too)."""

CATEGORIES: tuple[str, ...] = (
    "food-and-drink",
    "groceries",
    "health-and-beauty",
    "home-and-garden",
    "fashion",
    "services",
    "leisure",
)
