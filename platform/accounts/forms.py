from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


class ResearcherSignupForm(UserCreationForm):
    email = forms.EmailField(help_text="We send password resets and access decisions here.")
    affiliation = forms.CharField(
        max_length=200, help_text="Your university, institute or company."
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email", "affiliation")
