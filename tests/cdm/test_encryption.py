"""Sensitive data encrypted at rest, looked up through the blind index, and keys that can change safely."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import override_settings

from cdm.access import SYSTEM
from cdm.crypto import KeysChangedError, verify_keys, verify_keys_or_exit
from customers import selectors, services
from customers.models import Customer

pytestmark = pytest.mark.django_db

PLAINTEXTS = [b"AB123456C", b"85000", b"DE89370400440532013000"]
NEW_KEYS = {"SECRET_KEY": "n" * 50 + "ew-secret", "CDM_ENCRYPTION_KEY": "new-encryption-key-" + "k" * 40,
            "CDM_BLIND_INDEX_KEY": "new-blind-index-key"}


@pytest.fixture
def sensitive(customer, users):
    services.customer_update(customer=customer, by=SYSTEM, version=customer.version, bank_account="DE89 3704 0044 0532 0130 00",
                             reason="Bank details from the signed form")
    return Customer.objects.get(pk=customer.pk)


def _raw(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT national_id, annual_income, bank_account FROM {table}")
        return [bytes(v) for row in cursor.fetchall() for v in row if v is not None]


@pytest.mark.parametrize("table", ["customers_customer", "customers_historicalcustomer"])
def test_raw_sql_on_customer_and_history_tables_shows_no_plaintext(sensitive, table):
    stored = _raw(table)
    assert stored, "expected encrypted values in the table"
    for value in stored:
        for plaintext in PLAINTEXTS:
            assert plaintext not in value
    assert (sensitive.national_id, sensitive.bank_account) == ("AB123456C", "DE89370400440532013000")
    assert str(sensitive.annual_income) == "85000.00"


def test_encrypted_fields_refuse_lookups_other_than_isnull():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Customer.objects.filter(national_id="AB123456C"))
    assert Customer.objects.filter(national_id__isnull=True).count() == 0


def test_a_national_id_is_found_through_the_blind_index_in_any_spelling(sensitive, users):
    from django.contrib.auth.models import Permission

    steward = users["steward"]
    assert sensitive not in selectors.customer_search(queryset=Customer.objects.all(), user=steward, query="ab-123456-c")
    steward.user_permissions.add(Permission.objects.get(codename="view_sensitive_data"))
    steward = type(steward).objects.get(pk=steward.pk)  # fresh permission cache
    found = selectors.customer_search(queryset=Customer.objects.all(), user=steward, query="ab-123456-c")
    assert list(found) == [sensitive]


def test_a_changed_secret_key_fails_the_start_up_check_with_a_clear_message(sensitive):
    assert verify_keys() == []
    with override_settings(SECRET_KEY=NEW_KEYS["SECRET_KEY"]):
        with pytest.raises(SystemCheckError, match="encryption keys changed"):
            call_command("check")
        with pytest.raises(SystemExit, match="refuses to start"):
            verify_keys_or_exit()
        with pytest.raises(KeysChangedError):
            Customer.objects.get(pk=sensitive.pk)


def test_a_changed_blind_index_key_fails_the_start_up_check(sensitive):
    with override_settings(CDM_BLIND_INDEX_KEY="another"):
        assert any("blind-index key changed" in p for p in verify_keys())
    with override_settings(CDM_BLIND_INDEX_KEY="another", CDM_BLIND_INDEX_KEY_FALLBACKS=["cdm-development-blind-index-key"]):
        assert verify_keys() == []


def test_rotate_keys_round_trip(sensitive, users):
    from django.conf import settings

    old = {"SECRET_KEY": settings.SECRET_KEY, "CDM_BLIND_INDEX_KEY": settings.CDM_BLIND_INDEX_KEY}
    before = _raw("customers_customer") + _raw("customers_historicalcustomer")
    rotating = NEW_KEYS | {"SECRET_KEY_FALLBACKS": [old["SECRET_KEY"]],
                           "CDM_BLIND_INDEX_KEY_FALLBACKS": [old["CDM_BLIND_INDEX_KEY"]]}
    with override_settings(**rotating):
        # During the rotation the app keeps working: old values read through the fallbacks.
        assert Customer.objects.get(pk=sensitive.pk).national_id == "AB123456C"
        call_command("rotate_keys", batch_size=2)
        call_command("rotate_keys", batch_size=2)  # resumable: a second run finds nothing left to do
    after = _raw("customers_customer") + _raw("customers_historicalcustomer")
    assert not set(before) & set(after)

    with override_settings(**NEW_KEYS):  # fallbacks removed
        assert verify_keys() == []
        fresh = Customer.objects.get(pk=sensitive.pk)
        assert (fresh.national_id, fresh.bank_account) == ("AB123456C", "DE89370400440532013000")
        assert [h.national_id for h in fresh.history.all()] == ["AB123456C", "AB123456C"]
        from cdm.crypto import blind_index_candidates

        assert Customer.objects.filter(national_id_index__in=blind_index_candidates("AB123456C")).get() == fresh
    # The old keys open nothing any more.
    with pytest.raises(KeysChangedError):
        Customer.objects.get(pk=sensitive.pk)


def test_debug_off_without_an_encryption_key_refuses_to_start():
    import secrets

    from tests.cdm.test_settings import _run

    result = _run("check", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="cdm.example.com",
                  CDM_BLIND_INDEX_KEY="x" * 40)
    assert result.returncode != 0 and "CRYPTOGRAPHY_KEY is not set" in result.stderr


def test_a_wrong_encryption_key_with_the_right_signer_is_never_taken_for_the_right_one():
    """Signed with the current secret but encrypted with another key: every try must fail cleanly,
    never return garbage (the padding check alone lets about 1 in 256 through)."""
    import pickle

    from cdm.crypto import KeyPair, decrypt_bytes

    with override_settings(CDM_ENCRYPTION_KEY="current-encryption-key", SECRET_KEY_FALLBACKS=[],
                           CDM_ENCRYPTION_KEY_FALLBACKS=["old-encryption-key"]):
        from django.conf import settings

        for i in range(2000):
            written_with_old = KeyPair(settings.SECRET_KEY, "old-encryption-key").fernet().encrypt(pickle.dumps(f"v{i}"))
            data, stale = decrypt_bytes(written_with_old)
            assert (pickle.loads(data), stale) == (f"v{i}", True)
