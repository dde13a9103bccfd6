"""The client form: the API's documented fields, checked before any API call."""

import base64
import json
import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from dashboard.api import Client

MAX_IMAGE_BYTES = 1024 * 1024  # 1 MiB: becomes ~1.4 MB of base64 in the API's JSON
MIN_AGE, MAX_AGE = 18, 120
PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")
# Image types by their first bytes (the content), never by the file's name.
IMAGE_SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}

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


def image_type(data: bytes) -> str | None:
    for signature, mime in IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON number")


def image_data_uri(data: bytes) -> str:
    mime = image_type(data)
    if mime is None:
        raise forms.ValidationError("The file is not a JPEG, PNG or WebP image.")
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


class ClientForm(forms.Form):
    """Create (address, state and country required) or edit (they are optional)."""

    first_name = forms.CharField(max_length=100, label="First name")
    middle_name = forms.CharField(max_length=100, required=False, label="Middle name")
    last_name = forms.CharField(max_length=100, label="Last name")
    dob = forms.DateField(
        label="Date of birth",
        # <input type=date> speaks ISO 8601 only, whatever the locale.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
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
        required=False, label="…or upload a photo", help_text="JPEG, PNG or WebP, up to 1 MB."
    )
    remove_image = forms.BooleanField(required=False, label="Remove the current photo")
    # An accepted upload, carried as a data URI so a re-shown form keeps it
    # (a browser never re-fills a file input).
    image_data = forms.CharField(required=False, widget=forms.HiddenInput)
    # Edit: the client's updatedAt when the form was opened, to catch a concurrent edit.
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, creating: bool, current: Client | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.current = current
        for name in ("address", "state", "country"):
            self.fields[name].required = creating
        if creating or not (current and current.image):
            del self.fields["remove_image"]
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

    def clean_image_url(self) -> str:
        url = self.cleaned_data["image_url"]
        if url and not url.startswith("https://"):
            raise forms.ValidationError("Use an https:// address.")
        return url

    def clean_image_file(self) -> str | None:
        upload = self.cleaned_data["image_file"]
        if not upload:
            return None
        if upload.size > MAX_IMAGE_BYTES:
            raise forms.ValidationError("The photo is larger than 1 MB.")
        return image_data_uri(upload.read())

    def clean_image_data(self) -> str | None:
        carried = self.cleaned_data["image_data"]
        if not carried:
            return None
        try:
            mime, data = carried.removeprefix("data:").split(";base64,", 1)
            decoded = base64.b64decode(data, validate=True)
        except ValueError:
            raise forms.ValidationError(
                "The kept photo is damaged: choose the file again."
            ) from None
        if len(decoded) > MAX_IMAGE_BYTES or image_type(decoded) != mime:
            raise forms.ValidationError("The kept photo is damaged: choose the file again.")
        return carried

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

    def changed_elsewhere(self) -> bool:
        """Edit: the client changed since this form was opened (someone else saved).

        The form then shows the user's input with a warning and the new version, so
        a second Save, after a look, applies the user's changes.
        """
        current = version_of(self.current)
        if self.cleaned_data.get("version") in ("", current):
            return False
        self.data = self.data.copy()
        self.data["version"] = current
        self.add_error(
            None,
            "Someone else changed this client since you opened the form. "
            "Check the values below (yours are kept) and save again.",
        )
        return True

    def changes(self) -> dict[str, dict[str, Any]]:
        """Edit: field -> {"old", "new"} for what the user changed."""
        assert self.current is not None
        before = current_values(self.current)
        return {
            name: {"old": before[name], "new": value}
            for name, value in self.api_fields().items()
            if value != before[name]
        }


def current_values(client: Client) -> dict[str, Any]:
    """A client's values in the form's terms (None for empty), to compare against."""
    values = {name: getattr(client, name) for name in CLIENT_FIELDS}
    values["custom_data"] = client.custom_data or None
    return {name: (None if value == "" else value) for name, value in values.items()}


def version_of(client: Client | None) -> str:
    return client.updated_at.isoformat() if client and client.updated_at else ""


def initial_for(client: Client) -> dict[str, Any]:
    """The edit form's starting values."""
    initial = {name: getattr(client, name) or "" for name in CLIENT_FIELDS if name != "image"}
    initial["version"] = version_of(client)
    initial["dob"] = client.dob
    initial["custom_data"] = (
        json.dumps(client.custom_data, indent=2, ensure_ascii=False, default=str)
        if client.custom_data
        else ""
    )
    if client.image and client.image.startswith("https://"):
        initial["image_url"] = client.image
    return initial
