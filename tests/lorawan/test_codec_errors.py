"""Bad input to every codec: truncated frames, wrong types and noise give CodecError only.

The codecs are called directly (``ModelInfo.decoder`` and ``ModelInfo.decode_frame``),
not through the registry's ``decode()``, which would turn any exception into a
CodecError and so hide a codec that raises something else.
"""

from __future__ import annotations

import random

import pytest

from custom_components.ange_iot.lorawan.codecs import MODELS, CodecError, DecodeResult

from .test_conformance import EXAMPLES, Example

VALID = [
    pytest.param(model_id, example, id=f"{model_id}: {example.source}")
    for model_id, examples in EXAMPLES.items()
    for example in examples
    if example.readings is not None
]


def _outcome(model_id: str, f_port: object, payload: object) -> DecodeResult | CodecError:
    """Decode with both entry points of the model; they must agree."""
    info = MODELS[model_id]
    try:
        result = info.decode_frame(f_port, payload)  # type: ignore[arg-type]
    except CodecError as err:
        with pytest.raises(CodecError):
            info.decoder(f_port, payload)  # type: ignore[arg-type]
        return err
    assert info.decoder(f_port, payload) == result.readings  # type: ignore[arg-type]
    return result


# Layouts that end in reserved or unread bytes the device may leave out (Browan TBHH100
# IAQ bytes, TBPB100 beyond byte 3, Dragino LDS01/LDS02/LWL02 counters and alarm): a
# frame one byte short of the example is still a whole frame for them.
OPTIONAL_TAIL = frozenset(
    {"browan_tbhh100", "browan_tbpb100", "dragino_lds01", "dragino_lds02", "dragino_lwl02"}
)


@pytest.mark.parametrize(("model_id", "example"), VALID)
def test_truncated_vendor_frames(model_id: str, example: Example) -> None:
    # Every prefix of a vendor frame either is a frame of its own (a run of whole
    # items, or a shorter documented layout) or is refused with CodecError.
    payload = bytes.fromhex(example.payload)
    for size in range(len(payload)):
        outcome = _outcome(model_id, example.f_port, payload[:size])
        if isinstance(outcome, DecodeResult):
            assert set(outcome.readings) <= MODELS[model_id].keys
    if model_id not in OPTIONAL_TAIL:
        # Cut inside its last item or field, the frame is a truncated payload.
        assert isinstance(_outcome(model_id, example.f_port, payload[:-1]), CodecError)


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_arguments_of_the_wrong_type(model_id: str) -> None:
    first = EXAMPLES.get(model_id, [Example("", 1, "0100e2", None)])[0]
    for payload in ("0100e2", 1234, None, [1, 0, 226], 1.5, {"a": 1}):
        assert isinstance(_outcome(model_id, first.f_port, payload), CodecError), payload
    for f_port in ("2", None, 1.5, b"\x02", True):
        outcome = _outcome(model_id, f_port, bytes.fromhex(first.payload))
        assert isinstance(outcome, CodecError), f_port


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_random_bytes(model_id: str) -> None:
    # Noise on the model's own ports: decoded or refused, nothing else, and a decoded
    # frame yields only the model's keys.
    rng = random.Random(model_id)
    ports = {example.f_port for example in EXAMPLES.get(model_id, [])} or {1, 2, 85}
    for _ in range(100):
        payload = rng.randbytes(rng.randrange(0, 60))
        for f_port in ports:
            outcome = _outcome(model_id, f_port, payload)
            if isinstance(outcome, DecodeResult):
                assert set(outcome.readings) <= MODELS[model_id].keys
