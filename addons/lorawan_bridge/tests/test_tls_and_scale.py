"""TLS against a CA the test makes, and two bridges sharing one subscription."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
import pytest

from conftest import Broker, Collector, chirpstack_up, options_for, publisher, wait_until


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None, signer: Any, ca: bool
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    # Python 3.13's default context verifies strictly (VERIFY_X509_STRICT): the chain
    # needs key identifiers and key usages, as a real operator's CA has them.
    builder = builder.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
    ).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture
def test_ca(tmp_path: Path) -> dict[str, Path]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Ånge IoT test CA", ca_key, None, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate("127.0.0.1", key, ca.subject, ca_key, ca=False)
    files = {
        "ca": tmp_path / "ca.pem",
        "cert": tmp_path / "server.pem",
        "key": tmp_path / "server.key",
    }
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return files


async def test_upstream_tls_with_the_operators_ca(
    brokers: Any,
    downstream: Broker,
    collector: Collector,
    bridge_factory: Any,
    test_ca: dict[str, Path],
    tmp_path: Path,
) -> None:
    secure = brokers("tls-upstream", tls=test_ca)
    bridge = await bridge_factory(
        options_for(secure, downstream, upstream_tls=True, upstream_ca_file=str(test_ca["ca"]))
    )
    await wait_until(lambda: bridge.stats.upstream_connected and bridge.stats.downstream_connected)
    pub = publisher_tls(secure, test_ca["ca"])
    topic, payload = chirpstack_up("0011223344556677", 5)
    pub.publish(topic, payload, qos=1).wait_for_publish(5)
    await wait_until(lambda: collector.payloads() == [payload])
    pub.disconnect()
    pub.loop_stop()


async def test_upstream_tls_refuses_a_certificate_from_an_unknown_ca(
    brokers: Any, downstream: Broker, bridge_factory: Any, test_ca: dict[str, Path]
) -> None:
    secure = brokers("tls-upstream", tls=test_ca)
    # No CA given: the system's CAs do not know the test CA, so no connection.
    bridge = await bridge_factory(options_for(secure, downstream, upstream_tls=True))
    await wait_until(lambda: bridge.stats.downstream_connected)
    await asyncio.sleep(1.5)
    assert not bridge.stats.upstream_connected


def publisher_tls(broker: Broker, ca: Path) -> Any:
    from paho.mqtt.client import Client, MQTTv311
    from paho.mqtt.enums import CallbackAPIVersion

    client = Client(CallbackAPIVersion.VERSION2, protocol=MQTTv311)
    client.tls_set(ca_certs=str(ca))
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    return client


async def test_two_bridges_split_a_shared_subscription(
    upstream: Broker, downstream: Broker, collector: Collector, bridge_factory: Any, tmp_path: Path
) -> None:
    options = options_for(upstream, downstream, upstream_share_group="ange")
    first = await bridge_factory(options, data=tmp_path / "one")
    second = await bridge_factory(options, data=tmp_path / "two")
    assert first.instance != second.instance  # distinct client ids
    await wait_until(lambda: first.stats.upstream_connected and second.stats.upstream_connected)
    await asyncio.sleep(0.2)
    pub = publisher(upstream)
    infos = [
        pub.publish(*chirpstack_up(f"00000000000000{n % 16:02x}", n), qos=1) for n in range(200)
    ]
    for info in infos:
        info.wait_for_publish(10)
    await wait_until(lambda: len(collector.payloads()) == 200)
    await asyncio.sleep(0.2)
    assert len(collector.payloads()) == 200  # each event through one bridge only
    assert first.stats.received + second.stats.received == 200
    assert first.stats.received > 0 and second.stats.received > 0
    pub.disconnect()
