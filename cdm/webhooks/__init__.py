"""Outbound webhooks (Standard Webhooks) fed by a transactional outbox. See README.md, "Webhooks".

    from cdm.webhooks import origin, outbox_record

`outbox_record()` writes an event in the caller's transaction; the relay (cdm.tasks.webhooks_relay)
turns it into one signed delivery per subscribed endpoint; `origin("shop")` marks changes made by
system "shop" so they are not echoed back to it.
"""

from cdm.webhooks.outbox import origin, outbox_record, outbox_record_many

__all__ = ["origin", "outbox_record", "outbox_record_many"]
