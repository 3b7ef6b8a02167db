"""Coverage tables on a phone (issue 17): the page never scrolls sideways, no header row is blank, and the name
column stays in view when a wide table is scrolled to its right end.

Judged at 390 by 844 (a common phone) and at 320 wide (WCAG 1.4.10 reflow, the suite's PHONE).
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE

PHONES = {"390": {"width": 390, "height": 844}, "320": PHONE}

#: Problems with the page's tables at this width: the page wider than the window; a header row (or a column
#: heading) with no text, not even visually hidden, or so tall (headings a letter or a word a line) that a phone
#: shows a blank band; and, with every table scrolled to its right end, a first column cell outside the window
#: or its table's region, or covered by the cells scrolled under it.
TABLE_PROBLEMS = """() => {
    const problems = [];
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth > width) {
        problems.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
    }
    const tables = [...document.querySelectorAll("main table")];
    for (const [n, table] of tables.entries()) {
        const name = `table ${n + 1} "${(table.caption ? table.caption.textContent : "").trim().slice(0, 50)}"`;
        const head = table.tHead ? table.tHead.getBoundingClientRect().height : 0;
        if (head > 160) problems.push(`${name}: a header ${Math.round(head)}px tall (words a letter a line?)`);
        for (const row of table.tHead ? table.tHead.rows : []) {
            if (!row.textContent.trim()) problems.push(`${name}: an empty header row`);
            for (const cell of row.cells) {
                if (!cell.textContent.trim()) problems.push(`${name}: an empty column heading`);
            }
        }
        const region = table.closest(".app-table-wrapper");
        if (!region) continue;
        region.scrollLeft = region.scrollWidth;
        const scrolls = region.scrollWidth > region.clientWidth + 1;
        if (scrolls && region.scrollLeft === 0) problems.push(`${name}: does not scroll inside its region`);
        const bounds = region.getBoundingClientRect();
        const right = Math.min(bounds.right, width) + 1;
        for (const row of table.rows) {
            const cell = row.cells[0];
            const box = cell.getBoundingClientRect();
            if (box.left < Math.max(bounds.left, 0) - 1 || box.right > right) {
                problems.push(`${name}: "${cell.textContent.trim().slice(0, 30)}" is at ${Math.round(box.left)}`
                    + `-${Math.round(box.right)}px, outside ${Math.round(bounds.left)}-${Math.round(right)}px`);
            }
        }
        // The first body row's name is on top, not under the figures scrolled beneath it.
        const first = table.tBodies[0] && table.tBodies[0].rows[0] && table.tBodies[0].rows[0].cells[0];
        if (first && scrolls) {
            window.scrollBy(0, first.getBoundingClientRect().top - window.innerHeight / 2);
            const box = first.getBoundingClientRect();
            const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
            if (!first.contains(top)) problems.push(`${name}: the first name is covered by ${top && top.outerHTML.slice(0, 60)}`);
        }
    }
    window.scrollTo(0, 0);
    return [tables.length, problems];
}"""


@pytest.fixture(params=["phone"])
def viewport(request):
    """Phones only: the desktop journeys are elsewhere."""
    return request.param


@pytest.fixture(params=sorted(PHONES))
def phone(page, request):
    page.set_viewport_size(PHONES[request.param])
    return page


def assert_tables_fit(page, name: str, *, tables: int) -> None:
    counted, problems = page.evaluate(TABLE_PROBLEMS)
    assert counted >= tables, f"{name}: {counted} tables, expected at least {tables}"
    assert problems == [], f"{name} ({page.url}):\n" + "\n".join(problems)
    page.check(name)  # axe-core, reflow, scrolling regions that take the focus


def test_coverage_report_and_a_department_on_a_phone(phone):
    phone.sign_in("sam.rosengard@barnet.example")
    phone.goto("/coverage")
    assert_tables_fit(phone, "coverage report", tables=2)

    department = phone.locator("main .app-coverage-table tbody a").nth(1)
    name = department.inner_text().strip()
    phone.click_and_wait(department)
    assert phone.get_by_role("heading", level=1).inner_text().strip() == name
    assert_tables_fit(phone, "department", tables=2)


def test_my_team_booking_the_untrained_and_my_training_on_a_phone(phone):
    phone.sign_in("helen.okafor@barnet.example")
    phone.goto("/my-team")
    assert "Never trained" in phone.locator("main table").inner_text()
    assert_tables_fit(phone, "my team", tables=1)

    phone.follow("Book the untrained onto the next session")
    assert_tables_fit(phone, "book the untrained", tables=1)
    phone.goto("/my-training")
    assert phone.locator("#my-requirements").is_visible()
    assert_tables_fit(phone, "my training", tables=1)


def test_board_report_and_demand_planning_on_a_phone(phone):
    phone.sign_in("sam.rosengard@barnet.example")
    phone.goto("/board-report")
    assert_tables_fit(phone, "board report", tables=5)
    phone.goto("/demand-planning")
    assert_tables_fit(phone, "demand planning", tables=1)
