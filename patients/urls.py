from django.urls import path

from patients import views

app_name = "patients"

urlpatterns = [
    path("referrals/", views.referral_queue, name="referral-queue"),
]
