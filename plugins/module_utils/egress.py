# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Can this node reach Pixie Cloud over HTTPS/2, directly or through its proxy?

Vizier's cloud connector sends outgoing gRPC (HTTP/2 over TLS) requests to the cloud address.
:func:`probe` walks the same path one step at a time and stops at the first step that fails:

``dns``      resolve the cloud name (skipped through a proxy: the proxy resolves it)
``connect``  open TCP to one of the addresses
``proxy``    reach the proxy and open an HTTP CONNECT tunnel through it
``tls``      TLS handshake with SNI, certificate verified against the CA bundle
``alpn``     the server agreed to ``h2`` by ALPN
``http2``    the server answered the HTTP/2 connection preface with a SETTINGS frame
``ok``       all of the above worked

Every step is bounded by ``timeout`` seconds. The proxy URL may hold credentials: they are used
for ``Proxy-Authorization`` and never appear in the result (:func:`redact_proxy_url`).

Standard library only (Python 3.7+); never imports AnsibleModule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import ipaddress
import os
import socket
import ssl
import struct
import threading
import time
from urllib.parse import unquote, urlsplit

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements

STAGES = ('dns', 'connect', 'proxy', 'tls', 'alpn', 'http2', 'ok')

H2_PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
H2_FRAME_DATA = 0x0
H2_FRAME_SETTINGS = 0x4
H2_FRAME_GOAWAY = 0x7
H2_FLAG_ACK = 0x1
H2_FRAME_NAMES = {
    0x0: 'DATA', 0x1: 'HEADERS', 0x2: 'PRIORITY', 0x3: 'RST_STREAM', 0x4: 'SETTINGS',
    0x5: 'PUSH_PROMISE', 0x6: 'PING', 0x7: 'GOAWAY', 0x8: 'WINDOW_UPDATE', 0x9: 'CONTINUATION',
}

# The largest CONNECT response header block we read before giving up (a proxy error page body is
# never read: only the status line and headers).
MAX_PROXY_RESPONSE = 65536

ENV_PROXY_NAMES = ('https_proxy', 'HTTPS_PROXY')
ENV_NO_PROXY_NAMES = ('no_proxy', 'NO_PROXY')


class ProxyURLError(ValueError):
    """The proxy URL cannot be used (unsupported scheme, no host, bad port)."""


class _Stop(Exception):
    """A step failed: carries the stage, the message and the remedy for the check."""

    def __init__(self, stage, msg, remedy):
        super(_Stop, self).__init__(msg)
        self.stage = stage
        self.msg = msg
        self.remedy = remedy


# --------------------------------------------------------------------------------------------
# Proxy configuration
# --------------------------------------------------------------------------------------------

def parse_proxy_url(url):
    """Parse an HTTP proxy URL into a dict; raise ProxyURLError when it cannot be used.

    ``http://[user[:password]@]host[:port][/]``; a URL without a scheme is taken as ``http://``
    (as curl and Go do); the default port is 80 (Go) -- write the port to be sure. ``https://``
    proxies (TLS to the proxy itself) and SOCKS proxies are not supported by this check.
    """
    if not isinstance(url, str) or not url.strip():
        raise ProxyURLError('the proxy URL is empty')
    text = url.strip()
    if '://' not in text:
        text = 'http://' + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ProxyURLError('cannot parse the proxy URL %s: %s' % (redact_proxy_url(url), exc))
    scheme = (parts.scheme or '').lower()
    if scheme != 'http':
        raise ProxyURLError(
            'proxy scheme %r is not supported by this check (only http:// proxies that accept '
            'CONNECT): %s' % (scheme, redact_proxy_url(url)))
    if not parts.hostname:
        raise ProxyURLError('the proxy URL %s has no host' % redact_proxy_url(url))
    if port is None:
        port = 80
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return {
        'scheme': scheme,
        'host': parts.hostname,
        'port': port,
        'username': username,
        'password': password,
        'display': '%s://%s:%d' % (scheme, _host_for_url(parts.hostname), port),
    }


def redact_proxy_url(url):
    """Return ``url`` without its user information (credentials never leave this module)."""
    if not isinstance(url, str):
        return url
    text = url.strip()
    scheme_end = text.find('://')
    start = scheme_end + 3 if scheme_end >= 0 else 0
    at = text.rfind('@', start)
    if at < 0:
        return text
    return text[:start] + text[at + 1:]


