from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"

    def ready(self):
        from cdm import access, events
        from customers import tasks
        from customers.querysets import CUSTOMER_GRANTS

        # Per-customer grants (guardian's direct-FK rows) take part in every user's rights.
        access.register_object_rights(CUSTOMER_GRANTS)
        events.subscribe("service_request.closed", tasks.on_service_request_closed)
        events.subscribe("import.queued", tasks.on_import_queued)
