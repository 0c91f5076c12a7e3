"""One hub's care audit log in Home Assistant: its folder, its key and its single writer.

Each hub writes to ``<config>/ange_iot/audit/<entry id>/`` with its own HMAC key, so two
hubs never share a chain (they used to share ``ange_iot/audit/``, where each hub's key
broke the other's lines). The key lives in the hub's private ``.storage`` file, away from
the log; Home Assistant's backups hold both.

Lines are written by one background writer, in the order things happened. Two ways in:

* :meth:`AuditWriter.async_write` for a person's action or read: it is checked first, then
  awaited; when it cannot be written the caller gets a translated error and must change
  nothing. A line is never silently dropped.
* :meth:`AuditWriter.queue` for what the integration itself does (an alarm raised from an
  uplink cannot be refused). A failure there raises a repair issue instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
import shutil
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from ..care.audit import HEAD_FILE, AuditAction, AuditLog, screen_line, verify
from ..care.errors import CareError
from ..const import DOMAIN, LOGGER

AUDIT_ROOT: Final = "ange_iot/audit"
ISSUE_WRITE_FAILED: Final = "audit_write_failed"


def audit_directory(hass: HomeAssistant, entry_id: str) -> Path:
    """Where one hub's audit log lives."""
    return Path(hass.config.path(AUDIT_ROOT)) / entry_id


def _adopt_shared_log(root: Path, target: Path, key: bytes) -> bool:
    """Move a log left in the shared folder by an older version into this hub's folder.

    Only a log that verifies with this hub's key is this hub's; anything else (another
    hub's, or two hubs' lines mixed) is left where it is as evidence.
    """
    if target.exists() or not (root / HEAD_FILE).exists():
        return False
    if not verify(root, key=key).ok:
        return False
    target.mkdir(parents=True)
    for path in root.iterdir():
        if path.is_file():
            shutil.move(path, target / path.name)
    return True


class AuditWriter:
    """The audit log of one hub and the single task that writes to it."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self.hass = hass
        self.entry_id = entry_id
        self.log: AuditLog | None = None
        self._queue: asyncio.Queue[Callable[[], object] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def async_open(self, key: bytes) -> None:
        """Open (and if needed adopt) the hub's log and start the writer."""
        directory = audit_directory(self.hass, self.entry_id)
        adopted = await self.hass.async_add_executor_job(
            _adopt_shared_log, directory.parent, directory, key
        )
        if adopted:
            LOGGER.info("Moved the shared care audit log into this hub's own folder")
        self.log = await self.hass.async_add_executor_job(partial(AuditLog, directory, key=key))
        self._task = self.hass.async_create_background_task(self._run(), "ange_iot audit log")

    async def async_close(self) -> None:
        """Write what is queued, then stop the writer."""
        if self._task is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None

    async def _run(self) -> None:
        while (job := await self._queue.get()) is not None:
            try:
                await self.hass.async_add_executor_job(job)
            except Exception:  # noqa: BLE001 - the error names no person; the repair tells staff
                LOGGER.exception("Could not write to the care audit log")
                self._raise_issue()

    @callback
    def _raise_issue(self) -> None:
        ir.async_create_issue(
            self.hass, DOMAIN, f"{ISSUE_WRITE_FAILED}_{self.entry_id}",
            is_fixable=False, is_persistent=False, severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_WRITE_FAILED,
        )

    @callback
    def queue(
        self,
        action: AuditAction | str,
        *,
        actor: str | None,
        care_unit: str | None = None,
        room: str | None = None,
        data: Mapping[str, object] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Queue a line the integration itself writes (nothing to refuse it to)."""
        log = self.log
        if log is None:
            return
        moment = at or dt_util.utcnow()
        self._queue.put_nowait(
            lambda: log.append(action, at=moment, actor=actor, care_unit=care_unit, room=room, data=data)
        )

    @callback
    def queue_job(self, job: Callable[[], object]) -> None:
        """Run ``job`` (for example a retention purge) in turn with the lines."""
        self._queue.put_nowait(job)

    @callback
    def check(
        self,
        action: AuditAction | str,
        *,
        actor: str | None,
        care_unit: str | None = None,
        room: str | None = None,
        data: Mapping[str, object] | None = None,
    ) -> None:
        """Raise the translated error now if this line would be refused; writes nothing."""
        if self.log is None or self._task is None:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="audit_log_unavailable")
        try:
            screen_line(action, actor=actor, care_unit=care_unit, room=room, data=data)
        except CareError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="audit_line_refused",
                translation_placeholders={"reason": err.translation_key},
            ) from err

    async def async_write(
        self,
        action: AuditAction | str,
        *,
        actor: str | None,
        care_unit: str | None = None,
        room: str | None = None,
        data: Mapping[str, object] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Write one line now, after those queued; a translated error when it cannot be.

        The caller changes nothing until this returns, so a refused or failed line means
        the action did not happen.
        """
        self.check(action, actor=actor, care_unit=care_unit, room=room, data=data)
        log = self.log
        assert log is not None  # checked above
        moment = at or dt_util.utcnow()
        loop = asyncio.get_running_loop()
        written: asyncio.Future[None] = loop.create_future()

        def settle(error: BaseException | None) -> None:
            if written.done():
                return
            if error is None:
                written.set_result(None)
            else:
                written.set_exception(error)

        def job() -> None:
            try:
                log.append(action, at=moment, actor=actor, care_unit=care_unit, room=room, data=data)
            except Exception as err:  # noqa: BLE001 - handed to the waiting action
                loop.call_soon_threadsafe(settle, err)
                return
            loop.call_soon_threadsafe(settle, None)

        self._queue.put_nowait(job)
        try:
            await written
        except CareError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="audit_line_refused",
                translation_placeholders={"reason": err.translation_key},
            ) from err
        except (OSError, ValueError) as err:
            LOGGER.error("Could not write to the care audit log: %s", type(err).__name__)
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="audit_write_failed"
            ) from err

    async def async_flush(self) -> None:
        """Wait until every queued line is written (exports read the files)."""
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        # The writer runs jobs in an executor thread; an Event is set from the loop only.
        self._queue.put_nowait(lambda: loop.call_soon_threadsafe(done.set))
        await done.wait()