def proxy_credentials(url):
    """The secret strings of a proxy URL (raw and percent-decoded password), for masking."""
    if not isinstance(url, str):
        return []
    text = url.strip()
    scheme_end = text.find('://')
    start = scheme_end + 3 if scheme_end >= 0 else 0
    at = text.rfind('@', start)
    if at < 0:
        return []
    userinfo = text[start:at]
    if ':' not in userinfo:
        return []
    raw = userinfo.split(':', 1)[1]
    return sorted(set(s for s in (raw, unquote(raw)) if s))


def _host_for_url(host):
    return '[%s]' % host if ':' in host else host


def no_proxy_matches(host, port, no_proxy):
    """True when the ``no_proxy`` list says ``host:port`` must be reached directly.

    Entries are separated by commas or spaces. ``*`` matches every host; a name matches itself
    and every name under it (a leading ``.`` or ``*.`` is ignored: ``.example.com`` and
    ``example.com`` both match ``example.com`` and ``api.example.com``); an IP address matches
    itself, a CIDR block (``10.0.0.0/8``) the addresses in it; ``name:port`` only that port.
    Matching is on the name as given (no DNS lookup), case-insensitive, like curl and Go.
    """
    if not no_proxy:
        return False
    host = host.strip().lower().rstrip('.')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
    host_ip = _as_ip(host)
    for entry in no_proxy.replace(',', ' ').split():
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == '*':
            return True
        entry_port = None
        if entry.startswith('['):
            close = entry.find(']')
            if close > 0:
                rest = entry[close + 1:]
                entry = entry[1:close]
                if rest.startswith(':') and rest[1:].isdigit():
                    entry_port = int(rest[1:])
        elif entry.count(':') == 1:
            name, maybe_port = entry.split(':')
            if maybe_port.isdigit():
                entry, entry_port = name, int(maybe_port)
        if entry_port is not None and entry_port != port:
            continue
        if '/' in entry:
            if host_ip is not None:
                try:
                    if host_ip in ipaddress.ip_network(entry, strict=False):
                        return True
                except ValueError:
                    pass
            continue
        entry_ip = _as_ip(entry)
        if entry_ip is not None or host_ip is not None:
            if entry_ip is not None and entry_ip == host_ip:
                return True
            continue
        if entry.startswith('*.'):
            entry = entry[2:]
        entry = entry.lstrip('.').rstrip('.')
        if entry and (host == entry or host.endswith('.' + entry)):
            return True
    return False


