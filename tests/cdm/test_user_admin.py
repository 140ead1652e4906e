"""Rights are given only by someone who holds them: the user and group admin, the services behind them, the audit."""

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from guardian.shortcuts import assign_perm, remove_perm

from cdm import access
from cdm import users as rights
from cdm.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def _perm(label):
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", "password")


@pytest.fixture
def sensitive_group(db):
    group = Group.objects.create(name="Sensitive reviewers")
    group.permissions.add(_perm(access.VIEW_SENSITIVE))
    return group


def _form_data(client, url):
    """The admin change form as loaded, as the browser would post it back."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field, forms.SplitDateTimeField):
            date, time = field.widget.decompress(value)
            data[f"{name}_0"], data[f"{name}_1"] = str(date or ""), str(time or "")
        elif isinstance(field, forms.ModelMultipleChoiceField):
            offered = {str(pk) for pk in field.queryset.values_list("pk", flat=True)}
            data[name] = [str(v) for v in value if str(v) in offered]  # a browser posts only offered options
        elif isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    return data


def _user_url(user):
    return reverse("admin:auth_user_change", args=[user.pk])


def _group_url(group):
    return reverse("admin:auth_group_change", args=[group.pk])


def _rights(user):
    user = User.objects.get(pk=user.pk)
    return (user.is_superuser, user.is_staff, user.is_active, sorted(g.name for g in user.groups.all()),
            sorted(rights.perm_label(p) for p in user.user_permissions.select_related("content_type")))


def _reveal(client, customer):
    return client.post(reverse("customers:reveal", args=[customer.customer_number]))


def _errors(response):
    form = response.context["adminform"].form
    return {name: " ".join(errors) for name, errors in form.errors.items()}


# --- the escalation an Admin could do on their own account --------------------------------------------

@pytest.mark.parametrize("change", ["sensitive permission", "superuser", "sensitive group", "staff"])
def test_an_admin_cannot_raise_their_own_rights(client, users, customer, sensitive_group, change):
    admin = users["admin"]
    client.force_login(admin)
    before = _rights(admin)
    data = _form_data(client, _user_url(admin))
    if change == "sensitive permission":
        data["user_permissions"] = [*data["user_permissions"], str(_perm(access.VIEW_SENSITIVE).pk)]
    elif change == "superuser":
        data["is_superuser"] = "on"
    elif change == "sensitive group":
        data["groups"] = [*data["groups"], str(sensitive_group.pk)]
    else:  # staff on an agent's account
        data = _form_data(client, _user_url(users["agent"])) | {"is_staff": "on"}
    target = admin if change != "staff" else users["agent"]
    before = _rights(target)
    response = client.post(_user_url(target), data)
    assert response.status_code == 200  # the form again, with the error
    errors = _errors(response)
    assert errors, "the form must say what was refused"
    field = {"sensitive permission": "user_permissions", "sensitive group": "groups"}.get(change, "__all__")
    assert field in errors
    assert _rights(target) == before
    assert not AuditEvent.objects.filter(action="user.rights_change", object_id=str(target.pk),
                                         actor_username="admin").exists()
    assert _reveal(client, customer).status_code == 403


@pytest.mark.parametrize(("change", "field"), [
    ({"permissions": [access.VIEW_SENSITIVE]}, "user_permissions"),
    ({"permissions": [access.CHANGE_SENSITIVE]}, "user_permissions"),
    ({"groups": ["Admin", "Sensitive reviewers"]}, "groups"),
    ({"is_superuser": True}, "is_superuser"),
])
def test_the_service_refuses_the_same_whatever_page_calls_it(users, sensitive_group, change, field):
    admin = users["admin"]
    before = _rights(admin)
    if "permissions" in change:
        change = {"permissions": [_perm(label) for label in change["permissions"]]}
    if "groups" in change:
        change = {"groups": list(Group.objects.filter(name__in=change["groups"]))}
    with pytest.raises(ValidationError) as refused:
        rights.user_rights_change(by=admin, user=admin, **change)
    assert field in refused.value.message_dict
    assert _rights(admin) == before


def test_only_a_superuser_gives_staff_status(users, root):
    with pytest.raises(ValidationError) as refused:
        rights.user_rights_change(by=users["admin"], user=users["agent"], is_staff=True)
    assert "is_staff" in refused.value.message_dict
    rights.user_rights_change(by=root, user=users["agent"], is_staff=True)
    assert _rights(users["agent"])[1] is True


def test_an_admin_cannot_touch_a_superusers_account(client, users, root):
    client.force_login(users["admin"])
    page = client.get(_user_url(root))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # view only
    assert client.post(_user_url(root), {"username": "taken-over", "is_active": ""}).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    assert client.post(password_url, {"password1": "Zx9!long-enough", "password2": "Zx9!long-enough"}).status_code == 403
    root.refresh_from_db()
    assert root.username == "root" and root.is_active and root.check_password("password")
    with pytest.raises(ValidationError) as refused:
        rights.user_rights_change(by=users["admin"], user=root, is_active=False)
    assert "is_superuser" in refused.value.message_dict


def test_the_form_offers_only_what_the_admin_may_give(client, users, sensitive_group):
    client.force_login(users["admin"])
    form = client.get(_user_url(users["agent"])).context["adminform"].form
    offered_perms = set(form.fields["user_permissions"].queryset.values_list("codename", flat=True))
    assert "view_sensitive_data" not in offered_perms and "change_user" in offered_perms
    assert sensitive_group not in form.fields["groups"].queryset
    assert {"Customer service", "Team North"} <= set(form.fields["groups"].queryset.values_list("name", flat=True))
    assert "is_superuser" not in form.fields and "is_staff" not in form.fields


# --- a superuser can -------------------------------------------------------------------------------------

def test_a_superuser_can_give_the_sensitive_permission_and_it_is_audited(client, users, customer, root):
    client.force_login(root)
    admin = users["admin"]
    data = _form_data(client, _user_url(admin))
    data["user_permissions"] = [*data["user_permissions"], str(_perm(access.VIEW_SENSITIVE).pk)]
    response = client.post(_user_url(admin), data)
    assert response.status_code == 302, _errors(response)
    assert access.VIEW_SENSITIVE in _rights(admin)[4]
    event = AuditEvent.objects.get(action="user.rights_change", object_id=str(admin.pk), actor_username="root")
    assert (event.actor_username, event.object_repr, event.fields) == ("root", "admin", ["user_permissions"])
    assert "added permission customers.view_sensitive_data" in event.reason
    client.force_login(admin)
    assert _reveal(client, customer).status_code == 200


def test_a_superuser_can_make_a_superuser(client, users, root):
    client.force_login(root)
    response = client.post(_user_url(users["steward"]), _form_data(client, _user_url(users["steward"])) | {"is_superuser": "on"})
    assert response.status_code == 302, _errors(response)
    assert _rights(users["steward"])[0] is True
    event = AuditEvent.objects.get(action="user.rights_change", object_id=str(users["steward"].pk),
                                   actor_username="root")
    assert event.fields == ["is_superuser"] and event.reason == "superuser status granted"


# --- what an Admin still does every day -------------------------------------------------------------------

def test_an_admin_puts_a_new_agent_in_customer_service_and_a_team(client, users, north):
    client.force_login(users["admin"])
    newcomer = UserFactory(username="newcomer")
    seen = set(AuditEvent.objects.values_list("pk", flat=True))
    data = _form_data(client, _user_url(newcomer))
    data["groups"] = [str(Group.objects.get(name=access.CUSTOMER_SERVICE).pk), str(north.group.pk)]
    response = client.post(_user_url(newcomer), data)
    assert response.status_code == 302, _errors(response)
    assert _rights(newcomer)[3] == ["Customer service", "Team North"]
    events = AuditEvent.objects.exclude(pk__in=seen).filter(action="user.rights_change")
    assert events.count() == 1  # once, by the service: the signal receivers stay quiet
    event = events.get()
    assert (event.actor_username, event.object_repr, event.fields) == ("admin", "newcomer", ["groups"])
    assert event.reason == "added to group Customer service, Team North"


def test_an_admin_deactivates_a_user(client, users):
    client.force_login(users["admin"])
    agent = users["agent"]
    data = _form_data(client, _user_url(agent))
    data.pop("is_active")
    response = client.post(_user_url(agent), data)
    assert response.status_code == 302, _errors(response)
    assert _rights(agent)[2] is False
    event = AuditEvent.objects.get(action="user.rights_change", object_id=str(agent.pk), actor_username="admin")
    assert (event.fields, event.reason) == (["is_active"], "deactivated")


def test_a_right_the_admin_cannot_give_is_kept_when_they_edit_the_user(client, users, root, sensitive_group):
    agent = users["agent"]
    rights.user_rights_change(by=root, user=agent, groups=[*agent.groups.all(), sensitive_group],
                             permissions=[_perm(access.CHANGE_SENSITIVE)])
    client.force_login(users["admin"])
    data = _form_data(client, _user_url(agent))
    data["groups"] = [*data["groups"], str(Group.objects.get(name=access.MARKETING).pk)]
    response = client.post(_user_url(agent), data)
    assert response.status_code == 302, _errors(response)
    _superuser, _staff, _active, groups, perms = _rights(agent)
    assert "Sensitive reviewers" in groups and "Marketing" in groups and perms == [access.CHANGE_SENSITIVE]


def test_team_rights_follow_the_same_rule(users, root, north, south):
    # A user manager (made by a superuser) who holds the user admin's rights but no team's.
    manager = UserFactory(username="manager")
    rights.user_rights_change(by=root, user=manager, is_staff=True,
                             permissions=[_perm("auth.change_user"), _perm("auth.view_user")])
    newcomer = UserFactory(username="newcomer")
    with pytest.raises(ValidationError) as refused:
        rights.user_rights_change(by=manager, user=newcomer, groups=[north.group])
    assert "groups" in refused.value.message_dict and "Team North" in refused.value.message_dict["groups"][0]
    # A member of North who manages users may bring people into North, not into South.
    rights.user_rights_change(by=root, user=manager, groups=[north.group])
    rights.user_rights_change(by=manager, user=newcomer, groups=[north.group])
    with pytest.raises(ValidationError):
        rights.user_rights_change(by=manager, user=newcomer, groups=[north.group, south.group])
    assert _rights(newcomer)[3] == ["Team North"]
    # The Admin role holds every team's rights, so it may.
    rights.user_rights_change(by=users["admin"], user=newcomer, groups=[north.group, south.group])


# --- the group admin -----------------------------------------------------------------------------------

def test_an_admin_cannot_give_the_admin_group_the_sensitive_permission(client, users, customer):
    admin_group = Group.objects.get(name=access.ADMIN)
    before = admin_group.permissions.count()
    client.force_login(users["admin"])
    data = _form_data(client, _group_url(admin_group))
    data["permissions"] = [*data["permissions"], str(_perm(access.VIEW_SENSITIVE).pk)]
    response = client.post(_group_url(admin_group), data)
    assert response.status_code == 200 and "permissions" in _errors(response)
    assert admin_group.permissions.count() == before
    assert not admin_group.permissions.filter(codename="view_sensitive_data").exists()
    assert _reveal(client, customer).status_code == 403
    with pytest.raises(ValidationError) as refused:
        rights.group_permissions_change(by=users["admin"], group=admin_group,
                                       permissions=[*admin_group.permissions.all(), _perm(access.CHANGE_SENSITIVE)])
    assert "permissions" in refused.value.message_dict


def test_an_admin_gives_a_group_a_permission_they_hold(client, users):
    group = Group.objects.get(name=access.CUSTOMER_SERVICE)
    client.force_login(users["admin"])
    data = _form_data(client, _group_url(group))
    data["permissions"] = [*data["permissions"], str(_perm("cdm.view_auditevent").pk)]
    response = client.post(_group_url(group), data)
    assert response.status_code == 302, _errors(response)
    assert group.permissions.filter(codename="view_auditevent").exists()
    event = AuditEvent.objects.get(action="group.rights_change", object_id=str(group.pk), actor_username="admin")
    assert (event.fields, event.reason) == (["permissions"], "added permission cdm.view_auditevent")


def test_a_superuser_gives_a_group_the_sensitive_permission(client, root):
    group = Group.objects.create(name="Fraud team")
    client.force_login(root)
    data = _form_data(client, _group_url(group))
    data["permissions"] = [str(_perm(access.VIEW_SENSITIVE).pk)]
    response = client.post(_group_url(group), data)
    assert response.status_code == 302, _errors(response)
    assert group.permissions.filter(codename="view_sensitive_data").exists()


# --- changes outside the admin are audited too -----------------------------------------------------------

def test_a_shell_change_of_groups_permissions_and_team_rights_is_audited(users, north, sensitive_group):
    agent = users["agent"]

    def latest():
        return AuditEvent.objects.filter(object_id__in=[str(agent.pk), str(sensitive_group.pk)]).order_by("-id").first()

    agent.groups.add(sensitive_group)
    event = latest()
    assert (event.action, event.actor_username, event.object_repr, event.fields) == (
        "user.rights_change", "system", "agent", ["groups"])
    assert event.reason == "added to group Sensitive reviewers"
    sensitive_group.user_set.remove(agent)
    assert latest().reason == "removed from group Sensitive reviewers"
    agent.user_permissions.add(_perm(access.CHANGE_SENSITIVE))
    assert latest().reason == "added permission customers.change_sensitive_data"
    agent.user_permissions.clear()
    assert latest().reason == "removed permission customers.change_sensitive_data"
    sensitive_group.permissions.add(_perm("cdm.view_auditevent"))
    event = latest()
    assert (event.action, event.fields, event.reason) == (
        "group.rights_change", ["permissions"], "added permission cdm.view_auditevent")
    assign_perm("cdm.change_team_customers", agent, north)
    event = latest()
    assert (event.fields, event.reason) == (["team_permissions"], "granted cdm.change_team_customers on team North")
    remove_perm("cdm.change_team_customers", agent, north)
    assert latest().reason == "revoked cdm.change_team_customers on team North"
    agent.is_superuser = True
    agent.save()
    assert (latest().fields, latest().reason) == (["is_superuser"], "superuser status granted")


def test_an_admin_adds_a_user_who_starts_with_no_rights(client, users):
    client.force_login(users["admin"])
    response = client.post(reverse("admin:auth_user_add"), {
        "username": "fresh", "password1": "Zx9!long-enough", "password2": "Zx9!long-enough", "usable_password": "true"})
    assert response.status_code == 302
    assert _rights(User.objects.get(username="fresh")) == (False, False, True, [], [])


def test_a_change_made_during_a_request_names_the_requests_user(rf, users, sensitive_group):
    from simple_history.models import HistoricalRecords

    request = rf.get("/")
    request.user = users["steward"]
    HistoricalRecords.context.request = request
    try:
        users["agent"].groups.add(sensitive_group)
    finally:
        del HistoricalRecords.context.request
    event = AuditEvent.objects.filter(object_id=str(users["agent"].pk)).latest("id")
    assert (event.actor_username, event.reason) == ("steward", "added to group Sensitive reviewers")


def test_an_admin_cannot_reactivate_an_account_whose_rights_exceed_their_own(users, root, sensitive_group):
    agent = users["agent"]
    rights.user_rights_change(by=root, user=agent, groups=[*agent.groups.all(), sensitive_group], is_active=False)
    with pytest.raises(ValidationError) as refused:
        rights.user_rights_change(by=users["admin"], user=agent, is_active=True)
    assert "is_active" in refused.value.message_dict
    plain = users["marketer"]
    rights.user_rights_change(by=users["admin"], user=plain, is_active=False)
    rights.user_rights_change(by=users["admin"], user=plain, is_active=True)
    assert _rights(plain)[2] is True


def test_an_admin_cannot_delete_a_superuser(client, users, root):
    client.force_login(users["admin"])
    assert client.post(reverse("admin:auth_user_delete", args=[root.pk]), {"post": "yes"}).status_code == 403
    response = client.post(reverse("admin:auth_user_changelist"),
                           {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"})
    assert User.objects.filter(pk=root.pk).exists(), response.status_code


def test_an_object_right_is_givable_only_by_who_holds_it(users, customer, south):
    view_customer = _perm("customers.view_customer")
    assert rights.object_right_givable(by=users["agent"], permission=view_customer, obj=customer)  # North's
    assert not rights.object_right_givable(by=users["agent-south"], permission=view_customer, obj=customer)
    assert rights.object_right_givable(by=users["admin"], permission=view_customer, obj=customer)
    team_right = _perm("cdm.view_team_customers")
    assert rights.object_right_givable(by=users["agent-south"], permission=team_right, obj=south)
    assert not rights.object_right_givable(by=users["agent"], permission=team_right, obj=south)
