# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throwaway CA and loopback TLS / HTTP/2 test servers (controller side: uses ``cryptography``).

The stand-in for "the cloud address" of the system tests::

    with cloud_server() as (host, port, ca_path):
        ...  # host is 'localhost', ca_path is a PEM bundle holding the throwaway CA

Building blocks for other behaviours::

    ca = ThrowawayCA(directory)               # a CA made now, kept in `directory`
    cert, key = ca.issue(['localhost', '127.0.0.1'])
    with tls_server(ca, behaviour='http1') as server:   # server.host, server.port, server.ca_path
        ...

``nghttpd(ca)`` runs nghttp2's reference HTTP/2 server instead of the Python stand-in, and
``tinyproxy(...)`` Debian's tinyproxy as an HTTP CONNECT proxy.

Behaviours: ``h2`` (ALPN h2, answers the HTTP/2 preface with SETTINGS), ``http1`` (offers only
http/1.1 by ALPN), ``h2-silent`` (agrees to h2, never sends a frame), ``silent`` (accepts TCP,
never speaks TLS). Every server listens on 127.0.0.1 only and stops, with its connections, when
the ``with`` block ends.
"""

from __future__ import absolute_import, division, print_function

import contextlib
import datetime
import ipaddress
import os
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

H2_PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
BEHAVIOURS = ('h2', 'http1', 'h2-silent', 'silent')


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, u'pixie_ops.preflight tests'),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class ThrowawayCA(object):
    """A CA made for one test run; its certificate is ``ca_path``, its files live in ``directory``."""

    def __init__(self, directory, name=u'pixie_ops.preflight throwaway CA'):
        self.directory = directory
        self.name = name
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(name)).issuer_name(_name(name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_path = os.path.join(directory, 'ca-%x.pem' % self.certificate.serial_number)
        with open(self.ca_path, 'wb') as handle:
            handle.write(self.certificate.public_bytes(serialization.Encoding.PEM))

    def issue(self, names=(u'localhost', u'127.0.0.1'), common_name=None, subject=None, not_after=None):
        """A server certificate for ``names`` (DNS names and IP addresses): ``(cert_path, key_path)``. Its subject
        is CN=``common_name`` (or the first name), or the ``x509.Name`` ``subject``; it expires in 12 hours, or at
        ``not_after``."""
        key = ec.generate_private_key(ec.SECP256R1())
        sans = []
        for name in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                sans.append(x509.DNSName(name))
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject if subject is not None else _name(common_name or names[0]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(not_after or now + datetime.timedelta(hours=12))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        base = os.path.join(self.directory, 'server-%x' % certificate.serial_number)
        with open(base + '.pem', 'wb') as handle:
            handle.write(certificate.public_bytes(serialization.Encoding.PEM))
        with open(base + '.key', 'wb') as handle:
            handle.write(_pem_key(key))
        return base + '.pem', base + '.key'


class TLSServer(object):
    """One loopback server with a behaviour; use it through :func:`tls_server`."""

    def __init__(self, ca, behaviour='h2', names=(u'localhost', u'127.0.0.1'), **certificate):
        if behaviour not in BEHAVIOURS:
            raise ValueError('unknown behaviour %r, expected one of %s' % (behaviour, ', '.join(BEHAVIOURS)))
        self.behaviour = behaviour
        self.host = u'localhost'
        self.ca_path = ca.ca_path
        cert_path, key_path = ca.issue(names, **certificate)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert_path, key_path)
        self.context.set_alpn_protocols(['http/1.1'] if behaviour == 'http1' else ['h2', 'http/1.1'])
        self.context.sni_callback = self._sni
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.connections = []
        self.threads = []
        self.served = []  # what happened: 'sni:<name>', 'settings-sent', 'handshake-failed', ...
        self.lock = threading.Lock()

    def start(self):
        thread = threading.Thread(target=self._accept_loop, name='tls-server-%d' % self.port)
        thread.daemon = True
        thread.start()
        self.threads.append(thread)
        return self

    def stop(self):
        self.stopping.set()
        with self.lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        for thread in list(self.threads):
            thread.join(5)
        self.listener.close()

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                conn, _peer = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), name='tls-conn-%d' % self.port)
            thread.daemon = True
            thread.start()
            self.threads.append(thread)

    def _sni(self, _ssl_object, server_name, _context):
        self._note('sni:%s' % server_name)

    def _note(self, what):
        with self.lock:
            self.served.append(what)

    def _serve(self, conn):
        try:
            if self.behaviour == 'silent':
                self._drain(conn)
                return
            conn.settimeout(10)
            try:
                tls = self.context.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                self._note('handshake-failed')
                return
            with self.lock:
                self.connections.append(tls)
            if self.behaviour == 'h2':
                preface = _recv_exact(tls, len(H2_PREFACE))
                if preface != H2_PREFACE:
                    self._note('bad-preface')
                    return
                # SETTINGS: MAX_CONCURRENT_STREAMS (0x3) = 100.
                payload = struct.pack('>HI', 0x3, 100)
                tls.sendall(struct.pack('>I', len(payload))[1:] + struct.pack('>BBI', 0x4, 0, 0) + payload)
                self._note('settings-sent')
            self._drain(tls)
        except (OSError, ValueError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _drain(self, conn):
        conn.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                if not conn.recv(4096):
                    return
            except socket.timeout:
                continue
            except (OSError, ValueError):
                return


def _recv_exact(conn, count):
    data = b''
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


@contextlib.contextmanager
def throwaway_ca(directory=None, name=u'pixie_ops.preflight throwaway CA'):
    """A :class:`ThrowawayCA` in ``directory`` (or a temporary one, removed afterwards)."""
    own = directory is None
    directory = directory or tempfile.mkdtemp(prefix='pixie-ca-')
    try:
        yield ThrowawayCA(directory, name)
    finally:
        if own:
            shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def tls_server(ca, behaviour='h2', names=(u'localhost', u'127.0.0.1'), **certificate):
    """A started :class:`TLSServer` with a certificate from ``ca`` (``certificate``: what else
    :meth:`ThrowawayCA.issue` takes); stopped when the block ends."""
    server = TLSServer(ca, behaviour, names, **certificate).start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def cloud_server(directory=None):
    """An HTTP/2 "cloud address" on loopback: yields ``(host, port, ca_path)``."""
    with throwaway_ca(directory) as ca:
        with tls_server(ca, 'h2') as server:
            yield server.host, server.port, server.ca_path


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


class Proxy(object):
    """A running tinyproxy: ``url`` (with the credentials, if any), ``host``, ``port``, ``log_path``."""

    def __init__(self, host, port, url, log_path, process):
        self.host = host
        self.port = port
        self.url = url
        self.log_path = log_path
        self.process = process

    def log(self):
        try:
            with open(self.log_path) as handle:
                return handle.read()
        except IOError:
            return ''


@contextlib.contextmanager
def tinyproxy(connect_ports=(), basic_auth=None, binary='tinyproxy', start_timeout=10):
    """Debian's tinyproxy in the foreground on 127.0.0.1, with its own config in a temp dir.

    ``connect_ports``: the ports CONNECT may reach (tinyproxy's ``ConnectPort``; empty allows all).
    ``basic_auth``: ``(user, password)`` the proxy demands (``BasicAuth``), or None.
    Yields a :class:`Proxy`; the process is stopped and the directory removed afterwards.
    """
    directory = tempfile.mkdtemp(prefix='pixie-tinyproxy-')
    process = None
    try:
        port = free_port()
        log_path = os.path.join(directory, 'tinyproxy.log')
        lines = [
            'Port %d' % port,
            'Listen 127.0.0.1',
            'Timeout 30',
            'MaxClients 20',
            'Allow 127.0.0.1',
            'LogFile "%s"' % log_path,
            'LogLevel Info',
            'PidFile "%s"' % os.path.join(directory, 'tinyproxy.pid'),
            'DisableViaHeader Yes',
        ]
        lines += ['ConnectPort %d' % p for p in connect_ports]
        if basic_auth:
            lines.append('BasicAuth %s %s' % basic_auth)
        config = os.path.join(directory, 'tinyproxy.conf')
        with open(config, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')
        process = subprocess.Popen([binary, '-d', '-c', config], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_listening(process, port, start_timeout, 'tinyproxy', log_path)
        userinfo = '%s:%s@' % basic_auth if basic_auth else ''
        yield Proxy('127.0.0.1', port, 'http://%s127.0.0.1:%d' % (userinfo, port), log_path, process)
    finally:
        _stop(process)
        shutil.rmtree(directory, ignore_errors=True)


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()[-2000:]
    except IOError:
        return '(no log)'


class ExternalServer(object):
    """A real server process on 127.0.0.1: ``host``, ``port``, ``ca_path``."""

    def __init__(self, host, port, ca_path, process):
        self.host = host
        self.port = port
        self.ca_path = ca_path
        self.process = process


@contextlib.contextmanager
def nghttpd(ca, binary='nghttpd', start_timeout=10):
    """nghttp2's reference HTTP/2 server (Debian nghttp2-server) over TLS on 127.0.0.1, with a
    certificate from ``ca`` for localhost; yields an :class:`ExternalServer`."""
    directory = tempfile.mkdtemp(prefix='pixie-nghttpd-')
    process = None
    try:
        cert_path, key_path = ca.issue()
        port = free_port()
        process = subprocess.Popen([binary, '--address=127.0.0.1', '--htdocs=%s' % directory, str(port),
                                    key_path, cert_path],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_listening(process, port, start_timeout, binary)
        yield ExternalServer(u'localhost', port, ca.ca_path, process)
    finally:
        _stop(process)
        shutil.rmtree(directory, ignore_errors=True)


def _wait_listening(process, port, start_timeout, what, log_path=None):
    deadline = time.monotonic() + start_timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError('%s exited with %s: %s' % (what, process.returncode, _read(log_path) if log_path else ''))
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError('%s did not listen on 127.0.0.1:%d: %s'
                                   % (what, port, _read(log_path) if log_path else ''))
            time.sleep(0.05)


def _stop(process):
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
