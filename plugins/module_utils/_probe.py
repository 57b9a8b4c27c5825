# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The staged probe: can this node reach an address over HTTPS/2, directly or through a proxy?

Vizier's cloud connector sends outgoing gRPC (HTTP/2 over TLS) requests to the cloud address.
:func:`probe` walks the same path one step at a time and stops at the first step that fails:

``dns``      resolve the cloud name (skipped through a proxy: the proxy resolves it)
``connect``  open TCP to one of the addresses
``proxy``    reach the proxy and open an HTTP CONNECT tunnel through it
``tls``      TLS handshake with SNI, certificate verified against the CA bundle
``alpn``     the server agreed to ``h2`` by ALPN
``http2``    the server answered the HTTP/2 connection preface with a SETTINGS frame
``ok``       all of the above worked

The whole probe is bounded by one deadline, ``timeout`` seconds from its start: every step
(resolving, connecting, the proxy's CONNECT answer, the TLS handshake, re-fetching an untrusted
certificate to name its issuer, the HTTP/2 exchange) gets only what is left of it. The ``proxy`` stage,
the CONNECT tunnel, is ``_tunnel``'s; proxy credentials are used for ``Proxy-Authorization`` and never
appear in the result. Private to this collection; standard library only (Python 3.7+); never imports
AnsibleModule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import ssl
import time
from collections import namedtuple

from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _http2 as http2
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _sockets as sockets
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import CertificateError, StageFailure
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import sanitize

STAGES = ('dns', 'connect', 'proxy', 'tls', 'alpn', 'http2', 'ok')

# The least time worth spending on re-fetching an untrusted certificate (only to name its issuer).
MIN_REFETCH = 0.05

# What to probe and how; ``proxy`` is a parsed proxy (``_proxy_url.parse_proxy_url``) or None.
# ``deadline`` is the probe's one deadline (``_sockets.Deadline``), ``timeout`` the seconds it was given.
Target = namedtuple('Target', ['host', 'port', 'timeout', 'proxy', 'ca_path', 'validate_certs', 'resolver',
                               'deadline'])

# Names a certificate carries can be long; what the result shows of each is cut at this length.
MAX_NAME_LENGTH = 512

# The names getpeercert() gives a verified certificate's name attributes (OpenSSL's long names), as
# ``_x509`` writes them.
_SHORT_NAMES = {
    'commonName': 'CN', 'countryName': 'C', 'localityName': 'L', 'stateOrProvinceName': 'ST',
    'organizationName': 'O', 'organizationalUnitName': 'OU', 'serialNumber': 'serialNumber',
    'domainComponent': 'DC', 'emailAddress': 'emailAddress',
}


def _words():
    """The remedies (``_egress_remedies``), imported only when a stage fails: AnsiballZ ships
    sources, so every module run compiles each module_utils file it imports."""
    from ansible_collections.pixie_ops.preflight.plugins.module_utils import _egress_remedies
    return _egress_remedies


def _open_direct(result, target):
    """Resolve the target and connect to one of its addresses; return the socket."""
    host, port = target.host, target.port
    try:
        infos = sockets.resolve(host, port, target.deadline.left(), target.resolver)
    except (socket.gaierror, socket.timeout, OSError, UnicodeError, ValueError, TypeError) as exc:
        raise StageFailure('dns', 'cannot resolve %s: %s' % (host, sockets.describe_os_error(exc)), _words().dns_remedy(host))
    result['addresses'] = [info[4][0] for info in infos]
    if not infos:
        raise StageFailure('dns', '%s has no address' % host, 'The node resolves %s to nothing: check its DNS.' % host)
    sock, errors = sockets.connect_any(infos, target.deadline.left())
    if sock is None:
        raise StageFailure('connect', 'cannot connect to %s:%d (%s)' % (host, port, '; '.join(errors)),
                           _words().connect_remedy(host, port))
    return sock


def _open_stream(result, target):
    if target.proxy:
        # Imported here: only a probe through a proxy needs the tunnel, and AnsiballZ ships sources,
        # so every module run compiles each module_utils file it imports.
        from ansible_collections.pixie_ops.preflight.plugins.module_utils import _tunnel as tunnel
        return tunnel.open_tunnel(target)
    return _open_direct(result, target)


def _ssl_context(ca_path, validate_certs):
    if validate_certs:
        context = ssl.create_default_context(cafile=ca_path or None)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(['h2', 'http/1.1'])
    return context


