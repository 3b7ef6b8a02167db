"""GOV.UK date inputs in tests: a date as the three boxes a browser posts, and whether a page shows one."""

from __future__ import annotations

import re
from datetime import date


def date_parts(name: str, value: str | date) -> dict[str, str]:
    """`{name}-day`, `{name}-month`, `{name}-year` for an ISO date (or a date), as a browser posts them."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def shows_date(html: str, name: str, value: str | date) -> bool:
    """Whether `html` has the date input `name` filled in with `value`."""
    for box, typed in date_parts(name, value).items():
        tag = re.search(rf'<input[^>]*name="{re.escape(box)}"[^>]*>', html)
        if not tag or f'value="{typed}"' not in tag.group(0):
            return False
    return True
