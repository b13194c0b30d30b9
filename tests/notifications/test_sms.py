"""The SMS backends: which one is configured, and what each does with a key sent twice."""

import logging
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cases import sms
from cases.sms import FileSmsBackend, LocmemSmsBackend, LoggingSmsBackend, SmsError, SmsMessage, get_backend

MESSAGE = SmsMessage(key="BC-2025-ABC:approved:7:sms", to="+32 470 12 34 56", body="Your claim is approved.")


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.reset_outbox()
    yield
    sms.reset_outbox()


def test_the_configured_backend_or_none(settings):
    settings.SOCIUS_SMS_BACKEND = ""
    assert get_backend() is None
    settings.SOCIUS_SMS_BACKEND = "cases.sms.LocmemSmsBackend"
    assert isinstance(get_backend(), LocmemSmsBackend)
    assert isinstance(get_backend("cases.sms.LoggingSmsBackend"), LoggingSmsBackend)
    with pytest.raises(ImproperlyConfigured):
        get_backend("cases.sms.SmsMessage")
    with pytest.raises(ImportError):
        get_backend("cases.sms.NoSuchBackend")


def test_the_interface_has_no_default_sending():
    with pytest.raises(NotImplementedError):
        sms.BaseSmsBackend().send(MESSAGE)
    assert sms.BaseSmsBackend.idempotent is False
    assert LocmemSmsBackend.idempotent and FileSmsBackend.idempotent and not LoggingSmsBackend.idempotent


def test_the_logging_backend_logs_every_message_and_sends_nothing(caplog):
    with caplog.at_level(logging.INFO, logger="cases.sms"):
        assert LoggingSmsBackend().send(MESSAGE) == "logged"
        LoggingSmsBackend().send(MESSAGE)
    lines = [r.getMessage() for r in caplog.records if r.name == "cases.sms"]
    assert lines == [f"SMS {MESSAGE.key} to {MESSAGE.to}: {MESSAGE.body}"] * 2
    assert sms.outbox == [] and sms.requests == []


def test_the_locmem_backend_delivers_a_key_once():
    other = SmsMessage(key="BC-2025-ABC:approved:7:sms2", to=MESSAGE.to, body="Other.")
    backend = LocmemSmsBackend()
    assert backend.send(MESSAGE) == "locmem #1"
    assert LocmemSmsBackend().send(MESSAGE) == "locmem #1 (already delivered)"
    assert backend.send(other) == "locmem #2"
    assert sms.outbox == [MESSAGE, other]
    assert sms.requests == [MESSAGE, MESSAGE, other]


def test_the_file_backend_writes_one_whole_file_per_key(tmp_path, settings):
    settings.SOCIUS_SMS_FILE_PATH = str(tmp_path / "sms")
    backend = FileSmsBackend()
    name = backend.send(MESSAGE)
    assert name == "BC-2025-ABC%3Aapproved%3A7%3Asms.sms"
    assert (tmp_path / "sms" / name).read_text() == f"To: {MESSAGE.to}\nKey: {MESSAGE.key}\n\n{MESSAGE.body}\n"
    assert FileSmsBackend().send(MESSAGE) == f"{name} (already delivered)"
    # Keys that differ only where a file name could not tell them apart stay apart.
    look_alike = SmsMessage(key="BC-2025-ABC_approved_7_sms", to=MESSAGE.to, body="Other.")
    assert FileSmsBackend().send(look_alike) != name
    files = sorted(p.name for p in (tmp_path / "sms").iterdir())
    assert files == sorted([name, "BC-2025-ABC_approved_7_sms.sms"])  # no partial file left behind


def test_the_file_backend_loses_the_race_for_a_key_gracefully(tmp_path, monkeypatch):
    """Two senders of one key at once: the other one links its file first; this one finds the
    name taken, keeps the other's message and removes its own temporary file."""
    backend = FileSmsBackend(tmp_path)
    real_link = sms.os.link

    def link_after_the_other(source, target):
        Path(target).write_text("the other sender's message")
        return real_link(source, target)

    monkeypatch.setattr(sms.os, "link", link_after_the_other)
    assert backend.send(MESSAGE).endswith("(already delivered)")
    target = backend.file_for(MESSAGE.key)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert target.read_text() == "the other sender's message"


def test_the_file_backend_needs_a_folder_it_can_write(tmp_path, settings):
    settings.SOCIUS_SMS_FILE_PATH = ""
    with pytest.raises(ImproperlyConfigured):
        FileSmsBackend()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(SmsError, match="cannot write"):
        FileSmsBackend(blocker / "sms").send(MESSAGE)
