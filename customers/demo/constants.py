"""The demo's fixed names, and the weighted vocabularies its rows are drawn from."""

from __future__ import annotations

import itertools
import random

from django.conf import settings

from customers.bulk_copy import json_share
from customers.models import Customer, Order, ServiceRequest

DEMO_SYSTEM = "demo"
LEGACY_SYSTEM = "legacy-crm"
HISTORY_REASON = "demo data"
MOVED_REASON = "Customer moved house"
TEAM_NAMES = ("North", "South")
DUPLICATE_EVERY = 20  # every 20th customer (i % 20 == 19) is a planted duplicate: 5 %
MOVES_PER = 500  # one "moved house" customer per 500 newly created, at least MOVES_MIN
MOVES_MIN = 3


def demo_external_id(i: int) -> str:
    return f"demo-{i}"


def duplicate_source(i: int) -> int | None:
    """The earlier customer that planted duplicate i copies, or None if i is an original."""
    if i % DUPLICATE_EVERY != DUPLICATE_EVERY - 1:
        return None
    j = random.Random(f"demo-dup-source:{i}").randrange(0, i)
    return j if j % DUPLICATE_EVERY != DUPLICATE_EVERY - 1 else j - 1


def demo_password() -> str:
    return getattr(settings, "CDM_DEMO_PASSWORD", "") or "cdm-demo"


# --- what the rows say (name, weight) ------------------------------------------------------------

SOURCES = [
    (Customer.Source.WEB, 26, ["Website sign-up form", "Newsletter sign-up", "Price calculator", "Live chat"]),
    (Customer.Source.STORE, 14, ["{city} flagship store", "{city} mall kiosk", "Pop-up store {city}"]),
    (Customer.Source.PHONE, 8, ["Sales hotline", "Callback request"]),
    (Customer.Source.EMAIL, 8, ["Spring campaign {year}", "Black Friday {year}", "Win-back mailing {year}"]),
    (Customer.Source.EVENT, 5, ["Trade fair {year}", "Tech expo {year}", "Open house {city}"]),
    (Customer.Source.REFERRAL, 10, ["Refer-a-friend", "Employee referral"]),
    (Customer.Source.PARTNER, 6, ["Partner: Northwind Traders", "Partner: Contoso Retail", "Partner: Fabrikam"]),
    (Customer.Source.SOCIAL, 11, ["Instagram ad", "Facebook ad", "LinkedIn post", "TikTok video"]),
    (Customer.Source.SEARCH, 10, ["Google Ads", "Organic search", "Bing Ads"]),
    (Customer.Source.API, 2, ["Shop system sync"]),
]
LIFECYCLE = [(Customer.LifecycleStage.LEAD, 12), (Customer.LifecycleStage.PROSPECT, 13),
             (Customer.LifecycleStage.CUSTOMER, 62), (Customer.LifecycleStage.FORMER, 13)]
ACTIVITY_KINDS = [("page_view", 30), ("visit", 20), ("email_open", 15), ("login", 10), ("email_click", 8),
                  ("app_open", 8), ("cart_add", 6), ("form_submit", 3)]
PAGES = [("/", "Home"), ("/plans", "Plans and prices"), ("/plans/premium", "Premium plan"),
         ("/shop/routers", "Routers"), ("/shop/tv", "TV and streaming"), ("/help", "Help centre"),
         ("/help/billing", "Billing questions"), ("/account", "My account"), ("/coverage", "Coverage map"),
         ("/contact", "Contact us")]
SITE = "https://www.example.com"
CAMPAIGNS = ["spring-sale", "premium-upgrade", "newsletter-monthly", "win-back", "black-friday", "welcome-series"]
REFERRERS = ["https://www.google.com/", "https://www.bing.com/", "https://www.facebook.com/", "https://news.example.org/"]
FORMS = ["contact", "newsletter", "callback-request", "quote-request", "moving-notice"]
SR_SUBJECTS = {
    ServiceRequest.Kind.REQUEST: ["Change of billing address", "Question about my invoice", "Router does not connect",
                                  "Upgrade my plan", "Cancel an add-on", "Reset my account password",
                                  "Where is my delivery?", "Update payment details", "Move my contract"],
    ServiceRequest.Kind.COMPLAINT: ["Charged twice this month", "Technician did not show up",
                                    "Connection slow for a week", "Unfriendly staff in the store",
                                    "Late delivery", "Wrong item delivered"],
}
RESOLUTIONS = ["Explained the charges; customer satisfied.", "Sent a replacement device.",
               "Refunded the duplicate charge.", "Rebooked the technician for the next day.",
               "Reset the line remotely; speed back to normal.", "Changed the plan as requested.",
               "Updated the details in the billing system.", "Goodwill credit of one month applied."]
NOTES = ["Prefers to be contacted by e-mail after 5 pm.", "Asked about upgrading to Premium; call back next month.",
         "Long-standing customer, very loyal. Handle with care.", "Hard of hearing: speak slowly on the phone.",
         "Interested in the TV box; sent the brochure.", "Complained about the price increase, offered loyalty discount.",
         "Works night shifts, call only in the afternoon.", "Runs a small business, may need a business plan."]
FEEDBACK_COMMENTS = ["Quick and friendly help.", "Took too long to reach someone.", "Great value for money.",
                     "The app keeps logging me out.", "Installer was on time and tidy.", "Too many e-mails."]

# Cumulative weights, for pools.weighted().
SOURCE_CUM = list(itertools.accumulate(s[1] for s in SOURCES))
STAGES = [s for s, _w in LIFECYCLE]
STAGE_CUM = list(itertools.accumulate(w for _s, w in LIFECYCLE))
ACTIVITY_NAMES = [k for k, _w in ACTIVITY_KINDS]
ACTIVITY_CUM = list(itertools.accumulate(w for _k, w in ACTIVITY_KINDS))
ORDER_CHANNELS = Order.Channel.values
ORDER_CHANNEL_CUM = list(itertools.accumulate((45, 20, 20, 10, 5)))
SR_CHANNELS = ServiceRequest.Channel.values
SR_CHANNEL_CUM = list(itertools.accumulate((40, 25, 20, 10, 4, 1)))
SR_PRIORITIES = ServiceRequest.Priority.values
SR_PRIORITY_CUM = list(itertools.accumulate((15, 60, 20, 5)))


def _frozen_props():
    """Activity properties that come in a few variants only: one shared dict (and JSON text) each."""
    page_views = tuple(({"url": SITE + path, "title": title}, "website") for path, title in PAGES)
    opens = tuple(({"campaign": c}, "email") for c in CAMPAIGNS)
    forms = tuple(({"form": f}, "website") for f in FORMS)
    logins = tuple(({"method": m}, s) for m in ("password", "password", "sso", "magic-link")
                   for s in ("website", "mobile-app"))
    apps = tuple(({"platform": p, "app_version": f"4.{a}.{b}"}, "mobile-app")
                 for p in ("ios", "android") for a in range(8) for b in range(5))
    kinds = {"page_view": page_views, "email_open": opens, "form_submit": forms, "login": logins, "app_open": apps}
    for variants in kinds.values():
        for props, _source in variants:
            json_share(props)  # the COPY writer serialises each variant once
    return kinds


FROZEN_PROPS = _frozen_props()
PATHS = [path for path, _title in PAGES]
