"""The one validation of a request form (forms_engine.clean): types, required, conditions,
unknown fields, and the messages in both languages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from atiende.catalogue import forms_engine
from atiende.core.errors import PayloadTooLarge, ValidationFailed


def _errors(fields, data, files=None, *, actor):
    with pytest.raises(ValidationFailed) as caught:
        forms_engine.clean(fields, data, files, actor=actor)
    return caught.value.errors


def test_typed_answers_from_form_strings_and_json_alike(fields, requester):
    strings = {
        "os": "mac",
        "screens": "2",
        "needed_by": "2027-01-15",
        "travels": "yes",
        "software": ["vpn", "office"],
    }
    typed = {
        "os": "mac",
        "screens": 2,
        "needed_by": "2027-01-15",
        "travels": True,
        "software": ["office", "vpn"],
    }
    a = forms_engine.clean(fields, strings, actor=requester)
    b = forms_engine.clean(fields, typed, actor=requester)
    assert a.values == b.values == typed
    assert [row["key"] for row in a.rows] == ["os", "screens", "needed_by", "travels", "software"]
    assert "Software: Office, VPN" in a.summary("en")


def test_condition_shows_and_requires(fields, requester):
    assert _errors(fields, {"os": "linux"}, actor=requester) == {
        "distro": ["This field is required."]
    }
    ok = forms_engine.clean(fields, {"os": "linux", "distro": "Debian"}, actor=requester)
    assert ok.values == {"os": "linux", "distro": "Debian"}


def test_hidden_field_answered_is_refused(fields, requester):
    errors = _errors(fields, {"os": "windows", "distro": "Debian"}, actor=requester)
    assert list(errors) == ["distro"]
    assert "does not apply" in errors["distro"][0]


def test_hidden_empty_field_is_fine(fields, requester):
    assert forms_engine.clean(fields, {"os": "windows", "distro": ""}, actor=requester).values == {
        "os": "windows"
    }


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"os": "amiga"}, "os"),
        ({"os": ["mac"]}, "os"),
        ({"os": "mac", "screens": "many"}, "screens"),
        ({"os": "mac", "screens": True}, "screens"),
        ({"os": "mac", "screens": "1e999"}, "screens"),
        ({"os": "mac", "needed_by": "15/01/2027"}, "needed_by"),
        ({"os": "mac", "needed_by": "0001-01-01"}, "needed_by"),
        ({"os": "mac", "travels": "perhaps"}, "travels"),
        ({"os": "mac", "software": ["vpn", "games"]}, "software"),
        ({"os": "mac", "software": {"a": 1}}, "software"),
        ({"os": "mac", "quote": "quote.pdf"}, "quote"),
        ({"os": "mac", "colour": "red"}, "colour"),
    ],
)
def test_wrong_types_and_unknown_fields(fields, requester, data, key):
    assert key in _errors(fields, data, actor=requester)


def test_required_missing(fields, requester):
    assert _errors(fields, {}, actor=requester) == {"os": ["This field is required."]}


def test_messages_in_spanish(fields, requester):
    with translation.override("es"):
        errors = _errors(fields, {"os": "windows", "distro": "x", "colour": 1}, actor=requester)
    assert errors["colour"][0] == "Este formulario no tiene el campo «colour»."
    assert errors["distro"][0].startswith("Esta pregunta no corresponde")


def test_oversized_upload_is_413(fields, requester, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("quote.pdf", b"%PDF" + b"x" * 100, "application/pdf")
    with pytest.raises(PayloadTooLarge) as caught:
        forms_engine.clean(fields, {"os": "mac"}, {"quote": [big]}, actor=requester)
    assert "quote" in caught.value.errors


def test_a_program_is_refused(fields, requester):
    exe = SimpleUploadedFile("quote.exe", b"MZ\x90\x00rest", "application/octet-stream")
    assert "quote" in _errors(fields, {"os": "mac"}, {"quote": [exe]}, actor=requester)


def test_person_picker_stays_in_the_requesters_organisation(laptop, manager, requester):
    from atiende.catalogue import actions
    from atiende.catalogue.models import FieldType
    from tests.factories import RequesterFactory

    actions.field_save(
        actor=manager, item_id=laptop.pk, key="for_whom", type=FieldType.PERSON, label="For whom"
    )
    fields = list(laptop.fields.order_by("position", "id"))
    colleague = RequesterFactory(organization=requester.organization, email="ana@example.org")
    stranger = RequesterFactory(email="zoe@example.org")
    ok = forms_engine.clean(fields, {"os": "mac", "for_whom": "ANA@example.org"}, actor=requester)
    assert ok.values["for_whom"] == {"id": colleague.pk, "name": colleague.display_name}
    errors = _errors(fields, {"os": "mac", "for_whom": stranger.email}, actor=requester)
    assert "for_whom" in errors
    errors = _errors(fields, {"os": "mac", "for_whom": stranger.pk}, actor=requester)
    assert "for_whom" in errors


def test_schema(fields):
    schema = forms_engine.schema(fields)
    assert schema["required"] == ["os"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["distro"]["x-show-when"] == {"field": "os", "in": ["linux"]}
    assert schema["properties"]["os"]["enum"] == ["windows", "mac", "linux"]
    assert schema["properties"]["software"]["items"]["enum"] == ["office", "vpn"]


def test_any_json_gets_typed_answers_or_field_errors_never_a_crash(fields, requester):
    """Whatever a client sends as answers: typed answers or a 4xx naming fields."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    values = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=6,
    )
    keys = st.sampled_from([f.key for f in fields] + ["x", ""])

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.dictionaries(keys, values, max_size=6))
    def check(data):
        try:
            cleaned = forms_engine.clean(fields, data, actor=requester)
        except (ValidationFailed, PayloadTooLarge) as exc:
            assert exc.errors and all(exc.errors.values())
        else:
            assert set(cleaned.values) <= {f.key for f in fields}

    check()
