# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the operator reads when the egress probe stops: one remedy per failure.

Plain text from the probe's findings; private to this collection. ``_probe`` imports it only when a
stage fails (its ``_words``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pixie_ops.preflight.plugins.module_utils._proxy import host_for_url


def dns_remedy(host):
    return ('The node cannot resolve %s: check its resolver (/etc/resolv.conf, systemd-resolved) '
            'and that its DNS servers answer for public names; if the node may only go out '
            'through a proxy, set https_proxy (or the proxy option) so that the proxy '
            'resolves the name.' % host)


def connect_remedy(host, port):
    return ('Open the firewall (host firewall, security group, network ACL, egress '
            'NetworkPolicy) for outgoing TCP from the nodes to %s:%d, or route them through an '
            'HTTPS proxy (https_proxy) that may reach it.' % (host, port))


def proxy_refusal_remedy(code, host, port):
    """What to do when the proxy answered CONNECT with ``code``."""
    if code in (401, 407):
        return ('The proxy wants credentials, or other ones: put them in the proxy URL '
                '(http://user:password@proxy:port), or check the ones given.')
    if code in (502, 503, 504):
        return ('The proxy itself cannot reach %s:%d: open the proxy\'s own egress to it (or check '
                'its DNS).' % (host, port))
    return ('Allow CONNECT to %s:%d on the proxy (for example tinyproxy "ConnectPort %d", '
            'squid SSL_ports and http_access rules) or use a proxy that allows it.' % (host, port, port))


def tls_broken_remedy(host, port):
    return ('Something between this node and %s breaks TLS (a proxy or firewall that '
            'inspects or blocks TLS, or a server that is not %s): check the path, and '
            'compare with "openssl s_client -connect %s:%d -servername %s".'
            % (host, host, host_for_url(host), port, host))


def tls_held_remedy(host, port):
    return ('The TCP connection to %s:%d opens but TLS does not complete: a firewall or proxy '
            'in the path accepts the connection and then drops or holds it; allow TLS to '
            '%s:%d.' % (host, port, host, port))


def untrusted_remedy(host, reason, issuer, proxy_info):
    """What to do about a certificate that did not verify, by the reason ``ssl`` gave."""
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


def alpn_remedy(proxy_info):
    return ('Vizier\'s cloud connector speaks gRPC, which needs HTTP/2: something in the path '
            '(%s, a TLS-inspecting firewall or a load balancer) does not pass HTTP/2; use one that '
            'does, or exempt the cloud address from TLS inspection.'
            % ('the proxy %s' % proxy_info['display'] if proxy_info else 'a proxy'))


def http2_remedy(host, port):
    return ('TLS and ALPN h2 succeed but no HTTP/2 comes back: whatever terminates TLS (a proxy, a '
            'TLS-inspecting firewall, a load balancer, or the server at %s:%d) claims HTTP/2 and does '
            'not speak it; use one that passes HTTP/2 through, or exempt the cloud address.' % (host, port))
