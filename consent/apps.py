from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent"

    def ready(self):
        from consent.panels import customer_consent_summary, customer_consents_context
        from customers.panels import panel_register, record_summary_register

        panel_register(customer_consents_context)
        record_summary_register(customer_consent_summary)
