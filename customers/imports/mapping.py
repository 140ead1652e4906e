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


# --- the browser's mapping step: every kind of file, a target per column ---------------------------------

SKIP = ""
EXTERNAL_ID = "external_id"  # customers: the row's own id in the source
CUSTOMER_ID = "customer_external_id"  # orders, activities: the customer's id in the source
PROPERTY = "property"  # activities: a property named like the column

# kind -> {target: synonyms}; the customers' fields are FIELD_SYNONYMS.
KIND_TARGETS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {EXTERNAL_ID: (*ID_COLUMNS, "customerid", "customerno", "customernumber", "clientid", "kundennummer",
                                "kundennr", "kundenid", "numeroclient", "idcliente"),
                  **FIELD_SYNONYMS},
    "orders": {
        CUSTOMER_ID: ("customerid", "customer", "customerexternalid", "customerno", "clientid", "buyerid",
                      "kundennummer", "kundennr"),
        "order_number": ("ordernumber", "orderid", "orderno", "order", "reference", "invoice"),
        "placed_at": ("placedat", "placed", "orderdate", "date", "created", "createdat"),
        "sku": ("sku", "productcode", "product", "item", "itemcode", "article"),
        "description": ("description", "productname", "itemname", "name"),
        "quantity": ("quantity", "qty", "count", "units"),
        "unit_price": ("unitprice", "price", "amount", "priceeach"),
        "currency": ("currency", "cur"),
        "status": ("status", "orderstatus"),
        "channel": ("channel", "saleschannel"),
    },
    "activities": {
        CUSTOMER_ID: ("customerid", "customer", "customerexternalid", "customerno", "clientid", "userid",
                      "kundennummer", "kundennr"),
        "kind": ("kind", "event", "eventtype", "type", "activity"),
        "occurred_at": ("occurredat", "time", "timestamp", "date", "when", "at"),
        PROPERTY: (),
    },
}
# Targets a file of the kind must fill.
REQUIRED_TARGETS = {
    "customers": (EXTERNAL_ID, "family_name"),
    "orders": (CUSTOMER_ID, "order_number", "placed_at", "sku", "unit_price"),
    "activities": (CUSTOMER_ID, "kind", "occurred_at"),
}


def target_label(target: str) -> str:
    return {SKIP: _("(not imported)"), EXTERNAL_ID: _("id in the source (required)"),
            CUSTOMER_ID: _("customer's id in the source (required)"),
            PROPERTY: _("property (named like the column)")}.get(
        target, re.sub(r"(\D)(\d)", r"\1 \2", target.replace("_", " ")))


def mapping_suggest(headers: list[str], kind: str, saved: dict[str, str] | None = None) -> dict[str, str]:
    """column -> target: what the source's last mapping said for a column of that name, else by name and synonym
    (each target once, the first column wins); the rest not imported (activities: kept as properties)."""
    saved = saved or {}
    targets = KIND_TARGETS[kind]
    by_key = {syn: name for name, syns in targets.items() for syn in (*syns, _key(name)) if name != PROPERTY}
    suggested: dict[str, str] = {}
    taken = set()
    for header in headers:
        if header in saved and (saved[header] in targets or saved[header] == SKIP):
            target = saved[header]
        else:
            target = by_key.get(_key(header), PROPERTY if kind == "activities" else SKIP)
        if target in taken and target != PROPERTY:
            target = SKIP
        if target:
            taken.add(target)
        suggested[header] = target
    return suggested


def mapping_check(mapping: dict[str, str], kind: str) -> None:
    """A ValidationError keyed by column when a target is unknown or filled twice, or a required one is missing."""
    targets = KIND_TARGETS[kind]
    errors: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for column, target in mapping.items():
        if target and target not in targets:
            errors.setdefault(column, []).append(_("There is no field %(field)s.") % {"field": target})
        elif target and target != PROPERTY:
            if target in seen:
                errors.setdefault(column, []).append(_("%(other)s already fills %(field)s: choose one column.") % {
                    "other": seen[target], "field": target_label(target)})
            seen[target] = column
    missing = [t for t in REQUIRED_TARGETS[kind] if t not in seen]
    if missing:
        errors.setdefault("__all__", []).append(_("Say which column holds: %(fields)s.") % {
            "fields": ", ".join(target_label(t) for t in missing)})
    if errors:
        raise ValidationError(errors)


def mapping_for_customers(mapping: dict[str, str], headers: list[str]) -> Mapping:
    """The browser's column -> target for a customers file as the Mapping customer_import_row takes."""
    id_column = next(c for c, t in mapping.items() if t == EXTERNAL_ID)
    fields = {c: t for c, t in mapping.items() if t and t != EXTERNAL_ID}
    return Mapping(fields=fields, id_column=id_column, unused=[h for h in headers if h not in fields and h != id_column])
