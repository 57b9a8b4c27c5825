# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the egress probe: HTTP/2 frames (_http2), CONNECT answers and the steps that need no
TLS against sockets on loopback (_probe), certificates (_x509), the check record and the run (_egress).

The full TLS / HTTP/2 / tinyproxy paths are in tests/system/test_egress.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import contextlib
import datetime
import os
import socket
import sys
import threading
import time

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _egress as egress
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _http2 as http2
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _probe as probe
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _redact as redact
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _tunnel as tunnel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _x509 as x509_der
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import CertificateError, UsageError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ProxyURLError

# The system tests' TLS helpers (a throwaway CA, loopback TLS servers), shared with these tests.
SYSTEM_TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'system')


# ------------------------------------------------------------------ HTTP/2 frames and CONNECT answers

def test_h2_frames_round_trip():
    frame = http2.frame(http2.FRAME_SETTINGS, http2.FLAG_ACK, 0, b'')
    assert frame == b'\x00\x00\x00\x04\x01\x00\x00\x00\x00'
    goaway = http2.frame(http2.FRAME_GOAWAY, payload=b'\x00' * 8)
    assert http2.parse_frame_header(goaway[:9]) == (8, http2.FRAME_GOAWAY, 0, 0)
    big = http2.frame(0x0, 0x1, 0x80000003, b'x' * 70000)
    assert http2.parse_frame_header(big[:9]) == (70000, 0, 1, 3)
    with pytest.raises(ValueError):
        http2.parse_frame_header(b'\x00' * 8)


@pytest.mark.parametrize('head, expected', [
    (b'HTTP/1.1 200 Connection established\r\n\r\n', (200, 'Connection established')),
    (b'HTTP/1.0 200 OK\r\nProxy-agent: x\r\n\r\n', (200, 'OK')),
    (b'HTTP/1.0 403 Access violation\r\n\r\n', (403, 'Access violation')),
    (b'HTTP/1.1 407\r\n\r\n', (407, '')),
])
def test_parse_connect_response(head, expected):
    assert tunnel.parse_connect_response(head) == expected


@pytest.mark.parametrize('head', [b'SSH-2.0-OpenSSH_9.2\r\n\r\n', b'\x16\x03\x01\x00\x00\r\n\r\n', b'HTTP/1.1 abc\r\n\r\n'])
def test_parse_connect_response_rejects(head):
    with pytest.raises(ValueError):
        tunnel.parse_connect_response(head)


# ------------------------------------------------------------------ certificates

def _certificate(subject, issuer, not_after):
    x509 = pytest.importorskip('cryptography.x509')
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
               .not_valid_after(not_after))
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_describe_certificate():
    x509 = pytest.importorskip('cryptography.x509')
    from cryptography.x509.oid import NameOID
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'withpixie.ai')])
    issuer = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, u'US'),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, u'Zscaler Inc.'),
                        x509.NameAttribute(NameOID.COMMON_NAME, u'Zscaler Root CA \u00e9')])
    # 2049: UTCTime; 2051: GeneralizedTime (RFC 5280 4.1.2.5)
    for year, text in ((2049, 'Feb  3 04:05:06 2049 GMT'), (2051, 'Dec 31 23:59:59 2051 GMT')):
        when = datetime.datetime(year, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc) if year == 2049 else \
            datetime.datetime(year, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)
        described = x509_der.describe_certificate(_certificate(subject, issuer, when))
        assert described == {'subject': 'CN=withpixie.ai', 'issuer': u'C=US,O=Zscaler Inc.,CN=Zscaler Root CA \u00e9',
                             'not_after': text}


@pytest.mark.parametrize('der', [b'', b'\x30\x03\x02\x01', b'\x30\x00', b'not a certificate at all'])
def test_describe_certificate_rejects(der):
    with pytest.raises(CertificateError):
        x509_der.describe_certificate(der)


