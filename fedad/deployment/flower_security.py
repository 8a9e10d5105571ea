"""The credentials of a secured Flower deployment: a TLS certificate for the SuperLink and one
authentication key per SuperNode, made with ``cryptography`` for one run or given by the user.

TLS: a private certificate authority (CA) signs the SuperLink's certificate for the addresses the
SuperNodes dial; a SuperNode and ``flwr`` trust that CA alone (``--root-certificates``), so a client
that does not hold it cannot connect. Node authentication: each SuperNode holds an elliptic-curve key
pair (NIST P-384, OpenSSH format, as Flower reads it); the SuperLink runs with
``--enable-supernode-auth`` and lets in only the nodes whose public keys were registered with
``flwr supernode register``.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_DAYS = 7  # credentials made for one run need not outlive it by much


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: the CA certificate clients trust, and the SuperLink's certificate and private key."""

    ca_cert: Path
    server_cert: Path
    server_key: Path

    def check(self) -> None:
        """Raise FileNotFoundError naming the first of the three files that is missing."""
        for role, path in (("CA certificate", self.ca_cert), ("server certificate", self.server_cert),
                           ("server key", self.server_key)):
            if not Path(path).is_file():
                raise FileNotFoundError(f"TLS {role} not found: {path}")


@dataclass(frozen=True)
class NodeKey:
    """One SuperNode's authentication key pair (OpenSSH private key, OpenSSH public key)."""

    private: Path
    public: Path


def _write(path: Path, data: bytes, private: bool) -> None:
    """Write atomically; private keys readable by the owner only."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    if private:
        os.chmod(tmp, 0o600)
    tmp.replace(path)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fedad"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_certificates(folder: Path, hosts: list[str], ca_name: str = "fedad run CA") -> TlsFiles:
    """A new CA and a SuperLink certificate it signs for ``hosts`` (IP addresses or DNS names), written
    to ``folder`` as ``ca.crt``, ``server.pem`` and ``server.key``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=VALID_DAYS)
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca_cert = (x509.CertificateBuilder().subject_name(_name(ca_name)).issuer_name(_name(ca_name))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, encipher_only=False,
                                            decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    server_key = ec.generate_private_key(ec.SECP384R1())
    alt_names = []
    for host in hosts:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    server_cert = (x509.CertificateBuilder().subject_name(_name(hosts[0])).issuer_name(ca_cert.subject)
                   .public_key(server_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .sign(ca_key, hashes.SHA256()))
    files = TlsFiles(folder / "ca.crt", folder / "server.pem", folder / "server.key")
    _write(files.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM), private=False)
    _write(files.server_cert, server_cert.public_bytes(serialization.Encoding.PEM), private=False)
    _write(files.server_key, _pem_key(server_key), private=True)
    return files


def make_node_key(folder: Path, name: str) -> NodeKey:
    """A new P-384 key pair for the SuperNode ``name``, written as ``<name>`` and ``<name>.pub``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP384R1())
    pair = NodeKey(folder / name, folder / f"{name}.pub")
    _write(pair.private, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                           serialization.NoEncryption()), private=True)
    _write(pair.public, key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                      serialization.PublicFormat.OpenSSH), private=False)
    return pair
