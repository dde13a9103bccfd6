"""The pager under every paginated region (`{% pager %}`, templatetags/pagers.py), drawn
in Python.

Drawn by the template language it cost some 0.6 ms a page, a tenth of the list page's
instructions: four links and four sizes, each a loop turn with its conditions, some
forty escaped look-ups. Here it is a few format strings: the same markup, byte for byte
(the list's golden files, tests/clients/test_list_golden.py, hold it; the tabs and the
audit log draw the same), every value escaped as the template escaped it (html.escape
unless already safe, as conditional_escape), numbers grouped as intcomma groups them.
Change the markup here; the comments that explain it stay with it.
"""

from html import escape as html_escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from .paging import Pager

# data-pager-part / data-pager-item: after a swap, dashboard.js puts focus back on the
# same control. Each link fetches only the region (hx-get) and pushes the full page's
# URL, which is also its href. The blank lines are where the template had its tags.
OPENING = (
    "\n\n\n"
    '<div class="d-flex flex-wrap align-items-center gap-2 justify-content-between mt-2"'
    " data-pager>\n"
    '  <p class="mb-0 text-body-secondary small">\n'
    "    \n"
    "    {summary}\n"
    "    \n"
    "  </p>\n"
    "  \n"
)
# The regions below each stand where the template had "  {% if %}…{% endif %}" lines.
PAGES = (
    "\n"
    '  <nav aria-label="{noun}: pages" hx-target="{target}" hx-swap="outerHTML"'
    ' data-pager-part="pages">\n'
    '    <ul class="pagination pagination-sm mb-0">\n'
    "      {links}\n"
    "    </ul>\n"
    "  </nav>\n"
    "  "
)
LINK = (
    "\n"
    '      <li class="page-item">\n'
    '        <a class="page-link" href="{href}" hx-get="{hx_get}" hx-push-url="{href}"'
    " data-pager-item>{label}</a>\n"
    "      </li>\n"
    "      "
)
DISABLED_LINK = (
    "\n"
    '      <li class="page-item disabled">\n'
    '        <span class="page-link" aria-disabled="true" data-pager-item>{label}</span>\n'
    "        \n"
    "      </li>\n"
    "      "
)
# More than seven pages: a page by number. A plain GET of the full page, or with htmx of
# the region; dashboard.js pushes the full page's URL (the form's action and fields).
# read_paging checks the number.
JUMP = (
    "\n"
    "  \n"
    '  <form class="pager-jump d-flex align-items-center gap-1 small" method="get"'
    ' action="{action}"\n'
    '        hx-get="{hx_get}" hx-target="{target}" hx-swap="outerHTML" data-pager-jump'
    ' data-pager-part="jump">\n'
    "    {before}\n"
    '    <label class="text-body-secondary text-nowrap" for="{noun}-page-number">Go to page'
    "</label>\n"
    '    <input class="form-control form-control-sm" type="number" id="{noun}-page-number"'
    ' name="page" min="1" max="{last}" inputmode="numeric" required data-pager-item>\n'
    "    {after}\n"
    '    <button class="btn btn-sm btn-outline-secondary" type="submit" data-pager-item>Go'
    "</button>\n"
    "  </form>\n"
    "  "
)
HIDDEN = '<input type="hidden" name="{name}" value="{value}">'
SIZES = (
    '  <nav aria-label="{noun}: rows per page" hx-target="{target}" hx-swap="outerHTML"'
    ' class="small" data-pager-part="sizes">\n'
    '    <span class="text-body-secondary">Rows</span>\n'
    "    {sizes}\n"
    "  </nav>\n"
    "</div>\n"
)
SIZE = (
    "\n"
    '      <a class="px-1" href="{href}" hx-get="{hx_get}" hx-push-url="{href}"'
    " data-pager-item>{size}</a>\n"
    "    "
)
CURRENT_SIZE = (
    '\n      <span class="fw-semibold px-1" aria-current="true" data-pager-item>{size}</span>\n'
    "      \n"
    "    "
)


def escape(value) -> str:
    """conditional_escape's rule: a value already safe (SafeString) is left as it is."""
    return value.__html__() if hasattr(value, "__html__") else html_escape(str(value))


def pager_html(pager: Pager, *, target: str, noun: str) -> SafeString:
    """The pager for a region: `target` is its selector ("#client-results"), `noun` what
    it lists ("clients")."""
    page = pager.page
    target, noun_text = escape(target), escape(noun)
    capital = escape(capfirst(noun))
    parts = [OPENING.format(summary=_summary(pager, noun_text)), "  "]
    if page.total_pages != 1:
        links = "".join(
            DISABLED_LINK.format(label=escape(link.label))
            if link.disabled
            else LINK.format(
                href=escape(link.href), hx_get=escape(link.hx_get), label=escape(link.label)
            )
            for link in pager.links
        )
        parts.append(PAGES.format(noun=capital, target=target, links=links))
    parts.append("\n  ")
    if pager.jump:
        parts.append(
            JUMP.format(
                action=escape(pager.jump.action),
                hx_get=escape(pager.jump.hx_get),
                target=target,
                before=_hidden(pager.jump.before),
                noun=noun_text,
                last=escape(str(page.total_pages)),
                after=_hidden(pager.jump.after),
            )
        )
    parts.append("\n")
    sizes = "".join(
        CURRENT_SIZE.format(size=size)
        if size == page.per_page
        else SIZE.format(href=escape(href), hx_get=escape(hx_get), size=size)
        for size, href, hx_get in pager.sizes
    )
    parts.append(SIZES.format(noun=capital, target=target, sizes=sizes))
    # Every value above went through escape() (tests/test_pager_html.py).
    return mark_safe("".join(parts))  # noqa: S308


def _summary(pager: Pager, noun: str) -> str:
    """ "51–75 of 1,000 clients · page 3 of 40", or nothing for an empty page."""
    page = pager.page
    if not page.items:
        return ""
    # Page's counts are whole numbers (api/envelopes.py): grouped as intcomma groups them.
    text = f"{page.first_index:,}–{page.last_index:,}"
    if page.total is not None:
        text += f" of {page.total:,}"
    text += f" {noun}"
    if page.total_pages:
        text += f" · page {page.page:,} of {page.total_pages:,}"
    return text


def _hidden(fields: list[tuple[str, str]]) -> str:
    return "".join(HIDDEN.format(name=escape(name), value=escape(value)) for name, value in fields)
