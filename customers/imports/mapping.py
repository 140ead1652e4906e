"""File headers to customer fields: by name, by common synonyms, or as the user says (--map column=field)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Fields an import may write, and the names files give them (compared lower-case, without spaces,
# dashes, dots and underscores).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "given_name": ("givenname", "firstname", "first", "forename", "prenom", "vorname", "nombre"),
    "family_name": ("familyname", "lastname", "last", "surname", "name", "nom", "nachname", "apellido", "apellidos"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate", "birthday", "born", "geburtsdatum", "fechanacimiento"),
    "email": ("email", "emailaddress", "mail", "courriel", "correo"),
    "phone": ("phone", "phonenumber", "telephone", "tel", "mobile", "cell", "telefon", "telefono"),
    "company": ("company", "organisation", "organization", "employer", "firma", "empresa"),
    "job_title": ("jobtitle", "title", "position", "role"),
    "address_line1": ("addressline1", "address", "street", "streetaddress", "address1", "strasse", "direccion"),
    "address_line2": ("addressline2", "address2", "apartment", "suite", "unit"),
    "postal_code": ("postalcode", "postcode", "zip", "zipcode", "plz", "cp", "codigopostal"),
    "city": ("city", "town", "locality", "ort", "stadt", "ciudad", "ville"),
    "region": ("region", "state", "province", "county", "stateregion", "bundesland"),
    "country": ("country", "countrycode", "land", "pais", "pays"),
    "national_id": ("nationalid", "ssn", "nin", "taxid", "idnumber"),
    "source_detail": ("sourcedetail", "campaign", "touchpoint"),
    "lifecycle_stage": ("lifecyclestage", "stage", "lifecycle"),
}
# Where a row's own id is, when --id-column does not say (first found wins).
ID_COLUMNS = ("id", "source_id", "sourceid", "external_id", "externalid")
_NOISE = re.compile(r"[\s_\-.]+")


def _key(header: str) -> str:
    return _NOISE.sub("", (header or "").strip().lower())


@dataclass
class Mapping:
    fields: dict[str, str]  # column -> field
    id_column: str
    unused: list[str] = field(default_factory=list)


def map_headers(headers: list[str], *, overrides: dict[str, str] | None = None, id_column: str | None = None) -> Mapping:
    """Which column holds which field. `overrides` (column -> field, or "" to skip a column) win over names and
    synonyms; a field named twice, an unknown column or field in `overrides`, or no id column is an error."""
    overrides = overrides or {}
    errors = []
    for column, target in overrides.items():
        if column not in headers:
            errors.append(_("--map names the column %(column)s, which the file does not have.") % {"column": column})
        if target and target not in FIELD_SYNONYMS:
            errors.append(_("--map %(column)s=%(field)s: there is no field %(field)s (fields: %(fields)s).") % {
                "column": column, "field": target, "fields": ", ".join(FIELD_SYNONYMS)})
    by_key = {syn: name for name, syns in FIELD_SYNONYMS.items() for syn in (*syns, _key(name))}
    if id_column is None:
        id_column = next((h for h in headers if _key(h) in {_key(c) for c in ID_COLUMNS}), None)
        if id_column is None:
            errors.append(_("No id column: name it with --id-column (looked for %(names)s).") % {
                "names": ", ".join(ID_COLUMNS)})
    elif id_column not in headers:
        errors.append(_("--id-column %(column)s is not a column of the file.") % {"column": id_column})
    fields: dict[str, str] = {}
    for header in headers:
        if header == id_column:
            continue
        target = overrides[header] if header in overrides else by_key.get(_key(header))
        if target:
            fields[header] = target
    seen: dict[str, str] = {}
    for column, target in fields.items():
        if target in seen:
            errors.append(_("Both %(a)s and %(b)s would fill %(field)s: say which with --map.") % {
                "a": seen[target], "b": column, "field": target})
        seen[target] = column
    if errors:
        raise ValidationError(errors)
    return Mapping(fields=fields, id_column=id_column or "",
                   unused=[h for h in headers if h not in fields and h != id_column])