def _wrap(sock, target):
    """The TLS handshake over ``sock``; raise StageFailure with the stage and the remedy when it fails."""
    try:
        context = _ssl_context(target.ca_path, target.validate_certs)
    except (ssl.SSLError, OSError) as exc:
        sock.close()
        raise StageFailure('tls', 'cannot load the CA bundle %s: %s' % (target.ca_path, sockets.describe_os_error(exc)),
                           'Give ca_path a readable PEM file of CA certificates.')
    sock.settimeout(target.deadline.left())
    host, port = target.host, target.port
    try:
        # SNI carries the name; for an IP address Python sends no SNI and checks the IP SAN.
        return context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError:
        sock.close()
        raise
    except ssl.SSLError as exc:
        sock.close()
        reason = getattr(exc, 'reason', None) or str(exc)
        if 'NO_APPLICATION_PROTOCOL' in str(reason).upper():
            raise StageFailure('alpn', 'the server refused every protocol offered by ALPN (h2, http/1.1): %s' % reason,
                               _words().alpn_remedy(target.proxy))
        raise StageFailure('tls', 'TLS handshake with %s:%d failed: %s' % (host, port, reason),
                           _words().tls_broken_remedy(host, port))
    except (socket.timeout, OSError, EOFError) as exc:
        sock.close()
        raise StageFailure('tls', 'TLS handshake with %s:%d failed: %s' % (host, port, sockets.failure(exc, target.timeout)),
                           _words().tls_held_remedy(host, port))
    except (ValueError, TypeError) as exc:  # UnicodeError too: a name that is no host name (a 64-byte label, a NUL)
        sock.close()
        raise StageFailure('tls', 'cannot use %r as the TLS server name: %s' % (host, exc),
                           'Give the host option a valid DNS name or IP address.')


def _handshake(result, sock, target):
    """TLS over ``sock``: fills ``tls_version``, ``alpn_protocol``, ``peer_certificate``; returns the TLS socket."""
    try:
        tls = _wrap(sock, target)
    except ssl.SSLCertVerificationError as exc:
        # Show who issued what was presented: fetch it again without verification.
        cert = _fetch_unverified_certificate(target)
        result['peer_certificate'] = cert
        issuer = cert['issuer'] if cert else 'unknown'
        reason = getattr(exc, 'verify_message', None) or str(exc)
        raise StageFailure('tls', 'the certificate of %s:%d is not trusted: %s (issuer: %s)'
                           % (target.host, target.port, reason, issuer),
                           _words().untrusted_remedy(target.host, reason, issuer, target.proxy))
    result['tls_version'] = tls.version()
    result['alpn_protocol'] = tls.selected_alpn_protocol()
    result['peer_certificate'] = _peer_certificate(tls)
    return tls


def _peer_certificate(tls):
    """``{subject, issuer, not_after}`` of the certificate the far end presented (sanitised), or None.

    A verified certificate comes parsed from ``ssl``; one that was not verified, or with a name
    attribute not in _SHORT_NAMES, is read from its DER by ``_x509``, imported only then (AnsiballZ
    ships sources, so every module run compiles each module_utils file it imports).
    """
    try:
        cert = tls.getpeercert()
        found = {'subject': _name(cert['subject']), 'issuer': _name(cert['issuer']), 'not_after': cert['notAfter']}
    except (KeyError, TypeError, ValueError, ssl.SSLError):
        from ansible_collections.pixie_ops.preflight.plugins.module_utils._x509 import describe_certificate
        try:
            found = describe_certificate(tls.getpeercert(binary_form=True))
        except (CertificateError, ssl.SSLError, ValueError):
            return None
    return dict((key, sanitize(value, MAX_NAME_LENGTH)) for key, value in found.items())


def _name(rdns):
    """A name as getpeercert() gives it, written as ``_x509`` writes it: ``O=...,CN=...``."""
    return ','.join('%s=%s' % (_SHORT_NAMES[key], value) for rdn in rdns for key, value in rdn)


def _fetch_unverified_certificate(target):
    """The certificate the far end presents, fetched without verification (for the message), in
    what is left of the probe's deadline; None when nothing is left or it cannot be had."""
    if target.deadline.left() < MIN_REFETCH:
        return None
    try:
        sock = _open_stream({}, target)
        try:
            sock.settimeout(target.deadline.left())
            tls = _ssl_context(None, False).wrap_socket(sock, server_hostname=target.host)
            try:
                return _peer_certificate(tls)
            finally:
                tls.close()
        finally:
            sock.close()
    except (StageFailure, ssl.SSLError, socket.timeout, OSError, ValueError, TypeError, EOFError):
        return None


def _check_alpn(result, target):
    got = result['alpn_protocol']
    if got == 'h2':
        return
    raise StageFailure('alpn', 'TLS to %s:%d works, but the server did not agree to HTTP/2 by ALPN (it selected %s)'
                       % (target.host, target.port, repr(got) if got else 'no protocol'), _words().alpn_remedy(target.proxy))


