"""Standardised attribute values: synonyms are stored as the allowed value, on write and by the clean-up."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cdm.access import SYSTEM
from customers import services
from customers.models import AttributeDefinition, CustomerAttribute
from customers.tasks import attribute_values_standardise
from tests.factories import AttributeDefinitionFactory, CustomerFactory

pytestmark = pytest.mark.django_db

ALLOWED = ["Information technology", "Retail", "Energy"]
SYNONYMS = {"Information technology": ["IT", "Tech", "Informatique"]}


@pytest.fixture
def industry():
    return AttributeDefinitionFactory(key="industry", label="Industry", allowed_values=ALLOWED, synonyms=SYNONYMS)


@pytest.mark.parametrize("typed", ["IT", "it", "Information Technology", "INFORMATION TECHNOLOGY",
                                   "Infórmation téchnology", "  tech ", "informatique"])
def test_a_synonym_or_another_spelling_is_stored_as_the_allowed_value(industry, typed):
    customer = CustomerFactory()
    attribute = services.customer_attribute_set(customer=customer, definition=industry, value=typed, by=SYSTEM)
    assert CustomerAttribute.objects.get(pk=attribute.pk).value_text == "Information technology"


def test_an_unknown_value_is_still_refused_naming_the_allowed_ones(industry):
    with pytest.raises(ValidationError) as exc:
        services.customer_attribute_set(customer=CustomerFactory(), definition=industry, value="Farming", by=SYSTEM)
    assert "Information technology" in exc.value.message_dict["value"][0]


def test_several_of_a_list_are_standardised_and_a_synonym_of_one_already_there_counts_once():
    sectors = AttributeDefinitionFactory(key="sectors", label="Sectors", data_type=AttributeDefinition.DataType.MULTI,
                                         allowed_values=ALLOWED, synonyms=SYNONYMS)
    attribute = services.customer_attribute_set(customer=CustomerFactory(), definition=sectors,
                                                value=["it", "retail", "Information technology"], by=SYSTEM)
    assert CustomerAttribute.objects.get(pk=attribute.pk).value_list == ["Information technology", "Retail"]


def test_the_clean_up_standardises_values_stored_before_the_synonym_existed_and_says_how_many(industry):
    plain = AttributeDefinitionFactory(key="plain", label="Plain", allowed_values=["IT", "Retail"])
    first, second, third = CustomerFactory(), CustomerFactory(), CustomerFactory()
    for customer in (first, second):
        services.customer_attribute_set(customer=customer, definition=plain, value="IT", by=SYSTEM)
    services.customer_attribute_set(customer=third, definition=plain, value="Retail", by=SYSTEM)
    # The admin renames the list: "IT" becomes a synonym of "Information technology".
    plain.allowed_values, plain.synonyms = ["Information technology", "Retail"], {"Information technology": ["IT"]}
    services.catalog_save(instance=plain, by=SYSTEM)

    assert attribute_values_standardise() == {"plain": 2}
    values = sorted(CustomerAttribute.objects.filter(definition=plain).values_list("value_text", flat=True))
    assert values == ["Information technology", "Information technology", "Retail"]
    assert attribute_values_standardise() == {}  # the second run finds nothing to do


def test_the_clean_up_rewrites_lists_too():
    sectors = AttributeDefinitionFactory(key="sectors", label="Sectors", data_type=AttributeDefinition.DataType.MULTI,
                                         allowed_values=["IT", "Retail"])
    attribute = services.customer_attribute_set(customer=CustomerFactory(), definition=sectors, value=["IT", "Retail"],
                                                by=SYSTEM)
    sectors.allowed_values, sectors.synonyms = ["Information technology", "Retail"], {"Information technology": ["it"]}
    services.catalog_save(instance=sectors, by=SYSTEM)
    assert services.attribute_values_standardise(by=SYSTEM) == {"sectors": 1}
    assert CustomerAttribute.objects.get(pk=attribute.pk).value_list == ["Information technology", "Retail"]


@pytest.mark.parametrize(("synonyms", "message"), [
    ({"Farming": ["Agri"]}, "not one of the allowed values"),
    ({"Retail": ["Shops"], "Energy": ["shops"]}, "already stands for"),
    ({"Retail": ["Energy"]}, "already stands for"),
    ({"Retail": 3}, "must be a list"),
])
def test_the_admin_refuses_synonyms_that_cannot_work(client, users, industry, synonyms, message):
    import json

    client.force_login(users["admin"])
    url = reverse("admin:customers_attributedefinition_change", args=[industry.pk])
    response = client.post(url, {"key": "industry", "label": "Industry", "data_type": "choice",
                                 "allowed_values": json.dumps(ALLOWED), "synonyms": json.dumps(synonyms),
                                 "field_group": "demographics", "description": "", "active": "on"})
    assert response.status_code == 200
    assert message in response.content.decode()
    industry.refresh_from_db()
    assert industry.synonyms == SYNONYMS


def test_the_admin_saves_synonyms_that_the_next_write_uses(client, users, industry):
    import json

    client.force_login(users["admin"])
    url = reverse("admin:customers_attributedefinition_change", args=[industry.pk])
    response = client.post(url, {"key": "industry", "label": "Industry", "data_type": "choice",
                                 "allowed_values": json.dumps(ALLOWED),
                                 "synonyms": json.dumps({"Retail": ["Shops", "shops"]}),
                                 "field_group": "demographics", "description": "", "active": "on"})
    assert response.status_code == 302
    industry.refresh_from_db()
    assert industry.synonyms == {"Retail": ["Shops"]}
    attribute = services.customer_attribute_set(customer=CustomerFactory(), definition=industry, value="SHOPS",
                                                by=SYSTEM)
    assert attribute.value_text == "Retail"