def _as_ip(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def select_proxy(host, port, proxy=None, use_proxy=True, environ=None):
    """Decide how to reach ``host:port``: return ``(proxy_url or None, source, note)``.

    ``source`` is ``option``, ``environment`` or None. An explicit ``proxy`` is always used
    (when ``use_proxy``); a proxy from ``https_proxy``/``HTTPS_PROXY`` is skipped when
    ``no_proxy``/``NO_PROXY`` matches the host, as Go's and curl's clients do. ``note`` says why
    no proxy is used, or None.
    """
    if not use_proxy:
        return None, None, 'use_proxy is false: connecting directly'
    if proxy:
        return proxy, 'option', None
    environ = environ if environ is not None else {}
    env_proxy = _first_env(environ, ENV_PROXY_NAMES)
    if not env_proxy:
        return None, None, None
    no_proxy = _first_env(environ, ENV_NO_PROXY_NAMES)
    if no_proxy_matches(host, port, no_proxy):
        return None, None, 'no_proxy matches %s: connecting directly, not through %s' % (
            host, redact_proxy_url(env_proxy))
    return env_proxy, 'environment', None


def _first_env(environ, names):
    for name in names:
        value = environ.get(name)
        if value and value.strip():
            return value.strip()
    return None


# --------------------------------------------------------------------------------------------
# The probe
# --------------------------------------------------------------------------------------------

class _Deadline(object):
    """One step's time budget."""

    def __init__(self, timeout):
        self.end = time.monotonic() + timeout

    def left(self):
        return max(self.end - time.monotonic(), 0.001)

    def expired(self):
        return time.monotonic() >= self.end


def _resolve(name, port, timeout, resolver):
    """getaddrinfo bounded by ``timeout`` (it has no timeout of its own: run it in a thread)."""
    box = {}

    def run():
        try:
            box['result'] = resolver(name, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        except Exception as exc:  # any resolver error is reported, not raised
            box['error'] = exc

    worker = threading.Thread(target=run, name='egress-dns')
    worker.daemon = True
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise socket.timeout('no answer from the resolver within %gs' % timeout)
    if 'error' in box:
        raise box['error']
    seen = []
    infos = []
    for info in box.get('result') or []:
        address = info[4][0]
        if address not in seen:
            seen.append(address)
            infos.append(info)
    return infos


def _connect_any(infos, timeout):
    """Connect to the first address that answers, all within one ``timeout``."""
    deadline = _Deadline(timeout)
    errors = []
    for family, socktype, proto, _canon, sockaddr in infos:
        if deadline.expired():
            errors.append('%s: not tried, time is up' % sockaddr[0])
            continue
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(deadline.left())
        try:
            sock.connect(sockaddr)
            return sock, sockaddr[0], errors
        except (socket.timeout, OSError) as exc:
            sock.close()
            errors.append('%s: %s' % (sockaddr[0], _describe_os_error(exc)))
    return None, None, errors


def _describe_os_error(exc):
    if isinstance(exc, socket.timeout):
        return str(exc) or 'timed out'
    if getattr(exc, 'strerror', None):
        return exc.strerror
    return str(exc) or exc.__class__.__name__


def _recv_exact(sock, count, deadline):
    data = b''
    while len(data) < count:
        sock.settimeout(deadline.left())
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError('connection closed after %d of %d bytes' % (len(data), count))
        data += chunk
    return data


def _connect_request(host, port, proxy):
    target = '%s:%d' % (_host_for_url(host), port)
    lines = ['CONNECT %s HTTP/1.1' % target, 'Host: %s' % target, 'User-Agent: pixie_ops.preflight egress_check']
    if proxy.get('username') is not None:
        token = '%s:%s' % (proxy['username'], proxy.get('password') or '')
        lines.append('Proxy-Authorization: Basic %s' % base64.b64encode(token.encode('utf-8')).decode('ascii'))
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1', 'replace')


def parse_connect_response(head):
    """Parse the status line of a CONNECT response; return ``(code, reason)``."""
    first = head.split(b'\r\n', 1)[0].decode('latin-1', 'replace').strip()
    parts = first.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith('HTTP/') or not parts[1].isdigit():
        raise ValueError('not an HTTP response: %r' % first[:80])
    return int(parts[1]), parts[2] if len(parts) > 2 else ''


def _read_connect_response(sock, timeout):
    """Read the proxy's answer up to the blank line, one byte at a time (nothing of the tunnel
    may be consumed)."""
    deadline = _Deadline(timeout)
    head = b''
    while not head.endswith(b'\r\n\r\n'):
        if len(head) >= MAX_PROXY_RESPONSE:
            raise ValueError('the proxy answer is longer than %d bytes' % MAX_PROXY_RESPONSE)
        sock.settimeout(deadline.left())
        byte = sock.recv(1)
        if not byte:
            raise EOFError('the proxy closed the connection' + (' after %r' % head[:80] if head else ''))
        head += byte
    return head


def _open_tunnel(host, port, proxy, timeout, resolver):
    """TCP to the proxy and a CONNECT tunnel to host:port; return the socket."""
    where = proxy['display']
    try:
        infos = _resolve(proxy['host'], proxy['port'], timeout, resolver)
    except (socket.gaierror, socket.timeout, OSError, UnicodeError) as exc:
        raise _Stop('proxy', 'cannot resolve the proxy %s: %s' % (where, _describe_os_error(exc)),
                    'Check the proxy address (the proxy option or https_proxy on the node): its name '
                    'does not resolve from this node.')
    if not infos:
        raise _Stop('proxy', 'the proxy name %s has no address' % where,
                    'Check the proxy address (the proxy option or https_proxy on the node).')
    sock, _address, errors = _connect_any(infos, timeout)
    if sock is None:
        raise _Stop('proxy', 'cannot connect to the proxy %s (%s)' % (where, '; '.join(errors)),
                    'Check the proxy address and port (the proxy option or https_proxy on the node), '
                    'that the proxy is running, and that the firewall lets this node reach it.')
    try:
        deadline = _Deadline(timeout)
        sock.settimeout(deadline.left())
        sock.sendall(_connect_request(host, port, proxy))
        head = _read_connect_response(sock, deadline.left())
        code, reason = parse_connect_response(head)
    except (socket.timeout, OSError, EOFError, ValueError) as exc:
        sock.close()
        detail = 'no answer within %gs' % timeout if isinstance(exc, socket.timeout) else _describe_os_error(exc)
        raise _Stop('proxy', 'the proxy %s did not open a tunnel to %s:%d: %s' % (where, host, port, detail),
                    'Check that %s is an HTTP proxy that accepts CONNECT requests.' % where)
    if 200 <= code < 300:
        return sock
    sock.close()
    msg = 'the proxy %s refused CONNECT %s:%d: %d %s' % (where, host, port, code, reason)
    if code in (401, 407):
        remedy = ('The proxy wants credentials, or other ones: put them in the proxy URL '
                  '(http://user:password@proxy:port), or check the ones given.')
    elif code in (502, 503, 504):
        remedy = ('The proxy itself cannot reach %s:%d: open the proxy\'s own egress to it (or check '
                  'its DNS).' % (host, port))
    else:
        remedy = ('Allow CONNECT to %s:%d on the proxy (for example tinyproxy "ConnectPort %d", '
                  'squid SSL_ports and http_access rules) or use a proxy that allows it.' % (host, port, port))
    raise _Stop('proxy', msg, remedy)


def _ssl_context(ca_path, validate_certs):
    if validate_certs:
        context = ssl.create_default_context(cafile=ca_path or None)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(['h2', 'http/1.1'])
    return context


def probe(host=requirements.CLOUD_HOST, port=requirements.CLOUD_PORT, timeout=10.0, proxy=None,
          proxy_source=None, ca_path=None, validate_certs=True, require_http2=True, note=None,
          resolver=None):
    """Walk DNS, TCP (or proxy CONNECT), TLS, ALPN and HTTP/2 to ``host:port``.

    ``proxy`` is a proxy URL (already chosen, see :func:`select_proxy`) or None. Returns
    ``(egress, remedy)``: the ``egress`` result dict (see the module's RETURN) and the remedy for
    the check (None when nothing is to be done). Never raises on an unreachable endpoint; raises
    ProxyURLError only when ``proxy`` cannot be parsed.
    """
    resolver = resolver or socket.getaddrinfo
    started = time.monotonic()
    proxy_info = parse_proxy_url(proxy) if proxy else None
    result = {
        'reachable': False,
        'stage': None,
        'msg': None,
        'host': host,
        'port': port,
        'addresses': [],
        'via_proxy': proxy_info['display'] if proxy_info else None,
        'proxy_source': proxy_source if proxy_info else None,
        'validate_certs': bool(validate_certs),
        'require_http2': bool(require_http2),
        'alpn_protocol': None,
        'tls_version': None,
        'peer_certificate': None,
        'elapsed_ms': None,
    }
    remedy = None
    sock = None
    try:
        sock = _open_stream(result, host, port, proxy_info, timeout, resolver)
        tls = _handshake(result, sock, host, port, proxy_info, timeout, ca_path, validate_certs, resolver)
        sock = tls
        _check_alpn(result, tls, host, port, proxy_info, require_http2)
        if require_http2:
            _check_http2(result, tls, host, port, proxy_info, timeout)
        result['stage'] = 'ok'
        result['reachable'] = True
        result['msg'] = _ok_message(result)
    except _Stop as stop:
        result['stage'] = stop.stage
        result['msg'] = stop.msg
        remedy = stop.remedy
    finally:
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
    if note:
        result['msg'] = '%s (%s)' % (result['msg'], note)
    if not validate_certs:
        result['msg'] += ' [certificate NOT verified: validate_certs is false]'
    result['elapsed_ms'] = int(round((time.monotonic() - started) * 1000))
    return result, remedy


def _open_stream(result, host, port, proxy_info, timeout, resolver):
    if proxy_info:
        return _open_tunnel(host, port, proxy_info, timeout, resolver)
    try:
        infos = _resolve(host, port, timeout, resolver)
    except (socket.gaierror, socket.timeout, OSError, UnicodeError) as exc:
        raise _Stop('dns', 'cannot resolve %s: %s' % (host, _describe_os_error(exc)),
                    'The node cannot resolve %s: check its resolver (/etc/resolv.conf, systemd-resolved) '
                    'and that its DNS servers answer for public names; if the node may only go out '
                    'through a proxy, set https_proxy (or the proxy option) so that the proxy '
                    'resolves the name.' % host)
    result['addresses'] = [info[4][0] for info in infos]
    if not infos:
        raise _Stop('dns', '%s has no address' % host,
                    'The node resolves %s to nothing: check its DNS.' % host)
    sock, _address, errors = _connect_any(infos, timeout)
    if sock is None:
        raise _Stop('connect', 'cannot connect to %s:%d (%s)' % (host, port, '; '.join(errors)),
                    'Open the firewall (host firewall, security group, network ACL, egress '
                    'NetworkPolicy) for outgoing TCP from the nodes to %s:%d, or route them through an '
                    'HTTPS proxy (https_proxy) that may reach it.' % (host, port))
    return sock


def _handshake(result, sock, host, port, proxy_info, timeout, ca_path, validate_certs, resolver):
    try:
        context = _ssl_context(ca_path, validate_certs)
    except (ssl.SSLError, OSError) as exc:
        sock.close()
        raise _Stop('tls', 'cannot load the CA bundle %s: %s' % (ca_path, _describe_os_error(exc)),
                    'Give ca_path a readable PEM file of CA certificates.')
    sock.settimeout(timeout)
    try:
        # SNI carries the name; for an IP address Python sends no SNI and checks the IP SAN.
        tls = context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        sock.close()
        # Show who issued what was presented: fetch it again without verification.
        cert = _fetch_unverified_certificate(host, port, proxy_info, timeout, ca_path, resolver)
        result['peer_certificate'] = cert
        issuer = cert['issuer'] if cert else 'unknown'
        reason = getattr(exc, 'verify_message', None) or str(exc)
        raise _Stop('tls', 'the certificate of %s:%d is not trusted: %s (issuer: %s)' % (host, port, reason, issuer),
                    _tls_remedy(host, reason, issuer, proxy_info))
    except ssl.SSLError as exc:
        sock.close()
        reason = getattr(exc, 'reason', None) or str(exc)
        if 'NO_APPLICATION_PROTOCOL' in str(reason).upper():
            raise _Stop('alpn', 'the server refused every protocol offered by ALPN (h2, http/1.1): %s' % reason,
                        _alpn_remedy(proxy_info))
        raise _Stop('tls', 'TLS handshake with %s:%d failed: %s' % (host, port, reason),
                    'Something between this node and %s breaks TLS (a proxy or firewall that '
                    'inspects or blocks TLS, or a server that is not %s): check the path, and '
                    'compare with "openssl s_client -connect %s:%d -servername %s".'
                    % (host, host, _host_for_url(host), port, host))
    except (socket.timeout, OSError, EOFError) as exc:
        sock.close()
        detail = 'no answer within %gs' % timeout if isinstance(exc, socket.timeout) else _describe_os_error(exc)
        raise _Stop('tls', 'TLS handshake with %s:%d failed: %s' % (host, port, detail),
                    'The TCP connection to %s:%d opens but TLS does not complete: a firewall or proxy '
                    'in the path accepts the connection and then drops or holds it; allow TLS to '
                    '%s:%d.' % (host, port, host, port))
    result['tls_version'] = tls.version()
    result['alpn_protocol'] = tls.selected_alpn_protocol()
    try:
        result['peer_certificate'] = describe_certificate(tls.getpeercert(binary_form=True))
    except ValueError:
        result['peer_certificate'] = None
    return tls


def _tls_remedy(host, reason, issuer, proxy_info):
    lowered = reason.lower()
    if 'expired' in lowered or 'not yet valid' in lowered:
        return ('The certificate is outside its validity period: check the node\'s clock (NTP), '
                'then the certificate of %s.' % host)
    if 'hostname' in lowered or 'ip address mismatch' in lowered:
        return ('The certificate is not for %s: a proxy, firewall or load balancer answers in its '
                'place; check the path (and the cloud address, for a self-hosted Pixie Cloud).' % host)
    return ('The certificate was issued by %s, which this node does not trust: if a proxy or firewall '
            'intercepts TLS%s, exempt %s from interception, or trust its CA (ca_path for this check; '
            'Vizier needs the same CA); for a self-hosted Pixie Cloud, give ca_path its CA.'
            % (issuer, ' (%s)' % proxy_info['display'] if proxy_info else '', host))


def _alpn_remedy(proxy_info):
    return ('Vizier\'s cloud connector speaks gRPC, which needs HTTP/2: something in the path '
            '(%s, a TLS-inspecting firewall or a load balancer) does not pass HTTP/2; use one that '
            'does, or exempt the cloud address from TLS inspection.'
            % ('the proxy %s' % proxy_info['display'] if proxy_info else 'a proxy'))


def _fetch_unverified_certificate(host, port, proxy_info, timeout, ca_path, resolver):
    """The certificate the far end presents, fetched without verification (for the message)."""
    try:
        scratch = {}
        sock = _open_stream(scratch, host, port, proxy_info, timeout, resolver)
        try:
            context = _ssl_context(None, False)
            sock.settimeout(timeout)
            tls = context.wrap_socket(sock, server_hostname=host)
            try:
                return describe_certificate(tls.getpeercert(binary_form=True))
            finally:
                tls.close()
        finally:
            sock.close()
    except (_Stop, ssl.SSLError, socket.timeout, OSError, ValueError, EOFError):
        return None


def _check_alpn(result, tls, host, port, proxy_info, require_http2):
    if not require_http2 or result['alpn_protocol'] == 'h2':
        return
    got = result['alpn_protocol']
    raise _Stop('alpn', 'TLS to %s:%d works, but the server did not agree to HTTP/2 by ALPN (it selected %s)'
                % (host, port, repr(got) if got else 'no protocol'), _alpn_remedy(proxy_info))


def h2_frame(frame_type, flags=0, stream_id=0, payload=b''):
    """Encode one HTTP/2 frame (RFC 9113 section 4.1)."""
    return struct.pack('>I', len(payload))[1:] + struct.pack('>BBI', frame_type, flags, stream_id & 0x7fffffff) + payload


def parse_h2_frame_header(header):
    """Decode a 9-byte HTTP/2 frame header into ``(length, type, flags, stream_id)``."""
    if len(header) != 9:
        raise ValueError('an HTTP/2 frame header is 9 bytes, got %d' % len(header))
    length = struct.unpack('>I', b'\x00' + header[:3])[0]
    frame_type, flags, stream_id = struct.unpack('>BBI', header[3:])
    return length, frame_type, flags, stream_id & 0x7fffffff


def _check_http2(result, tls, host, port, proxy_info, timeout):
    remedy = ('TLS and ALPN h2 succeed but no HTTP/2 comes back: whatever terminates TLS (a proxy, a '
              'TLS-inspecting firewall, a load balancer, or the server at %s:%d) claims HTTP/2 and does '
              'not speak it; use one that passes HTTP/2 through, or exempt the cloud address.' % (host, port))
    deadline = _Deadline(timeout)
    try:
        tls.settimeout(deadline.left())
        tls.sendall(H2_PREFACE + h2_frame(H2_FRAME_SETTINGS))
        header = _recv_exact(tls, 9, deadline)
    except (socket.timeout, ssl.SSLError, OSError, EOFError) as exc:
        detail = 'no answer within %gs' % timeout if isinstance(exc, socket.timeout) else _describe_os_error(exc)
        raise _Stop('http2', 'sent the HTTP/2 preface to %s:%d, no SETTINGS came back: %s' % (host, port, detail), remedy)
    if header.startswith(b'HTTP/'):
        raise _Stop('http2', 'sent the HTTP/2 preface to %s:%d, it answered in HTTP/1: %r'
                    % (host, port, header.decode('latin-1')), remedy)
    length, frame_type, flags, stream_id = parse_h2_frame_header(header)
    if frame_type != H2_FRAME_SETTINGS or flags & H2_FLAG_ACK or stream_id != 0:
        name = H2_FRAME_NAMES.get(frame_type, 'type 0x%x' % frame_type)
        raise _Stop('http2', 'sent the HTTP/2 preface to %s:%d, the first frame back was %s (flags 0x%x, stream %d), '
                    'not the server\'s SETTINGS' % (host, port, name, flags, stream_id), remedy)
    if length % 6 or length > 16384:
        raise _Stop('http2', 'the SETTINGS frame from %s:%d has a bad length %d' % (host, port, length), remedy)
    try:
        _recv_exact(tls, length, deadline)
        # Acknowledge the settings and say goodbye politely (GOAWAY, last stream 0, NO_ERROR).
        tls.sendall(h2_frame(H2_FRAME_SETTINGS, H2_FLAG_ACK) + h2_frame(H2_FRAME_GOAWAY, payload=struct.pack('>II', 0, 0)))
    except (socket.timeout, ssl.SSLError, OSError, EOFError) as exc:
        detail = 'no answer within %gs' % timeout if isinstance(exc, socket.timeout) else _describe_os_error(exc)
        raise _Stop('http2', 'the SETTINGS frame from %s:%d was cut short: %s' % (host, port, detail), remedy)


def _ok_message(result):
    via = ' through the proxy %s' % result['via_proxy'] if result['via_proxy'] else ''
    if result['require_http2']:
        how = 'HTTP/2 (ALPN h2, SETTINGS exchanged)'
    else:
        how = 'TLS (ALPN %s; HTTP/2 not checked: require_http2 is false)' % (result['alpn_protocol'] or 'none')
    return '%s:%d answers over %s, %s%s' % (result['host'], result['port'], how, result['tls_version'], via)


# --------------------------------------------------------------------------------------------
# Certificates: subject, issuer and notAfter from DER, standard library only
# --------------------------------------------------------------------------------------------

_NAME_OIDS = {
    '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O',
    '2.5.4.11': 'OU', '2.5.4.5': 'serialNumber', '0.9.2342.19200300.100.1.25': 'DC',
    '1.2.840.113549.1.9.1': 'emailAddress',
}
_MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec')


def _der_read(data, offset):
    """Read one DER TLV at ``offset``: return ``(tag, value, next_offset)``."""
    if offset + 2 > len(data):
        raise ValueError('truncated DER')
    tag = data[offset]
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7f
        if count == 0 or count > 4 or offset + count > len(data):
            raise ValueError('bad DER length')
        length = int.from_bytes(data[offset:offset + count], 'big')
        offset += count
    if offset + length > len(data):
        raise ValueError('truncated DER value')
    return tag, data[offset:offset + length], offset + length


def _der_children(data):
    offset = 0
    children = []
    while offset < len(data):
        tag, value, offset = _der_read(data, offset)
        children.append((tag, value))
    return children


def _oid(value):
    if not value:
        raise ValueError('empty OID')
    parts = [value[0] // 40, value[0] % 40] if value[0] < 80 else [2, value[0] - 80]
    number = 0
    for byte in value[1:]:
        number = (number << 7) | (byte & 0x7f)
        if not byte & 0x80:
            parts.append(number)
            number = 0
    return '.'.join(str(p) for p in parts)


def _der_string(tag, value):
    if tag == 0x1e:  # BMPString
        return value.decode('utf-16-be', 'replace')
    if tag == 0x1c:  # UniversalString
        return value.decode('utf-32-be', 'replace')
    return value.decode('utf-8', 'replace')


def _name(value):
    """An X.501 Name as ``CN=...,O=...`` (in certificate order)."""
    parts = []
    for _set_tag, rdn in _der_children(value):
        for _seq_tag, attribute in _der_children(rdn):
            pieces = _der_children(attribute)
            if len(pieces) != 2:
                continue
            oid = _oid(pieces[0][1])
            parts.append('%s=%s' % (_NAME_OIDS.get(oid, oid), _der_string(pieces[1][0], pieces[1][1])))
    return ','.join(parts)


def _der_time(tag, value):
    text = value.decode('ascii')
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ
        year = int(text[:2])
        year += 2000 if year < 50 else 1900
        rest = text[2:]
    elif tag == 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        year = int(text[:4])
        rest = text[4:]
    else:
        raise ValueError('not a time')
    month, day, hour, minute, second = (int(rest[i:i + 2]) for i in range(0, 10, 2))
    # The same form as ssl.getpeercert()'s notAfter (ssl.cert_time_to_seconds() parses it).
    return '%s %2d %02d:%02d:%02d %d GMT' % (_MONTHS[month - 1], day, hour, minute, second, year)


def describe_certificate(der):
    """``{subject, issuer, not_after}`` of a DER X.509 certificate; ValueError if it is not one."""
    if not der:
        raise ValueError('no certificate')
    try:
        _tag, certificate, _end = _der_read(bytearray(der), 0)
        tbs = _der_children(_der_children(certificate)[0][1])
        if tbs and tbs[0][0] == 0xa0:  # [0] version
            tbs = tbs[1:]
        # serialNumber, signature, issuer, validity, subject
        issuer = _name(tbs[2][1])
        validity = _der_children(tbs[3][1])
        subject = _name(tbs[4][1])
        not_after = _der_time(validity[1][0], bytes(validity[1][1]))
    except (IndexError, UnicodeDecodeError, TypeError) as exc:
        raise ValueError('not an X.509 certificate: %s' % exc)
    return {'subject': subject, 'issuer': issuer, 'not_after': not_after}


# --------------------------------------------------------------------------------------------
# The check record
# --------------------------------------------------------------------------------------------

def egress_check(egress, remedy=None):
    """The ``egress`` check: pass when the probe got to ``ok``, fail otherwise."""
    target = '%s:%d' % (_host_for_url(egress['host']), egress['port'])
    expected = 'HTTPS%s to %s%s' % (
        '/2 (ALPN h2, HTTP/2 SETTINGS)' if egress.get('require_http2', True) else '',
        target, ', certificate verified' if egress.get('validate_certs', True) else '')
    if egress['stage'] == 'ok':
        actual = 'ok: %s, ALPN %s%s' % (egress.get('tls_version'), egress.get('alpn_protocol') or 'none',
                                        ' via %s' % egress['via_proxy'] if egress.get('via_proxy') else '')
        return checks.make_check(checks.PASS, egress['msg'], expected, actual, None)
    actual = 'stopped at %s' % egress['stage']
    return checks.make_check(checks.FAIL, egress['msg'], expected, actual, remedy)


def argument_spec():
    """The options of the probe, shared by egress_check and node_facts' ``egress`` option."""
    return dict(
        host=dict(type='str', default=requirements.CLOUD_HOST),
        port=dict(type='int', default=requirements.CLOUD_PORT),
        timeout=dict(type='float', default=10.0),
        # Not no_log: that would mask every occurrence of the whole URL, via_proxy included.
        # The module masks the password itself (see proxy_credentials).
        proxy=dict(type='str', no_log=False),
        use_proxy=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        validate_certs=dict(type='bool', default=True),
        require_http2=dict(type='bool', default=True),
    )


def secrets(proxy, environ):
    """Every proxy password the probe may see (option and environment), to hide from all output."""
    found = set(proxy_credentials(proxy))
    for name in ENV_PROXY_NAMES:
        found.update(proxy_credentials((environ or {}).get(name)))
    return found


def option_error(params):
    """A message naming the misused option, or None when the options can be used."""
    if not params['host'] or not params['host'].strip():
        return 'host must not be empty'
    if not 0 < params['port'] < 65536:
        return 'port must be between 1 and 65535, got %d' % params['port']
    if not params['timeout'] > 0:
        return 'timeout must be a positive number of seconds, got %s' % params['timeout']
    if params['ca_path'] and not os.path.isfile(params['ca_path']):
        return 'ca_path %s is not a file' % params['ca_path']
    return None


def unverified_warning(params):
    """The warning a module gives when certificates are not verified, or None."""
    if params['validate_certs']:
        return None
    return ('validate_certs is false: the certificate of %s:%d is not verified, so a pass does not prove '
            'that Vizier (which verifies it) can connect' % (params['host'], params['port']))


def run(host=requirements.CLOUD_HOST, port=requirements.CLOUD_PORT, timeout=10.0, proxy=None, use_proxy=True,
        ca_path=None, validate_certs=True, require_http2=True, environ=None, resolver=None):
    """Choose the proxy, probe, and build the result: ``{'egress', 'checks', 'status'}``.

    Raises ProxyURLError only when an explicit ``proxy`` cannot be used (a misuse); an unusable
    proxy from the environment is reported as a ``proxy`` stage failure.
    """
    chosen, source, note = select_proxy(host, port, proxy, use_proxy, environ)
    try:
        egress, remedy = probe(host, port, timeout, chosen, source, ca_path, validate_certs, require_http2,
                               note, resolver)
    except ProxyURLError as exc:
        if source == 'option':
            raise
        egress = {
            'reachable': False, 'stage': 'proxy', 'msg': 'https_proxy on the node: %s' % exc,
            'host': host, 'port': port, 'addresses': [], 'via_proxy': redact_proxy_url(chosen),
            'proxy_source': source, 'validate_certs': bool(validate_certs), 'require_http2': bool(require_http2),
            'alpn_protocol': None, 'tls_version': None, 'peer_certificate': None, 'elapsed_ms': 0,
        }
        remedy = ('Set https_proxy to an http:// proxy URL that accepts CONNECT, or give the proxy option; '
                  'this check does not speak to https:// or SOCKS proxies.')
    result_checks = {'egress': egress_check(egress, remedy)}
    return {'egress': egress, 'checks': result_checks, 'status': checks.overall_status(result_checks)}


def run_options(params, environ=None):
    """``run`` from module options (see ``argument_spec``); the node's environment gives the proxy."""
    return run(host=params['host'].strip().lstrip('[').rstrip(']'), port=params['port'],
               timeout=params['timeout'], proxy=params['proxy'], use_proxy=params['use_proxy'],
               ca_path=params['ca_path'], validate_certs=params['validate_certs'],
               require_http2=params['require_http2'],
               environ=dict(os.environ) if environ is None else environ)
