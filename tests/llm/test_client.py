"""The chat completions client against the loopback fake: answers, streaming, errors, retries, usage."""

from __future__ import annotations

import json
import logging

import pytest

from crossdesk.fakes.llm import LlmFake
from crossdesk.fakes.server import Fault
from crossdesk.llm import (
    LlmAuthFailed,
    LlmBadRequest,
    LlmClient,
    LlmMalformed,
    LlmNotConfigured,
    LlmRateLimited,
    LlmSettings,
    LlmUnavailable,
    load_settings,
)

ASK = [
    {
        "role": "user",
        "content": json.dumps(
            {"task": "translate", "target_language": "de", "texts": ["Where is my order?"]}
        ),
    }
]


def test_plain_answer_with_usage(fake: LlmFake, settings: LlmSettings) -> None:
    result = LlmClient(settings).chat(ASK, purpose="translate")
    assert json.loads(result.text) == {"translations": ["Wo ist meine Bestellung?"]}
    assert result.prompt_tokens > 0 and result.completion_tokens > 0 and not result.usage_estimated
    assert not result.streamed
    assert fake.bodies[-1]["model"] == "fake-llm" and "stream" not in fake.bodies[-1]


def test_streaming_collects_chunks_and_usage(fake: LlmFake, settings: LlmSettings) -> None:
    pieces: list[str] = []
    result = LlmClient(settings.with_(stream=True)).chat(ASK, purpose="translate", on_delta=pieces.append)
    assert result.streamed and len(pieces) > 1
    assert "".join(pieces) == result.text
    assert json.loads(result.text)["translations"] == ["Wo ist meine Bestellung?"]
    assert result.prompt_tokens > 0 and not result.usage_estimated
    assert fake.bodies[-1]["stream_options"] == {"include_usage": True}


def test_stream_cut_before_done_is_malformed(fake: LlmFake, settings: LlmSettings) -> None:
    fake.inject(
        Fault.status(
            200,
            b'data: {"choices": [{"delta": {"content": "Wo"}}]}\n\n',
            {"Content-Type": "text/event-stream"},
        )
    )
    with pytest.raises(LlmMalformed):
        LlmClient(settings.with_(stream=True, retries=1)).chat(ASK, purpose="translate")


def test_stream_with_garbage_chunk_is_malformed(fake: LlmFake, settings: LlmSettings) -> None:
    fake.inject(
        Fault.status(200, b"data: {not json\n\ndata: [DONE]\n\n", {"Content-Type": "text/event-stream"})
    )
    with pytest.raises(LlmMalformed):
        LlmClient(settings.with_(stream=True)).chat(ASK, purpose="translate")


def test_local_server_gets_no_authorization_header(fake: LlmFake, settings: LlmSettings) -> None:
    LlmClient(settings).chat(ASK, purpose="translate")
    assert fake.requests_to("/v1/chat/completions")[-1].header("Authorization") == ""


def test_hosted_key_is_sent_as_bearer_and_wrong_key_refused() -> None:
    with LlmFake(api_keys=("sk-right",)) as fake:
        good = LlmSettings(base_url=fake.api_base, model="fake-llm", api_key="sk-right", stream=False)
        assert LlmClient(good).chat(ASK, purpose="translate").text
        with pytest.raises(LlmAuthFailed) as err:
            LlmClient(good.with_(api_key="sk-wrong")).chat(ASK, purpose="translate")
        assert "sk-wrong" not in str(err.value) and "sk-wrong" not in repr(good.with_(api_key="sk-wrong"))


def test_unknown_model_is_a_bad_request(fake: LlmFake, settings: LlmSettings) -> None:
    with pytest.raises(LlmBadRequest, match="model_not_found"):
        LlmClient(settings.with_(model="nope")).chat(ASK, purpose="translate")


def test_429_honours_retry_after_then_succeeds(fake: LlmFake, settings: LlmSettings, sleeps: list) -> None:
    fake.inject(Fault.rate_limited(retry_after=3), times=2)
    result = LlmClient(settings, sleep=sleeps).chat(ASK, purpose="translate")
    assert result.text and sleeps == [3.0, 3.0]
    assert len(fake.requests_to("/v1/chat/completions")) == 3


