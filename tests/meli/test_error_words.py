"""Mercado Livre's errors as the operator reads them: our sentence around ML's words is in the operator's
language, ML's own message is quoted as ML sent it, and the journal keeps a code and values (so the logs show
a stored failure in whichever language is read later)."""

from __future__ import annotations

import pytest

from services.i18n import set_language
from services.meli.errors import AnswerLost, MeliApiError
from services.reasons import Code, Reason
from words.reasons import say


@pytest.fixture(autouse=True)
def english_after():
    yield
    set_language("en")


def refused() -> MeliApiError:
    return MeliApiError.from_payload(
        400,
        {"error": "bad_request", "message": "Invalid quantity", "cause": [{"code": "x", "message": "not allowed"}]},
        where="PUT /items/MLB1",
    )


def test_an_ml_error_is_our_words_around_mls_quoted_message():
    set_language("pt_BR")
    exc = refused()
    assert str(exc) == 'o Mercado Livre respondeu 400 bad_request (PUT /items/MLB1): "Invalid quantity (not allowed)"'
    assert exc.english == 'Mercado Livre answered 400 bad_request (PUT /items/MLB1): "Invalid quantity (not allowed)"'
    # Stored as a code and values: read back in either language.
    stored = Reason.from_json(exc.said.to_json())
    assert stored is not None and stored.code == Code.ML_ANSWERED_SAYING
    assert say(stored).startswith("o Mercado Livre respondeu 400 bad_request")
    set_language("en")
    assert say(stored) == 'Mercado Livre answered 400 bad_request (PUT /items/MLB1): "Invalid quantity (not allowed)"'


def test_an_ml_error_without_a_message_and_a_lost_answer_in_portuguese():
    set_language("pt_BR")
    assert str(MeliApiError(503, "", "", where="GET /items")) == "o Mercado Livre respondeu 503 (GET /items)"
    lost = AnswerLost("PUT /items/MLB1", "ReadTimeout")
    assert str(lost) == "a resposta a PUT /items/MLB1 se perdeu (ReadTimeout): o Mercado Livre pode tê-la aplicado"
    assert lost.english.startswith("the answer to PUT /items/MLB1 was lost")


def test_an_answer_of_the_wrong_shape_is_said_in_portuguese_and_kept_english_for_json():
    from services.meli import parse

    set_language("pt_BR")
    with pytest.raises(parse.UnexpectedAnswer) as caught:
        parse.expect_object([], "GET /users/me")
    assert str(caught.value) == (
        "o Mercado Livre respondeu GET /users/me com uma lista JSON onde se esperava um objeto JSON; nada foi "
        "alterado. Tente de novo mais tarde"
    )
    assert caught.value.english.startswith("Mercado Livre answered GET /users/me with a JSON array where")
    with pytest.raises(parse.UnexpectedAnswer) as caught:
        parse.count("muitos", "paging.total")
    assert str(caught.value) == "o Mercado Livre enviou paging.total como 'muitos' onde se esperava um número"


def test_the_resource_named_in_an_odd_answer_and_a_bad_code_are_in_portuguese():
    from services.errors import BadInput
    from services.meli import parse
    from services.meli.models import Listing
    from services.sync.reference_code import reference_code_action

    set_language("pt_BR")
    with pytest.raises(parse.UnexpectedAnswer) as caught:
        parse.listing([])
    assert str(caught.value).startswith("o Mercado Livre respondeu um anúncio (GET /items) com uma lista JSON")
    assert caught.value.english.startswith("Mercado Livre answered a listing (GET /items) with a JSON array")
    live = Listing(id="MLB1", title="Caneca", status="active", available_quantity=1, price=None, currency_id="BRL")
    with pytest.raises(BadInput, match="o código de referência novo está vazio"):
        reference_code_action(live, None, "  ")
    with pytest.raises(BadInput, match="a variação 7 não está no anúncio MLB1"):
        reference_code_action(live, 7, "NOVO")
