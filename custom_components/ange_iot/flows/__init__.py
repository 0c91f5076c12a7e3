"""Config flows: the hub, its options, discovered devices and the hub's subentries.

One module per flow: hub.py connects a network server, discovery.py confirms a device
that was heard but not added, device.py is the device subentry, ice_place.py the ice
place subentry, options.py the hub's options menu with its Connection step. What the
device and discovery flows share is in device_form.py; what the finish and Connection
steps show is in connection.py. The care unit and dispenser flows live with the care glue.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigSubentryFlow, OptionsFlow
from homeassistant.core import callback

from ..care_runtime.camera import SUBENTRY_CARE_CAMERA
from ..care_runtime.camera_flow import CareCameraSubentryFlow
from ..care_runtime.config import SUBENTRY_CARE_ROOM, SUBENTRY_CARE_UNIT, SUBENTRY_DISPENSER
from ..care_runtime.flow import CareUnitSubentryFlow, DispenserSubentryFlow
from ..care_runtime.room_flow import CareRoomSubentryFlow
from ..const import DOMAIN, SUBENTRY_DEVICE
from ..ice import SUBENTRY_ICE_PLACE
from .device import DeviceSubentryFlow
from .discovery import DiscoverySteps
from .hub import HubSteps
from .ice_place import IcePlaceSubentryFlow
from .options import AngeIotOptionsFlow

__all__ = ["AngeIotConfigFlow", "AngeIotOptionsFlow", "DeviceSubentryFlow", "IcePlaceSubentryFlow"]


class AngeIotConfigFlow(HubSteps, DiscoverySteps, domain=DOMAIN):
    """Connect a network-server application, or confirm a discovered device."""

    VERSION = 1
    MINOR_VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """The hub's options menu."""
        return AngeIotOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Devices, ice places, care units and dispensers are subentries of the hub."""
        return {
            SUBENTRY_DEVICE: DeviceSubentryFlow,
            SUBENTRY_ICE_PLACE: IcePlaceSubentryFlow,
            SUBENTRY_CARE_UNIT: CareUnitSubentryFlow,
            SUBENTRY_DISPENSER: DispenserSubentryFlow,
            SUBENTRY_CARE_ROOM: CareRoomSubentryFlow,
            SUBENTRY_CARE_CAMERA: CareCameraSubentryFlow,
        }
