"""Which roles a model can serve: what each role's derived values need."""

from __future__ import annotations

from custom_components.ange_iot.derived.roles import role_fits_model, roles_for_model


def test_room_sensor_is_no_snow_station() -> None:
    assert not role_fits_model("snow_station", "elsys_ers_co2")
    assert role_fits_model("snow_station", "milesight_em500_udl")
    assert role_fits_model("water_meter", "elvaco_cmi4140")
    assert not role_fits_model("water_meter", "milesight_em500_udl")
    assert role_fits_model("outer_door", "elsys_ems_door")


def test_every_model_may_have_no_role_and_unknown_models_none() -> None:
    assert "none" in roles_for_model("elsys_ers_co2")
    assert roles_for_model("acme_gadget") == frozenset()
    # What the network server decodes is not known in advance.
    assert "snow_station" in roles_for_model("network_decoded")
