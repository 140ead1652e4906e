from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    # Before "<customer_number>/", which would take "new" for a customer number.
    path("new/", views.customer_create, name="create"),
    path("new/matches/", views.customer_create_matches, name="create_matches"),
    path("requests/mine/", views.my_requests, name="my_requests"),
    path("duplicates/", views.duplicate_queue, name="duplicates"),
    path("duplicates/<int:cluster>/", views.duplicate_cluster, name="duplicate_cluster"),
    path("duplicates/<int:cluster>/merge/", views.duplicate_merge, name="duplicate_merge"),
    path("merges/<int:pk>/", views.merge_detail, name="merge"),
    path("duplicates/pairs/<int:pk>/dismiss/", views.duplicate_pair_dismiss, name="duplicate_dismiss"),
    path("duplicates/pairs/<int:pk>/skip/", views.duplicate_pair_skip, name="duplicate_skip"),
    # Data quality (stewards, admins): before "<customer_number>/", which would take "quality".
    path("quality/", views.quality_dashboard, name="quality"),
    path("quality/trend.csv", views.quality_trend_csv, name="quality_trend_csv"),
    path("quality/<slug:figure>/", views.quality_figure, name="quality_figure"),
    # File imports (stewards, admins): before "<customer_number>/", which would take "imports".
    path("imports/", views.import_list, name="imports"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/undo/", views.import_undo, name="import_undo"),
    path("imports/<int:pk>/rejected.csv", views.import_rejected_csv, name="import_rejected_csv"),
    # follow_merged: a merged customer's page redirects to the survivor's.
    path("<str:customer_number>/", views.follow_merged(views.customer_detail), name="detail"),
    path("<str:customer_number>/requests/", views.service_requests, name="service_requests"),
    path("<str:customer_number>/requests/<str:reference>/", views.service_request_change, name="service_request"),
    path("<str:customer_number>/notes/", views.customer_notes, name="notes"),
    path("<str:customer_number>/feedback/", views.customer_feedback, name="feedback"),
    path("<str:customer_number>/edit/", views.follow_merged(views.customer_edit), name="edit"),
    path("<str:customer_number>/restore/", views.follow_merged(views.customer_restore), name="restore"),
    path("<str:customer_number>/timeline/", views.customer_timeline, name="timeline"),
    path("<str:customer_number>/version/", views.customer_version, name="version"),
    path("<str:customer_number>/reveal/", views.customer_reveal, name="reveal"),
    # Verification: the 360° page's actions, and the public page the e-mail link opens (no login).
    path("<str:customer_number>/verify/email/", views.customer_verify_email, name="verify_email"),
    path("<str:customer_number>/verify/phone/", views.customer_verify_phone, name="verify_phone"),
    path("verify/email/<str:token>/", views.verify_email_confirm, name="verify_email_confirm"),
]