def _tls_server(tmp_path, subject):
    """The system tests' loopback TLS server, with a certificate for ``subject`` from a throwaway CA, valid until
    2049-02-03 04:05:06 (UTCTime). Yields the server (``port``, ``ca_path``)."""
    pytest.importorskip('cryptography.x509')
    if SYSTEM_TESTS not in sys.path:
        sys.path.insert(0, SYSTEM_TESTS)
    import support_tls  # pylint: disable=import-outside-toplevel,import-error
    ca = support_tls.ThrowawayCA(str(tmp_path))
    return support_tls.tls_server(ca, 'h2', subject=subject,
                                  not_after=datetime.datetime(2049, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc))


def _names():
    x509 = pytest.importorskip('cryptography.x509')
    from cryptography.x509.oid import NameOID
    attribute = x509.NameAttribute
    return {
        'common': x509.Name([attribute(NameOID.COUNTRY_NAME, u'US'), attribute(NameOID.STATE_OR_PROVINCE_NAME, u'CA'),
                             attribute(NameOID.LOCALITY_NAME, u'San Jos\u00e9'), attribute(NameOID.ORGANIZATION_NAME, u'Pixie, Inc.'),
                             attribute(NameOID.ORGANIZATIONAL_UNIT_NAME, u'Ops'), attribute(NameOID.DOMAIN_COMPONENT, u'example'),
                             attribute(NameOID.EMAIL_ADDRESS, u'ops@example.com'), attribute(NameOID.SERIAL_NUMBER, u'42'),
                             attribute(NameOID.COMMON_NAME, u'localhost')]),
        'multi-valued': x509.Name([x509.RelativeDistinguishedName([attribute(NameOID.ORGANIZATION_NAME, u'A'),
                                                                   attribute(NameOID.COMMON_NAME, u'localhost')])]),
        'unlisted': x509.Name([attribute(NameOID.BUSINESS_CATEGORY, u'Private Organization'),
                               attribute(NameOID.COMMON_NAME, u'localhost')]),
        'control': x509.Name([attribute(NameOID.COMMON_NAME, u'localhost\x1b[31m\x07')]),
        'empty': x509.Name([]),
    }


@pytest.mark.parametrize('name', ['common', 'multi-valued', 'unlisted', 'control', 'empty'])
def test_the_verified_peer_certificate_reads_as_its_der(tmp_path, name):
    with _tls_server(tmp_path, _names()[name]) as server:
        for validate_certs in (True, False):
            with socket.create_connection(('127.0.0.1', server.port), timeout=5) as sock:
                with probe._ssl_context(server.ca_path, validate_certs).wrap_socket(sock, server_hostname='localhost') as tls:
                    der = x509_der.describe_certificate(tls.getpeercert(binary_form=True))
                    found = probe._peer_certificate(tls)
            # ssl's reading (verified) and the DER's (not verified, or a name ssl gives no short name
            # for) say the same, sanitised.
            assert found == dict((key, redact.sanitize(value)) for key, value in der.items()), validate_certs
            assert found['not_after'] == 'Feb  3 04:05:06 2049 GMT'
    if name == 'control':
        assert found['subject'] == 'CN=localhost?[31m?'


def test_a_node_check_without_egress_imports_no_probe(in_a_fresh_python):
    code = ('import sys\n'
            'from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node, _egress\n'
            'facts = _node.node_facts("/", egress=None)\n'
            'assert "egress" not in facts["checks"], facts["checks"]\n'
            'imported = [name for name in sys.modules if name.rpartition(".")[2] in ("_probe", "_sockets", "ssl")]\n'
            'assert not imported, imported\n')
    in_a_fresh_python(code)


def test_a_passing_probe_and_node_check_import_no_failure_only_code(tmp_path, in_a_fresh_python):
    # AnsiballZ ships sources: each module_utils file a node run imports is compiled on every run, so the
    # DER reader, the remedies and the ELF reading of a tree are imported only when needed.
    code = ('import sys\n'
            'from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node, _egress, _probe\n'
            'found, dummy = _probe.probe("localhost", %d, timeout=5, ca_path=%r, require_http2=False)\n'
            'assert found["stage"] == "ok", found\n'
            'assert found["peer_certificate"]["subject"].endswith(",CN=localhost"), found\n'
            'facts = _node.gather("/")\n'
            'assert facts["architecture"] and facts["os"], facts\n'
            'imported = [name for name in sys.modules if name.rpartition(".")[2] in ("_x509", "_egress_remedies", "_elf")]\n'
            'assert not imported, imported\n')
    with _tls_server(tmp_path, _names()['common']) as server:
        in_a_fresh_python(code % (server.port, server.ca_path))


