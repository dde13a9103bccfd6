"""The client form: the API's documented fields, checked before any API call."""

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from dashboard.api import Client

from .photos import (
    MAX_PHOTO_BYTES,
    MAX_SIDE,
    PhotoRefused,
    photo_from_data_uri,
    photo_hosts,
    photo_reencode,
    photo_url_allowed,
)
from .templatetags.formatting import phone as phone_as_listed

MIN_AGE, MAX_AGE = 18, 120
# What the date of birth accepts, day first (and ISO 8601, as the API writes dates).
DAY_FIRST = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%d %b %Y", "%d %B %Y",
             "%d %b, %Y", "%d %B, %Y", "%Y-%m-%d"]  # fmt: skip
PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")
REQUEST_KEY = re.compile(r"^[0-9a-f]{32}$")

NIGERIAN_STATES = [
    "Abia", "Adamawa", "Akwa Ibom", "Anambra", "Bauchi", "Bayelsa", "Benue", "Borno",
    "Cross River", "Delta", "Ebonyi", "Edo", "Ekiti", "Enugu", "FCT", "Gombe", "Imo", "Jigawa",
    "Kaduna", "Kano", "Katsina", "Kebbi", "Kogi", "Kwara", "Lagos", "Nasarawa", "Niger", "Ogun",
    "Ondo", "Osun", "Oyo", "Plateau", "Rivers", "Sokoto", "Taraba", "Yobe", "Zamfara",
]  # fmt: skip
COUNTRIES = [
    "Nigeria",
    "Ghana",
    "Benin",
    "Togo",
    "Cameroon",
    "Côte d'Ivoire",
    "Senegal",
    "Sierra Leone",
    "Liberia",
    "Gambia",
    "Niger",
    "United Kingdom",
    "United States",
]

# The form's fields, in the order the API's body lists them.
CLIENT_FIELDS = ("first_name", "middle_name", "last_name", "dob", "address", "city", "state",
                 "country", "phone_number", "email", "custom_data", "image")  # fmt: skip


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON number")


def image_data_uri(data: bytes) -> str:
    """An uploaded photo, re-encoded by Pillow (photos.py), as the API takes it."""
    try:
        return photo_reencode(data=data).data_uri
    except PhotoRefused as refused:
        raise forms.ValidationError(refused.message) from None


