"""A small parsed-HTML tree for the audit tests: find elements by tag, id, class or
attribute and read their text, whatever the template's whitespace (the standard
library's parser; the suite has no HTML library)."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list["Element | str"] = field(default_factory=list)

    def __getitem__(self, name: str) -> str:
        return self.attrs[name] or ""

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def text(self) -> str:
        """The element's text, whitespace collapsed."""
        return " ".join("".join(self._strings()).split())

    def _strings(self) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield " "
                yield from child._strings()
                yield " "

    def walk(self) -> Iterator["Element"]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.walk()

    def all(self, tag: str | None = None, *, cls: str | None = None, **attrs) -> list["Element"]:
        """Descendants with this tag, class and attributes (`data_label="When"` for
        data-label; True: the attribute is present)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.walk()
            if (tag is None or element.tag == tag)
            and (cls is None or cls in (element.get("class") or "").split())
            and all(
                name in element.attrs if value is True else element.attrs.get(name) == value
                for name, value in wanted.items()
            )
        ]

    def one(self, tag: str | None = None, **filters) -> "Element":
        found = self.all(tag, **filters)
        assert len(found) == 1, f"{len(found)} <{tag or '*'} {filters}>"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root")
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag):
        # Closes the nearest open element of that tag (and any left unclosed inside it).
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(html: str | bytes) -> Element:
    builder = _Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root


def entry_rows(html: str | bytes) -> list[Element]:
    """The audit log's entry rows, in order."""
    bodies = parse(html).one(id="audit-entries").all("tbody")
    return bodies[0].all("tr") if bodies else []


def cells(row: Element) -> dict[str, str]:
    """A row's cells by their label (the column, or on a phone the card's line)."""
    return {cell["data-label"]: cell.text for cell in row.all("td")}
