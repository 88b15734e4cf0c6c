"""One way to show a domain error on a form."""

import pytest
from django import forms

from atiende.core.errors import Conflict, NotFound, ValidationFailed
from atiende.core.forms import apply_domain_error


class _Form(forms.Form):
    title = forms.CharField(required=False)
    attachments = forms.CharField(required=False)


def _bound():
    form = _Form({})
    assert form.is_valid()
    return form


def test_field_errors_go_to_their_fields_renamed_and_the_rest_on_top():
    form = _bound()
    exc = ValidationFailed(errors={"title": ["Too long."], "file": ["Empty."], "x": ["Odd."]})
    apply_domain_error(form, exc, rename={"file": "attachments"})
    assert form.errors["title"] == ["Too long."]
    assert form.errors["attachments"] == ["Empty."]
    assert form.non_field_errors() == ["Odd."]


def test_an_error_without_fields_shows_its_detail_on_top():
    form = _bound()
    apply_domain_error(form, Conflict("Changed meanwhile.", current_version=2))
    assert form.non_field_errors() == ["Changed meanwhile."]


def test_not_found_is_never_a_form_error():
    form = _bound()
    with pytest.raises(NotFound):
        apply_domain_error(form, NotFound())
    assert not form.errors