def test_persistent_429_raises_rate_limited(fake: LlmFake, settings: LlmSettings, sleeps: list) -> None:
    fake.inject(Fault.rate_limited(retry_after=7), times=10)
    with pytest.raises(LlmRateLimited) as err:
        LlmClient(settings.with_(retries=3), sleep=sleeps).chat(ASK, purpose="translate")
    assert err.value.retry_after == 7.0 and len(sleeps) == 2


def test_fake_rate_limit_per_minute(settings: LlmSettings, sleeps: list) -> None:
    with LlmFake(requests_per_minute=1) as fake:
        client = LlmClient(settings.with_(base_url=fake.api_base, retries=2), sleep=sleeps)
        client.chat(ASK, purpose="translate")
        with pytest.raises(LlmRateLimited):
            client.chat(ASK, purpose="translate")


def test_5xx_backs_off_exponentially(fake: LlmFake, settings: LlmSettings, sleeps: list) -> None:
    fake.inject(Fault.server_error(502), times=2)
    LlmClient(settings.with_(backoff=0.5), sleep=sleeps).chat(ASK, purpose="translate")
    assert sleeps == [0.5, 1.0]


def test_down_server_is_unavailable(fake: LlmFake, settings: LlmSettings, sleeps: list) -> None:
    fake.go_down()
    with pytest.raises(LlmUnavailable, match="HTTP 503"):
        LlmClient(settings.with_(retries=2), sleep=sleeps).chat(ASK, purpose="translate")
    fake.stop()
    with pytest.raises(LlmUnavailable, match="unreachable"):
        LlmClient(settings.with_(retries=1), sleep=sleeps).chat(ASK, purpose="translate")


def test_timeout(fake: LlmFake, settings: LlmSettings, sleeps: list) -> None:
    fake.inject(Fault.slow(1.0))
    with pytest.raises(LlmUnavailable, match="timed out"):
        LlmClient(settings.with_(timeout=0.2, retries=1), sleep=sleeps).chat(ASK, purpose="translate")


def test_malformed_json_body(fake: LlmFake, settings: LlmSettings) -> None:
    fake.inject(Fault.malformed())
    with pytest.raises(LlmMalformed):
        LlmClient(settings).chat(ASK, purpose="translate")
    fake.inject(Fault.status(200, {"choices": []}))
    with pytest.raises(LlmMalformed):
        LlmClient(settings).chat(ASK, purpose="translate")


def test_not_configured_sends_nothing(fake: LlmFake) -> None:
    with pytest.raises(LlmNotConfigured, match="CROSSDESK_LLM_BASE_URL"):
        LlmClient(LlmSettings(model="m")).chat(ASK, purpose="translate")
    assert fake.requests == []


def test_no_text_in_log_lines(fake: LlmFake, settings: LlmSettings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    LlmClient(settings).chat(ASK, purpose="translate")
    text = caplog.text
    assert "translate" in text
    assert "Where is my order" not in text and "Bestellung" not in text


def test_settings_from_env_and_credentials_file(tmp_path) -> None:
    creds = tmp_path / "credentials.toml"
    creds.write_text('[llm]\napi_key = "sk-file"\n')
    conf = tmp_path / "config.toml"
    conf.write_text(
        '[llm]\nbase_url = "http://127.0.0.1:1/v1"\nmodel = "m1"\napi_key = "ignored"\nprice_in = 0.5\n'
    )
    env = {"CROSSDESK_CREDENTIALS": str(creds), "CROSSDESK_CONFIG": str(conf)}
    s = load_settings(env)
    assert (s.base_url, s.model, s.api_key, s.price_in) == ("http://127.0.0.1:1/v1", "m1", "sk-file", 0.5)
    s = load_settings({**env, "CROSSDESK_LLM_MODEL": "m2", "CROSSDESK_LLM_API_KEY": "sk-env"})
    assert (s.model, s.api_key) == ("m2", "sk-env")
    assert "sk-env" not in repr(s)
    with pytest.raises(ValueError, match=r"llm\.timeout"):
        load_settings({**env, "CROSSDESK_LLM_TIMEOUT": "soon"})
    conf.write_text("[llm\n")
    with pytest.raises(ValueError, match=r"config\.toml"):
        load_settings(env)
