"""Credentials of a secured Flower deployment: a run CA that signs the SuperLink's certificate, and
SuperNode key pairs in the format Flower reads."""

import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fedad.deployment.flower_security import TlsFiles, make_certificates, make_node_key


def test_the_run_ca_signs_a_server_certificate_for_every_address_given(tmp_path):
    files = make_certificates(tmp_path, ["10.78.0.1", "localhost"])
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    server = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    server.verify_directly_issued_by(ca)  # raises when the signature or issuer does not match
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["10.78.0.1"]
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    key = serialization.load_pem_private_key(files.server_key.read_bytes(), None)
    assert key.public_key().public_numbers() == server.public_key().public_numbers()
    assert stat.S_IMODE(files.server_key.stat().st_mode) == 0o600


def test_another_run_ca_does_not_vouch_for_this_certificate(tmp_path):
    ours, theirs = make_certificates(tmp_path / "a", ["127.0.0.1"]), make_certificates(tmp_path / "b", ["127.0.0.1"])
    server = x509.load_pem_x509_certificate(ours.server_cert.read_bytes())
    with pytest.raises(Exception):  # noqa: B017 — cryptography raises InvalidSignature or ValueError
        server.verify_directly_issued_by(x509.load_pem_x509_certificate(theirs.ca_cert.read_bytes()))


def test_a_node_key_is_a_p384_pair_in_openssh_format(tmp_path):
    pair = make_node_key(tmp_path, "supernode0")
    private = serialization.load_ssh_private_key(pair.private.read_bytes(), None)
    public = serialization.load_ssh_public_key(pair.public.read_bytes())
    assert isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name == "secp384r1"
    assert private.public_key().public_numbers() == public.public_numbers()
    assert stat.S_IMODE(pair.private.stat().st_mode) == 0o600


def test_missing_tls_files_are_named(tmp_path):
    (tmp_path / "ca.crt").write_text("x")
    (tmp_path / "server.pem").write_text("x")
    with pytest.raises(FileNotFoundError, match="server key not found"):
        TlsFiles(tmp_path / "ca.crt", tmp_path / "server.pem", tmp_path / "server.key").check()