class ClientForm(forms.Form):
    """Create (address, state and country required) or edit (they are optional)."""

    first_name = forms.CharField(max_length=100, label="First name")
    middle_name = forms.CharField(max_length=100, required=False, label="Middle name")
    last_name = forms.CharField(max_length=100, label="Last name")
    dob = forms.DateField(
        label="Date of birth",
        # Typed day first, as staff write dates here (a browser's date picker follows
        # the machine's locale, often month first); read back in words beside it.
        widget=forms.DateInput(
            format="%d/%m/%Y",
            attrs={"placeholder": "DD/MM/YYYY", "inputmode": "numeric", "autocomplete": "off"},
        ),
        input_formats=DAY_FIRST,
        help_text="Day first: 02/04/1990, 2.4.1990 or 2 April 1990.",
    )
    address = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    state = forms.CharField(max_length=100, required=False)
    country = forms.CharField(max_length=100, required=False)
    phone_number = forms.CharField(max_length=20, required=False, label="Phone number")
    email = forms.EmailField(max_length=254, required=False)
    custom_data = forms.CharField(
        required=False,
        label="Custom data",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text='A JSON object, e.g. {"segment": "sme", "employer": "Jumia"}.',
    )
    image_url = forms.URLField(
        required=False, label="Image URL", assume_scheme="https", help_text="An https:// address…"
    )
    image_file = forms.FileField(
        required=False,
        label="…or upload a photo",
        help_text=f"JPEG, PNG or WebP, up to 1 MB. Saved at most {MAX_SIDE} px a side, "
        "without the file's location or camera details.",
    )
    remove_image = forms.BooleanField(required=False, label="Remove the current photo")
    # An accepted upload, carried as a data URI so a re-shown form keeps it
    # (a browser never re-fills a file input).
    image_data = forms.CharField(required=False, widget=forms.HiddenInput)
    # Edit: the client as it was when the form was opened: a fingerprint of all its
    # values (`version`), and of each (`base`), to catch and resolve a concurrent edit.
    version = forms.CharField(required=False, widget=forms.HiddenInput)
    base = forms.CharField(required=False, widget=forms.HiddenInput)
    # …and its values as shown (`opened`), for the conflict table's "when you opened it".
    opened = forms.CharField(required=False, widget=forms.HiddenInput)
    # Create: one key per form, sent as the API's Idempotency-Key on every Save of it.
    request_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, creating: bool, current: Client | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.current = current
        if creating:
            self.fields["request_key"].initial = secrets.token_hex(16)
        else:
            del self.fields["request_key"]
        for name in ("address", "state", "country"):
            self.fields[name].required = creating
        if creating or not (current and current.image):
            del self.fields["remove_image"]
        self._offer_image_url()
        for field in self.fields.values():
            widget = field.widget
            if getattr(widget, "input_type", None) == "checkbox":
                widget.attrs.setdefault("class", "form-check-input")
            elif not widget.is_hidden:
                widget.attrs.setdefault("class", "form-control")
        self.fields["state"].widget.attrs["list"] = "states"
        self.fields["country"].widget.attrs["list"] = "countries"
        self.fields["image_file"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
        self.fields["phone_number"].widget.attrs.update(type="tel", autocomplete="tel")
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_request_key(self) -> str:
        """Create: the form's key, as it was given out; a missing or odd one is replaced
        (and kept in the re-shown form), so every Save of one form sends the same key."""
        key = self.cleaned_data["request_key"]
        if not REQUEST_KEY.match(key):
            key = secrets.token_hex(16)
            self.data = self.data.copy()
            self.data["request_key"] = key
        return key

    def clean_dob(self) -> date:
        born = self.cleaned_data["dob"]
        today = timezone.localdate()
        if born >= today:
            raise forms.ValidationError("The date of birth must be in the past.")
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < MIN_AGE:
            raise forms.ValidationError(f"A client must be at least {MIN_AGE} years old.")
        if age > MAX_AGE:
            raise forms.ValidationError(
                "That would make the client older than 120: check the year."
            )
        return born

    def clean_phone_number(self) -> str:
        phone = self.cleaned_data["phone_number"].strip()
        digits = sum(ch.isdigit() for ch in phone)
        if phone and (not PHONE.match(phone) or not 7 <= digits <= 15):
            raise forms.ValidationError("Enter a phone number such as +234 803 123 4567.")
        # Shown spaced out as the list shows it: the same number is not a change. The
        # same as when the form was opened, too: had someone else changed it since,
        # the user's untouched field must not count as theirs (a conflict to pick).
        opened = _opened_from(self.data.get("opened", "")).get("phone_number")
        current = self.current.phone_number if self.current else None
        for stored in (opened, current):
            if isinstance(stored, str) and phone and _dialled(phone) == _dialled(stored):
                return stored
        return phone

    def clean_custom_data(self) -> dict[str, Any] | None:
        text = self.cleaned_data["custom_data"].strip()
        if not text:
            return None
        try:
            value = json.loads(text, parse_constant=_no_constants)
        except json.JSONDecodeError as problem:
            raise forms.ValidationError(
                f"This is not valid JSON ({problem.msg}, line {problem.lineno})."
            ) from None
        except ValueError as problem:  # NaN or Infinity: not JSON, though Python reads them
            raise forms.ValidationError(f"This is not valid JSON ({problem}).") from None
        if not isinstance(value, dict):
            raise forms.ValidationError('Custom data must be a JSON object: {"key": "value"}.')
        return value

    def _offer_image_url(self) -> None:
        """The Image URL field names the hosts photos may come from (settings.IMAGE_URL_HOSTS).
        With none, photos are uploads only and the field is left out, unless the client
        already has a photo address: it stays, so saving other fields keeps that photo."""
        hosts = photo_hosts()
        current_url = self.current.image if self.current and self.current.image else ""
        field = self.fields["image_url"]
        if hosts:
            field.help_text = f"An https:// address on {', '.join(hosts)}…"
        elif current_url.startswith("https://"):
            field.help_text = "New photos are uploads only: keep or clear this address…"
        else:
            del self.fields["image_url"]
            self.fields["image_file"].label = "Upload a photo"

    def clean_image_url(self) -> str:
        url = self.cleaned_data["image_url"]
        if not url:
            return url
        if not url.startswith("https://"):
            raise forms.ValidationError("Use an https:// address.")
        unchanged = self.current is not None and url == self.current.image
        if not unchanged and not photo_url_allowed(url):
            # Staff's browsers fetch the photo: an unlisted host would learn who opens whom.
            hosts = photo_hosts()
            if not hosts:
                raise forms.ValidationError(
                    "Photos are accepted as uploads only: upload the file instead."
                )
            raise forms.ValidationError(
                f"Photos are accepted only from {', '.join(hosts)}: "
                "use an address there, or upload the file instead."
            )
        return url

    def clean_image_file(self) -> str | None:
        upload = self.cleaned_data["image_file"]
        if not upload:
            return None
        if upload.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError("The photo is larger than 1 MB.")
        return image_data_uri(upload.read())

    def clean_image_data(self) -> str | None:
        carried = self.cleaned_data["image_data"]
        if not carried:
            return None
        try:
            # Sent back by the browser, so as untrusted as an upload: re-encoded the same way.
            return photo_from_data_uri(uri=carried).data_uri
        except PhotoRefused as refused:
            # Not carried further, nor shown as the kept photo's preview.
            self.data = self.data.copy()
            self.data["image_data"] = ""
            raise forms.ValidationError(refused.message) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload = cleaned.get("image_file") or cleaned.get("image_data")
        unchanged_url = self.current is not None and cleaned.get("image_url") == self.current.image
        if cleaned.get("image_url") and upload and not unchanged_url:
            self.add_error("image_url", "Give an image URL or a photo, not both.")
        if cleaned.get("image_file"):
            self.data = self.data.copy()
            self.data["image_data"] = cleaned["image_data"] = cleaned["image_file"]
        return cleaned

    def dob_in_words(self) -> str:
        """The date of birth as understood, in words ("2 April 1990"), once it is read."""
        cleaned = getattr(self, "cleaned_data", {})
        born = cleaned.get("dob") if self.is_bound else self.initial.get("dob")
        return in_words(born) if isinstance(born, date) else ""

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(the field's element id, its label, the message) for each field in error, in
        the form's order: the summary above the form links to each."""
        summary = []
        for field in self.visible_fields():
            summary += [(field.id_for_label, field.label, error) for error in field.errors]
        photo = self["image_file"] if "image_file" in self.fields else None
        for error in self["image_data"].errors:  # a kept photo refused: on the upload field
            summary.append((photo.id_for_label if photo else "", "Photo", error))
        return summary

    # --- what to send ---

    def api_fields(self) -> dict[str, Any]:
        """Every field as the service module takes it (snake_case, None for empty)."""
        data = self.cleaned_data
        fields: dict[str, Any] = {}
        for name in CLIENT_FIELDS:
            if name == "image":
                continue
            value = data.get(name)
            fields[name] = value.strip() if isinstance(value, str) else value
            if fields[name] == "":
                fields[name] = None
        current = self.current.image if self.current else None
        if data.get("image_data"):
            fields["image"] = data["image_data"]  # a new photo wins
        elif data.get("remove_image"):
            fields["image"] = None
        elif data.get("image_url"):
            fields["image"] = data["image_url"]
        elif current and current.startswith("data:"):
            fields["image"] = current  # an uploaded photo the form cannot show: untouched
        else:
            fields["image"] = None  # none given, or its URL field was cleared
        return fields

    def conflicts_with(self, client: Client) -> dict[str, "FieldConflict"] | None:
        """Edit: None when `client` (read just now) is still the client this form was
        opened on; otherwise, per field someone else changed since, what happened to it
        ({} when they changed nothing the user touched: the Save can go ahead).

        The version says whether the client changed; the per-field fingerprints (`base`)
        say what. A missing or unreadable base counts every differing field as changed
        by both, so an empty or forged form never skips the check: at worst it shows a
        conflict that was not one. (A base forged to match the client's current values
        would only let the user overwrite what they could retype anyway.)
        """
        if self.cleaned_data.get("version") == version_of(client):
            return None
        base = _fingerprints_from(self.cleaned_data.get("base", ""))
        opened = _opened_from(self.cleaned_data.get("opened", ""))
        theirs, mine = current_values(client), self.api_fields()
        conflicts = {}
        for name in CLIENT_FIELDS:
            if fingerprint(mine[name]) == fingerprint(theirs[name]):
                continue
            if base.get(name) == fingerprint(theirs[name]):
                continue  # only mine changed: nothing to resolve
            conflicts[name] = FieldConflict(
                opened=opened.get(name, UNKNOWN),
                theirs=theirs[name],
                mine=mine[name],
                both=base.get(name) != fingerprint(mine[name]),
            )
        return conflicts

    def rebase_on(self, client: Client, conflicts: dict[str, "FieldConflict"]) -> None:
        """Re-show the form against `client`: fields only the other person changed take
        their value (a second Save must not revert them), fields both changed keep the
        user's, and the version becomes the client's, so the next Save goes through."""
        self.data = self.data.copy()
        fresh = initial_for(client)
        for name, conflict in conflicts.items():
            if not conflict.both:
                self._take(name, fresh)
        for name in ("version", "base", "opened"):
            self.data[name] = fresh[name]

    def take_chosen(self, client: Client) -> list[str]:
        """Before a Save after a conflict: the fields where the user chose the other
        person's value (`take_<field>` = "theirs") take the client's value as read now.
        Returns their names. The version is left alone: were the client changed yet
        again since, the Save still meets the conflict check."""
        chosen = [name for name in CLIENT_FIELDS if self.data.get(f"take_{name}") == "theirs"]
        if chosen:
            self.data = self.data.copy()
            fresh = initial_for(client)
            for name in chosen:
                self._take(name, fresh)
        return chosen

    def _take(self, name: str, fresh: dict[str, Any]) -> None:
        """One field of the form set to the client's value (`fresh`: initial_for)."""
        if name == "image":
            self.data["image_url"] = fresh.get("image_url", "")
            self.data["image_data"] = ""
            self.data.pop("remove_image", None)
        elif name == "dob":
            self.data[name] = fresh[name].isoformat() if fresh[name] else ""
        else:
            self.data[name] = fresh[name] if fresh[name] is not None else ""

    def changes(self) -> dict[str, dict[str, Any]]:
        """Edit: field -> {"old", "new"} for what the user changed."""
        assert self.current is not None
        before = current_values(self.current)
        return {
            name: {"old": before[name], "new": value}
            for name, value in self.api_fields().items()
            if value != before[name]
        }


def in_words(day: date) -> str:
    """2 April 1990 (no locale: the dashboard speaks English)."""
    return f"{day.day} {day:%B} {day.year}"


def current_values(client: Client) -> dict[str, Any]:
    """A client's values in the form's terms (None for empty), to compare against."""
    values = {name: getattr(client, name) for name in CLIENT_FIELDS}
    values["custom_data"] = client.custom_data or None
    return {name: (None if value == "" else value) for name, value in values.items()}


@dataclass(frozen=True)
class FieldConflict:
    """A field someone else changed since the form was opened (`both`: the user did too):
    its value then (as shown: `shown_value`), theirs now, the user's."""

    opened: Any
    theirs: Any
    mine: Any
    both: bool


UNKNOWN = "(not known)"  # a form opened without its values (an old page, a forged one)


def shown_value(value: Any) -> Any:
    """One value as the audit trail and the conflict table show it: dates as text,
    photos as a short note."""
    if isinstance(value, str) and value.startswith("data:"):
        return f"{value.split(';', 1)[0]} upload ({len(value) * 3 // 4 // 1024} KB)"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def opened_of(client: Client) -> str:
    """The client's values as the conflict table shows them, carried by the edit form."""
    values = current_values(client)
    return json.dumps(
        {name: shown_value(values[name]) for name in CLIENT_FIELDS}, ensure_ascii=False
    )


def _opened_from(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _dialled(phone: str) -> str:
    """What is dialled: the + and the digits."""
    return "".join(ch for ch in phone if ch.isdigit() or ch == "+")


def fingerprint(value: Any) -> str:
    """A short digest of one field's value (a photo can be a megabyte: not carried whole)."""
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _fingerprints_from(text: str) -> dict[str, str]:
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {name: value for name, value in found.items() if isinstance(value, str)}


def base_of(client: Client) -> str:
    values = current_values(client)
    return json.dumps({name: fingerprint(values[name]) for name in CLIENT_FIELDS})


def version_of(client: Client) -> str:
    """All of a client's values and its updatedAt, as one digest: differs after any save,
    whether or not the API keeps updatedAt."""
    stamp = client.updated_at.isoformat() if client.updated_at else ""
    return fingerprint([stamp, base_of(client)])


def initial_for(client: Client) -> dict[str, Any]:
    """The edit form's starting values."""
    initial = {name: getattr(client, name) or "" for name in CLIENT_FIELDS if name != "image"}
    initial["phone_number"] = phone_as_listed(client.phone_number) if client.phone_number else ""
    initial["version"] = version_of(client)
    initial["base"] = base_of(client)
    initial["opened"] = opened_of(client)
    initial["dob"] = client.dob
    initial["custom_data"] = (
        json.dumps(client.custom_data, indent=2, ensure_ascii=False, default=str)
        if client.custom_data
        else ""
    )
    if client.image and client.image.startswith("https://"):
        initial["image_url"] = client.image
    return initial
