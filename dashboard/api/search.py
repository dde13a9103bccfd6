"""A search term as staff type it: one question for the Clients API, then a filter.

The API's search (`GET /v1/clients/{search}`) takes one term, matches it as a
substring of a client's names, reference, email or phone, and answers at most
`SEARCH_CAP` clients. Staff type several words in any order ("Okafor Kofi"),
phones in any of their spellings (+234 803 123 4567, 08031234567) and references
without their zeros (CL-42). So a term is read as words; the API is asked for the
one word likely to match fewest clients (`Word.rank`); and its answer is kept to
the clients that match every word here, without case or accents, whatever the
API's own rules for them are.

Which word is asked, most selective first:
1. a whole reference, `CL-42` or `cl-000042`, asked as `CL-000042`: at most one client;
2. a phone number of 7 digits or more, asked by its national number (8031234567),
   which is part of every way an API may store it: +2348031234567, 08031234567;
3. otherwise the longest word (ties: the first typed), since a longer piece of a
   name matches fewer names. A word is asked as it was typed, accents included: an
   API that ignores accents finds both spellings, one that does not finds this one.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .records import Client, SearchResult

SEARCH_CAP = 50  # the contract: a search answers at most 50 clients
# References are a letter prefix, a hyphen and six digits (CL-000042); the book's
# millionth client gets seven. A wider reference still contains the padded form.
REFERENCE = re.compile(r"(?P<prefix>[A-Za-z]{1,6})-(?P<number>[0-9]{1,18})")
REFERENCE_DIGITS = 6
# A word of these characters may be one piece of a phone number typed with spaces.
PHONE_PIECE = re.compile(r"\+?[0-9().\-]*[0-9][0-9().\-]*")
PHONE_DIGITS = range(7, 16)  # a partial national number .. the longest E.164 number
HOME_COUNTRY_CODE = "234"  # a local number (0803…) is a Nigerian one (+234 803…)
COUNTRY_CODES = ("234", "233", "225", "221")  # West Africa: Nigeria, Ghana, Côte d'Ivoire, Senegal
UNASKABLE = {".", ".."}  # dot segments: no path can carry them (clients.segment)


def fold(text: str) -> str:
    """Text as compared: no case, no accents, compatibility forms unified, so that
    "ADEBAYO", "Adébáyọ̀" and "adebayo" are one; "№" is "no"."""
    if text.isascii():  # most names and emails: nothing to decompose, 20 times faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def digits(text: str) -> str:
    return "".join(ch for ch in text if "0" <= ch <= "9")


def national_number(number: str) -> str:
    """A phone's digits without its country code or trunk 0: 8031234567 for
    +234 803 123 4567, 2348031234567 and 08031234567 alike."""
    if number.startswith("00"):  # the international prefix, as some type "+"
        number = number[2:]
    for code in COUNTRY_CODES:
        if number.startswith(code) and len(number) - len(code) >= 6:
            return number[len(code) :]
    return number[1:] if number.startswith("0") else number


def phone_forms(phone: str | None) -> tuple[str, ...]:
    """The digit strings a phone is searched in: as stored, and in its other
    spellings, local (0803…) for an international number and the reverse."""
    number = digits(phone or "")
    if not number:
        return ()
    national = national_number(number)
    if national == number:  # stored without a country code or trunk 0: 803 123 4567
        return (number, "0" + number, HOME_COUNTRY_CODE + number)
    if number.startswith("0") and not number.startswith("00"):
        return (number, HOME_COUNTRY_CODE + national)
    return (number, "0" + national)


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a term: what a client's fields may contain for it to match, and
    what the API would be asked if it is chosen."""

    typed: str
    needles: tuple[str, ...]  # folded; a field containing any of them matches
    question: str | None  # None: cannot be asked (a dot segment)
    rank: tuple[int, int]  # higher is more selective: (kind, length)
    reference: str | None = None  # a whole reference's usual spelling, CL-000042