# ------------------------------------------------------------------ the check record

def _egress(**kwargs):
    found = {'host': 'withpixie.ai', 'port': 443, 'stage': 'ok', 'msg': 'm', 'via_proxy': None,
             'tls_version': 'TLSv1.3', 'alpn_protocol': 'h2', 'validate_certs': True, 'require_http2': True}
    found.update(kwargs)
    return found


def test_egress_check_pass_and_fail():
    passed = egress.egress_check(_egress(via_proxy='http://p:3128'))
    assert passed['status'] == 'pass' and passed['remedy'] is None
    assert passed['actual'] == 'ok: TLSv1.3, ALPN h2 via http://p:3128'
    assert passed['expected'] == 'HTTPS/2 (ALPN h2, HTTP/2 SETTINGS) to withpixie.ai:443, certificate verified'
    for stage in probe.STAGES[:-1]:
        failed = egress.egress_check(_egress(stage=stage), 'do this')
        assert (failed['status'], failed['actual'], failed['remedy']) == ('fail', 'stopped at %s' % stage, 'do this')
    relaxed = egress.egress_check(_egress(validate_certs=False, require_http2=False, host='::1'))
    assert relaxed['expected'] == 'HTTPS to [::1]:443'


def test_defaults_come_from_requirements():
    import inspect
    signature = inspect.signature(egress.run)
    assert signature.parameters['host'].default == requirements.CLOUD_HOST
    assert signature.parameters['port'].default == requirements.CLOUD_PORT


# ------------------------------------------------------------------ steps without TLS, on loopback

def test_dns_is_bounded_by_the_timeout():
    release = threading.Event()

    def stuck_resolver(*args):
        release.wait(30)
        raise socket.gaierror(-2, 'Name or service not known')

    try:
        found, remedy = probe.probe('withpixie.ai', 443, timeout=0.3, resolver=stuck_resolver)
    finally:
        release.set()
    assert found['stage'] == 'dns' and 'no answer from the resolver' in found['msg']
    assert 'resolv.conf' in remedy


def test_dns_failure_and_no_address():
    def failing(*args):
        raise socket.gaierror(-2, 'Name or service not known')

    found, remedy = probe.probe('withpixie.ai', 443, timeout=1, resolver=failing)
    assert (found['stage'], found['msg']) == ('dns', 'cannot resolve withpixie.ai: Name or service not known')
    found, remedy = probe.probe('withpixie.ai', 443, timeout=1, resolver=lambda *a: [])
    assert found['stage'] == 'dns' and 'no address' in found['msg']


def test_connect_tries_every_address():
    # The name resolves to a closed loopback port first, then to a listening one: connect must go on.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(('127.0.0.1', 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(('127.0.0.2', 0))
    closed.close()

    def resolver(name, *args):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, '', ('127.0.0.2', port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, '', ('127.0.0.1', port))]

    try:
        found, remedy = probe.probe('cloud.test', port, timeout=0.5, resolver=resolver)
    finally:
        listener.close()
    # It got past connect (to 127.0.0.1) and stopped at TLS (nobody speaks TLS there).
    assert found['addresses'] == ['127.0.0.2', '127.0.0.1']
    assert found['stage'] == 'tls', found


