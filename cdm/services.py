"""Platform writes: the audit log, teams and key rotation."""

import pickle
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils.module_loading import import_string
from django.utils.text import slugify
from guardian.shortcuts import assign_perm
from simple_history.models import HistoricalRecords

from cdm.client_ip import client_ip
from cdm.models import AuditEvent, Team
from cdm.use_cases import use_case

TEAM_PERMISSIONS = ("view_team_customers", "change_team_customers", "add_team_customers")


def _request_ip() -> str | None:
    # simple-history's middleware keeps the current request; reuse it instead of threading `request`
    # through every service.
    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return None
    return client_ip(request)


def audit_record(*, by, action: str, obj=None, fields=(), reason: str = "", object_type: str = "",
                 object_id: str = "", object_repr: str = "", request=None) -> AuditEvent:
    """Append one audit event: who did what to which object, naming fields, never values.

    `obj` is a model instance; for something that is not one (a login name, an IP address), pass
    `object_type`, `object_id` and `object_repr` instead. `request`, where the caller has one (a signal
    receiver outside any view), gives the IP address; otherwise the current request's is used.
    """
    if obj is not None:
        object_type, object_id, object_repr = obj._meta.label_lower, str(obj.pk), str(obj)
    elif not object_type:
        raise ValueError("audit_record needs obj or object_type")
    return AuditEvent.objects.create(
        actor=by if getattr(by, "pk", None) else None,
        actor_username=getattr(by, "username", "") or ("anonymous" if by is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_repr=str(object_repr)[:200],
        fields=sorted(fields),
        reason=reason,
        ip_address=client_ip(request) if request is not None else _request_ip(),
    )


@use_case
def team_create(*, name: str, slug: str = "", by) -> Team:
    """A team, its members' group, and the group's rights on the team's customers."""
    slug = slug or slugify(name)
    group, _ = Group.objects.get_or_create(name=f"Team {name}")
    team = Team(name=name, slug=slug, group=group)
    team.full_clean()
    team.save()
    for codename in TEAM_PERMISSIONS:
        assign_perm(f"cdm.{codename}", group, team)
    audit_record(by=by, action="team.create", obj=team)
    return team


@use_case
def team_update(*, team: Team, name: str, by) -> Team:
    team.name = name
    team.full_clean()
    team.save()
    audit_record(by=by, action="team.update", obj=team, fields=["name"])
    return team


# --- key rotation ------------------------------------------------------------------------

@dataclass
class RotationReport:
    rows: int = 0
    reencrypted: int = 0
    reindexed: int = 0
    unreadable: int = 0
    per_table: dict = field(default_factory=dict)


def encrypted_models() -> list[tuple[type, list[str], dict]]:
    """Every model (history models included) with encrypted columns, and its blind indexes."""
    from cdm.crypto import is_encrypted_field

    found = []
    for model in apps.get_models():
        columns = [f.column for f in model._meta.concrete_fields if is_encrypted_field(f)]
        if columns:
            source = getattr(model, "instance_type", model)  # simple-history models point at their model
            found.append((model, columns, getattr(source, "blind_indexes", {})))
    return found


def encryption_keys_rotate(*, batch_size: int = 1000, log=None) -> RotationReport:
    """Re-encrypt every encrypted column with the current keys and rebuild blind indexes.

    Values readable only with a fallback key are rewritten; values already current are left alone,
    so the run is resumable: after an interruption, run it again. Each batch commits on its own.
    Ciphertext is rewritten with raw SQL on purpose: the plaintext does not change, so no history row
    is due (the history table is re-encrypted the same way).
    """
    from cdm.crypto import KeysChangedError, blind_index, decrypt_bytes, encrypt_bytes

    report = RotationReport()
    for model, columns, indexes in encrypted_models():
        table, pk = model._meta.db_table, model._meta.pk.column
        index_specs = [(model._meta.get_field(idx).column, model._meta.get_field(src).column, import_string(norm))
                       for idx, (src, norm) in indexes.items()]
        select_cols = [pk, *columns, *(spec[0] for spec in index_specs)]
        qn = connection.ops.quote_name
        last, counts = None, {"rows": 0, "reencrypted": 0, "reindexed": 0}
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where = f"WHERE {qn(pk)} > %s " if last is not None else ""
                cursor.execute(
                    f"SELECT {', '.join(map(qn, select_cols))} FROM {qn(table)} {where}ORDER BY {qn(pk)} LIMIT %s",
                    [last, batch_size] if last is not None else [batch_size])
                rows = cursor.fetchall()
                if not rows:
                    break
                updates = []
                for row in rows:
                    values = dict(zip(select_cols, row))
                    changed, plain = {}, {}
                    for column in columns:
                        if values[column] is None:
                            continue
                        try:
                            data, stale = decrypt_bytes(bytes(values[column]))
                        except KeysChangedError:
                            report.unreadable += 1
                            continue
                        plain[column] = data
                        if stale:
                            changed[column] = encrypt_bytes(data)
                            counts["reencrypted"] += 1
                    for index_column, source_column, normalise in index_specs:
                        if source_column not in plain:
                            continue
                        wanted = blind_index(normalise(pickle.loads(plain[source_column])))
                        if values[index_column] != wanted:
                            changed[index_column] = wanted
                            counts["reindexed"] += 1
                    if changed:
                        updates.append((changed, values[pk]))
                for changed, key in updates:
                    assignments = ", ".join(f"{qn(c)} = %s" for c in changed)
                    cursor.execute(f"UPDATE {qn(table)} SET {assignments} WHERE {qn(pk)} = %s", [*changed.values(), key])
                counts["rows"] += len(rows)
                last = rows[-1][0]
            if log:
                log(f"{table}: {counts['rows']} rows checked, {counts['reencrypted']} values re-encrypted, "
                    f"{counts['reindexed']} indexes rebuilt")
        report.per_table[table] = counts
        report.rows += counts["rows"]
        report.reencrypted += counts["reencrypted"]
        report.reindexed += counts["reindexed"]
    return report


def platform_cleanup() -> dict:
    """Delete expired sessions and task results older than CELERY_RESULT_EXPIRES (idempotent). Each app
    cleans up after itself in its own periodic task (customers: the search lexicon)."""
    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django_celery_results.models import GroupResult, TaskResult

    sessions, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    expired_before = timezone.now() - settings.CELERY_RESULT_EXPIRES
    results, _ = TaskResult.objects.filter(date_done__lt=expired_before).delete()
    groups, _ = GroupResult.objects.filter(date_done__lt=expired_before).delete()
    return {"sessions": sessions, "task_results": results + groups}