def read_word(typed: str) -> Word | None:
    folded = fold(typed)
    if not folded:  # only combining marks: nothing to look for
        return None
    question = None if typed in UNASKABLE else typed
    reference = REFERENCE.fullmatch(typed)
    if reference:
        number = reference["number"]
        # CL-0000 is a reference being typed (it matches CL-000000 … CL-000099);
        # CL-42, or six digits or more, is a whole one.
        if not number.startswith("0") or len(number) >= REFERENCE_DIGITS:
            usual = f"{reference['prefix'].upper()}-{int(number):0{REFERENCE_DIGITS}d}"
            needles = unique(folded, fold(usual))
            return Word(typed, needles, usual, (3, len(usual)), reference=usual)
    if PHONE_PIECE.fullmatch(typed):
        # Its digits are looked for in every spelling of a client's phone (phone_forms).
        number = digits(typed)
        if len(number) in PHONE_DIGITS:
            national = national_number(number)
            return Word(typed, (number,), national, (2, len(national)))
        return Word(typed, unique(folded, number), question, (1, len(folded)))
    return Word(typed, (folded,), question, (1, len(folded)))


def unique(*needles: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(needles))


def words_of(term: str) -> list[Word]:
    """The term's words. Numbers typed one after another are taken as one phone
    number typed in groups ("0803 123 4567", "+234 8031234567"): one word."""
    pieces = term.split()
    words: list[Word] = []
    start = 0
    while start < len(pieces):
        end = start
        while end < len(pieces) and PHONE_PIECE.fullmatch(pieces[end]):
            end += 1
        if end - start > 1:  # one number typed in groups: 0803 123 4567, +234 803
            word = read_word("".join(pieces[start:end]))
        else:
            word, end = read_word(pieces[start]), start + 1
        if word:
            words.append(word)
        start = end
    return words


def searched_text(client: Client) -> tuple[str, ...]:
    """The folded fields a word may be found in: names (also as full names), email,
    reference, and the phone as stored and in each of its digit spellings."""
    names = [client.first_name, client.middle_name, client.last_name]
    fields = [
        *names,
        f"{client.first_name} {client.last_name}",
        " ".join(name for name in names if name),
        client.email,
        client.phone_number,
        client.client_ref,
    ]
    return (*(fold(value) for value in fields if value), *phone_forms(client.phone_number))


def matches(client: Client, words: Iterable[Word]) -> bool:
    """Whether every word is found in some field of the client, in any order."""
    text = searched_text(client)
    return all(any(needle in field for needle in word.needles for field in text) for word in words)


@dataclass(frozen=True, slots=True)
class SearchAnswer(SearchResult):
    """A search's clients, and how the API was asked: `asked` is the word sent, and
    `capped` says the API answered as many clients as it ever does (`answered`), so
    clients beyond them may match too."""

    asked: str = ""
    answered: int = 0
    capped: bool = False


@dataclass(frozen=True, slots=True)
class SearchPlan:
    term: str
    words: tuple[Word, ...]

    @property
    def question(self) -> str | None:
        """The most selective word that can be asked; None when none can."""
        askable = [word for word in self.words if word.question is not None]
        if not askable:
            return None
        best = max(askable, key=lambda word: word.rank)  # max() keeps the first of a tie
        return best.question

    def answer(self, clients: list[Client], *, one_client: bool) -> SearchAnswer:
        """The API's clients kept to those matching every word. `one_client`: the API
        answered a single object, meaning the question was that client's reference."""
        kept = [client for client in clients if matches(client, self.words)]
        exact = [client for client in kept if self._is_exactly(client)]
        if one_client and kept and len(self.words) == 1:
            exact = kept[:1]
        asked = self.question or ""
        answered = len(clients)
        capped = not one_client and answered >= SEARCH_CAP
        if exact:
            return SearchAnswer(exact[:1], True, asked, answered, capped=False)
        return SearchAnswer(kept, False, asked, answered, capped)

    def _is_exactly(self, client: Client) -> bool:
        """The term is this client's reference, as the API spells it or as a reference
        is usually spelled (cl-42 for CL-000042)."""
        if client.client_ref == self.term:
            return True
        if len(self.words) != 1 or self.words[0].reference is None:
            return False
        return fold(client.client_ref) == fold(self.words[0].reference)


def plan(term: str) -> SearchPlan:
    """How to search for `term` (whitespace around and between words ignored)."""
    term = " ".join(term.split())
    if not term:
        raise ValueError("a search needs a term")
    return SearchPlan(term=term, words=tuple(words_of(term)))