@contextlib.contextmanager
def fake_proxy(answer):
    """A loopback 'proxy' that reads one request head and answers ``answer`` (bytes or None)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(('127.0.0.1', 0))
    listener.listen(4)
    seen = []

    def serve():
        try:
            conn = listener.accept()[0]
        except OSError:
            return
        with conn:
            conn.settimeout(5)
            head = b''
            try:
                while b'\r\n\r\n' not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                seen.append(head)
                if answer is not None:
                    conn.sendall(answer)
                    time.sleep(0.2)
                else:
                    conn.recv(1)  # hold it open, say nothing
            except OSError:
                pass

    thread = threading.Thread(target=serve)
    thread.daemon = True
    thread.start()
    try:
        yield 'http://pixie:pw%%21x@127.0.0.1:%d' % listener.getsockname()[1], seen
    finally:
        listener.close()
        thread.join(6)


@pytest.mark.parametrize('answer, needle, remedy', [
    (b'HTTP/1.1 403 Forbidden\r\n\r\n<html>no</html>', '403 Forbidden', 'Allow CONNECT'),
    (b'HTTP/1.1 407 Proxy Authentication Required\r\n\r\n', '407', 'credentials'),
    (b'HTTP/1.1 502 Bad Gateway\r\n\r\n', '502', 'cannot reach'),
    (b'SSH-2.0-OpenSSH_9.2p1\r\n\r\n', 'not an HTTP response', 'accepts CONNECT'),
    (b'', 'closed the connection', 'accepts CONNECT'),
    (None, 'no answer within 0.5s', 'accepts CONNECT'),
])
def test_proxy_answers(answer, needle, remedy):
    with fake_proxy(answer) as (url, seen):
        found, got_remedy = probe.probe('withpixie.ai', 443, timeout=0.5, proxy=url, resolver=socket.getaddrinfo)
    assert found['stage'] == 'proxy', found
    assert needle in found['msg'] and remedy in got_remedy
    assert found['addresses'] == []
    assert found['via_proxy'] == 'http://127.0.0.1:%s' % url.rsplit(':', 1)[1]
    assert 'pw' not in found['msg'] and 'pw' not in found['via_proxy']
    # The request: CONNECT with the target, and basic auth from the URL (percent-decoded).
    head = seen[0].decode('latin-1')
    assert head.startswith('CONNECT withpixie.ai:443 HTTP/1.1\r\nHost: withpixie.ai:443\r\n')
    assert 'Proxy-Authorization: Basic cGl4aWU6cHcheA==\r\n' in head  # base64('pixie:pw!x')


@pytest.mark.parametrize('written, password', [
    ('p%2Fw%3Fx%23y%40z', 'p/w?x#y@z'),      # percent-encoded, as RFC 3986 wants
    ('p/w?x#y@z', 'p/w?x#y@z'),              # as written, as curl accepts
])
def test_proxy_password_with_url_delimiters_reaches_the_proxy_decoded(written, password):
    with fake_proxy(b'HTTP/1.1 403 Forbidden\r\n\r\n') as (url, seen):
        url = url.replace('pw%21x', written)
        found, dummy = probe.probe('withpixie.ai', 443, timeout=0.5, proxy=url, resolver=socket.getaddrinfo)
    head = seen[0].decode('latin-1')
    token = base64.b64encode(('pixie:%s' % password).encode('utf-8')).decode('ascii')
    assert 'Proxy-Authorization: Basic %s\r\n' % token in head
    assert found['via_proxy'] == 'http://127.0.0.1:%s' % url.rsplit(':', 1)[1]
    assert 'p/w' not in repr(found) and 'p%2Fw' not in repr(found)


def test_run_reports_an_unusable_environment_proxy_and_raises_on_an_unusable_option():
    result = egress.run('withpixie.ai', 443, timeout=0.5, environ={'https_proxy': 'socks5://u:secret@p:1080'})
    assert result['egress']['stage'] == 'proxy' and result['status'] == 'fail'
    assert result['egress']['via_proxy'] == 'socks5://p:1080'
    assert 'secret' not in repr(result)
    with pytest.raises(ProxyURLError):
        egress.run('withpixie.ai', 443, timeout=0.5, proxy='socks5://p:1080', environ={})


def _options(**kwargs):
    params = dict((name, spec.get('default')) for name, spec in egress.argument_spec().items())
    params.update(kwargs)
    return params


def test_run_options_names_an_unusable_proxy_option():
    with pytest.raises(UsageError) as raised:
        egress.run_options(_options(proxy='socks5://u:secret@p:1080', timeout=0.5), environ={})
    assert str(raised.value).startswith("proxy: proxy scheme 'socks5' is not supported")
    assert 'secret' not in str(raised.value)


@pytest.mark.parametrize('changes, message', [
    ({'host': ' '}, 'host must not be empty'),
    ({'port': 0}, 'port must be between 1 and 65535, got 0'),
    ({'timeout': 0}, 'timeout must be a positive number of seconds up to 86400, got 0'),
    ({'timeout': float('inf')}, 'timeout must be a positive number of seconds up to 86400, got inf'),
    ({'timeout': float('nan')}, 'timeout must be a positive number of seconds up to 86400, got nan'),
    ({'timeout': 1e10}, 'timeout must be a positive number of seconds up to 86400, got 10000000000.0'),
    ({'ca_path': '/nonexistent/ca.pem'}, 'ca_path /nonexistent/ca.pem is not a file'),
])
def test_validate_options(changes, message):
    assert egress.validate_options(_options()) is None
    with pytest.raises(UsageError) as raised:
        egress.validate_options(_options(**changes))
    assert str(raised.value) == message


@pytest.mark.parametrize('header, problem', [
    (http2.frame(http2.FRAME_SETTINGS, payload=b'\x00' * 6)[:9], None),
    (b'HTTP/1.1 ', "it answered in HTTP/1: 'HTTP/1.1 '"),
    (http2.frame(http2.FRAME_GOAWAY, payload=b'\x00' * 8)[:9], 'the first frame back was GOAWAY (flags 0x0, stream 0)'),
    (http2.frame(http2.FRAME_SETTINGS, http2.FLAG_ACK)[:9], 'the first frame back was SETTINGS (flags 0x1, stream 0)'),
    (http2.frame(http2.FRAME_SETTINGS, payload=b'\x00' * 5)[:9], 'its SETTINGS frame has a bad length 5'),
])
def test_settings_problem(header, problem):
    found = http2.settings_problem(header)
    assert found == problem if problem is None else found.startswith(problem)


def test_one_deadline_bounds_a_slow_proxy_and_a_stalled_handshake_together():
    """The proxy answers 200 after 1 s, then the far end stalls the TLS handshake: with timeout=1.5 the
    probe ends at 1.5 s (each step its own 1.5 s would take 2.5 s)."""
    def answer(conn):
        conn.recv(4096)
        time.sleep(1.0)
        conn.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
        conn.recv(4096)  # the ClientHello; then nothing
        time.sleep(3)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(('127.0.0.1', 0))
    listener.listen(2)
    thread = threading.Thread(target=lambda: answer(listener.accept()[0]))
    thread.daemon = True
    thread.start()
    started = time.monotonic()
    try:
        found, dummy = probe.probe('cloud.test', 443, timeout=1.5, proxy='http://127.0.0.1:%d' % listener.getsockname()[1])
    finally:
        listener.close()
    elapsed = time.monotonic() - started
    assert found['stage'] == 'tls', found
    assert elapsed < 2.2, 'took %.2f s with timeout=1.5' % elapsed


def test_a_direct_probe_never_imports_the_tunnel(in_a_fresh_python):
    # AnsiballZ ships sources: each module_utils file a node run imports is compiled on every run, so
    # node_facts and egress_info import the CONNECT tunnel only when a proxy is in use.
    code = ('import sys\n'
            'from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node, _egress, _probe\n'
            'assert not any(name.endswith("._tunnel") for name in sys.modules), "imported"\n'
            'found, dummy = _probe.probe("127.0.0.1", 9, timeout=0.5)\n'
            'assert found["stage"] == "connect", found\n'
            'assert not any(name.endswith("._tunnel") for name in sys.modules), "imported by a direct probe"\n')
    in_a_fresh_python(code)