def _check_http2(tls, target):
    host, port = target.host, target.port
    deadline = target.deadline
    try:
        tls.settimeout(deadline.left())
        tls.sendall(http2.client_hello())
        header = sockets.recv_exact(tls, 9, deadline)
    except (socket.timeout, ssl.SSLError, OSError, EOFError) as exc:
        raise StageFailure('http2', 'sent the HTTP/2 preface to %s:%d, no SETTINGS came back: %s'
                           % (host, port, sockets.failure(exc, target.timeout)), _words().http2_remedy(host, port))
    problem = http2.settings_problem(header)
    if problem:
        raise StageFailure('http2', 'sent the HTTP/2 preface to %s:%d, %s' % (host, port, problem),
                           _words().http2_remedy(host, port))
    try:
        sockets.recv_exact(tls, http2.parse_frame_header(header)[0], deadline)
        tls.sendall(http2.client_goodbye())
    except (socket.timeout, ssl.SSLError, OSError, EOFError) as exc:
        raise StageFailure('http2', 'the SETTINGS frame from %s:%d was cut short: %s'
                           % (host, port, sockets.failure(exc, target.timeout)), _words().http2_remedy(host, port))


def _new_result(target, proxy_source, require_http2):
    return {
        'reachable': False,
        'stage': None,
        'msg': None,
        'host': target.host,
        'port': target.port,
        'addresses': [],
        'via_proxy': target.proxy['display'] if target.proxy else None,
        'proxy_source': proxy_source if target.proxy else None,
        'validate_certs': bool(target.validate_certs),
        'require_http2': bool(require_http2),
        'alpn_protocol': None,
        'tls_version': None,
        'peer_certificate': None,
        'elapsed_ms': None,
    }


def _walk(result, target, require_http2):
    """Every stage in order; fills ``result``; raises StageFailure at the first that fails."""
    sock = _open_stream(result, target)
    try:
        sock = _handshake(result, sock, target)
        if require_http2:
            _check_alpn(result, target)
            _check_http2(sock, target)
    finally:
        try:
            sock.close()
        except OSError:
            pass
    result['stage'] = 'ok'
    result['reachable'] = True
    result['msg'] = _ok_message(result)


def _ok_message(result):
    """What a probe that passed every stage says."""
    via = ' through the proxy %s' % result['via_proxy'] if result['via_proxy'] else ''
    if result['require_http2']:
        how = 'HTTP/2 (ALPN h2, SETTINGS exchanged)'
    else:
        how = 'TLS (ALPN %s; HTTP/2 not checked: require_http2 is false)' % (result['alpn_protocol'] or 'none')
    return '%s:%d answers over %s, %s%s' % (result['host'], result['port'], how, result['tls_version'], via)


def probe(host=requirements.CLOUD_HOST, port=requirements.CLOUD_PORT, timeout=requirements.EGRESS_TIMEOUT,
          proxy=None, proxy_source=None, ca_path=None, validate_certs=True, require_http2=True, note=None,
          resolver=None):
    """Walk DNS, TCP (or proxy CONNECT), TLS, ALPN and HTTP/2 to ``host:port``.

    ``proxy`` is a proxy URL (already chosen, see ``_proxy.select_proxy``) or None. Returns
    ``(egress, remedy)``: the ``egress`` result dict (see egress_info's RETURN) and the remedy for
    the check (None when nothing is to be done). Never raises on an unreachable endpoint; raises
    ProxyURLError only when ``proxy`` cannot be parsed.
    """
    started = time.monotonic()
    parsed = None
    if proxy:
        # Imported here: only a probe through a proxy needs the proxy URL parser, and AnsiballZ ships
        # sources, so every module run compiles each module_utils file it imports.
        from ansible_collections.pixie_ops.preflight.plugins.module_utils._proxy_url import parse_proxy_url
        parsed = parse_proxy_url(proxy)
    target = Target(host, port, timeout, parsed, ca_path, validate_certs, resolver or socket.getaddrinfo,
                    sockets.Deadline(timeout))
    result = _new_result(target, proxy_source, require_http2)
    remedy = None
    try:
        _walk(result, target, require_http2)
    except StageFailure as stop:
        result['stage'] = stop.stage
        result['msg'] = stop.msg
        remedy = stop.remedy
    if note:
        result['msg'] = '%s (%s)' % (result['msg'], note)
    if not validate_certs:
        result['msg'] += ' [certificate NOT verified: validate_certs is false]'
    result['msg'] = sanitize(result['msg'])
    result['elapsed_ms'] = int(round((time.monotonic() - started) * 1000))
    return result, remedy
