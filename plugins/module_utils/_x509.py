# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who a certificate is for and who issued it: subject, issuer and notAfter from DER.

Enough DER to word a TLS failure (a TLS-intercepting proxy shows up as the issuer), with the
standard library only: ``ssl`` gives the peer certificate as DER when it was not verified.
Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import CertificateError

_NAME_OIDS = {
    '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O',
    '2.5.4.11': 'OU', '2.5.4.5': 'serialNumber', '0.9.2342.19200300.100.1.25': 'DC',
    '1.2.840.113549.1.9.1': 'emailAddress',
}
_MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec')


def _der_read(data, offset):
    """Read one DER TLV at ``offset``: return ``(tag, value, next_offset)``."""
    if offset + 2 > len(data):
        raise CertificateError('truncated DER')
    tag = data[offset]
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7f
        if count == 0 or count > 4 or offset + count > len(data):
            raise CertificateError('bad DER length')
        length = int.from_bytes(data[offset:offset + count], 'big')
        offset += count
    if offset + length > len(data):
        raise CertificateError('truncated DER value')
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
        raise CertificateError('empty OID')
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
        raise CertificateError('not a time')
    month, day, hour, minute, second = (int(rest[i:i + 2]) for i in range(0, 10, 2))
    # The same form as ssl.getpeercert()'s notAfter (ssl.cert_time_to_seconds() parses it).
    return '%s %2d %02d:%02d:%02d %d GMT' % (_MONTHS[month - 1], day, hour, minute, second, year)


def describe_certificate(der):
    """``{subject, issuer, not_after}`` of a DER X.509 certificate; CertificateError if it is not one."""
    if not der:
        raise CertificateError('no certificate')
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
    except (IndexError, UnicodeDecodeError, TypeError, ValueError) as exc:
        raise CertificateError('not an X.509 certificate: %s' % exc)
    return {'subject': subject, 'issuer': issuer, 'not_after': not_after}
