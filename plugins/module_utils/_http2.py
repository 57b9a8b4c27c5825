# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Just enough HTTP/2 to prove a server speaks it: the preface and the SETTINGS exchange.

Private to this collection; standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
FRAME_SETTINGS = 0x4
FRAME_GOAWAY = 0x7
FLAG_ACK = 0x1
FRAME_NAMES = {
    0x0: 'DATA', 0x1: 'HEADERS', 0x2: 'PRIORITY', 0x3: 'RST_STREAM', 0x4: 'SETTINGS',
    0x5: 'PUSH_PROMISE', 0x6: 'PING', 0x7: 'GOAWAY', 0x8: 'WINDOW_UPDATE', 0x9: 'CONTINUATION',
}
# A SETTINGS frame larger than the default maximum frame size is a protocol error.
MAX_SETTINGS_LENGTH = 16384


def frame(frame_type, flags=0, stream_id=0, payload=b''):
    """Encode one HTTP/2 frame (RFC 9113 section 4.1)."""
    return struct.pack('>I', len(payload))[1:] + struct.pack('>BBI', frame_type, flags, stream_id & 0x7fffffff) + payload


def parse_frame_header(header):
    """Decode a 9-byte HTTP/2 frame header into ``(length, type, flags, stream_id)``."""
    if len(header) != 9:
        raise ValueError('an HTTP/2 frame header is 9 bytes, got %d' % len(header))
    length = struct.unpack('>I', b'\x00' + header[:3])[0]
    frame_type, flags, stream_id = struct.unpack('>BBI', header[3:])
    return length, frame_type, flags, stream_id & 0x7fffffff


def client_hello():
    """What a client sends first: the connection preface and an empty SETTINGS frame."""
    return PREFACE + frame(FRAME_SETTINGS)


def client_goodbye():
    """Acknowledge the server's settings and close politely (GOAWAY, last stream 0, NO_ERROR)."""
    return frame(FRAME_SETTINGS, FLAG_ACK) + frame(FRAME_GOAWAY, payload=struct.pack('>II', 0, 0))


def settings_problem(header):
    """Why the first frame header a server sent is not its SETTINGS frame, or None when it is.

    ``header`` is the first 9 bytes the server sent.
    """
    if header.startswith(b'HTTP/'):
        return 'it answered in HTTP/1: %r' % header.decode('latin-1')
    length, frame_type, flags, stream_id = parse_frame_header(header)
    if frame_type != FRAME_SETTINGS or flags & FLAG_ACK or stream_id != 0:
        name = FRAME_NAMES.get(frame_type, 'type 0x%x' % frame_type)
        return ('the first frame back was %s (flags 0x%x, stream %d), not the server\'s SETTINGS'
                % (name, flags, stream_id))
    if length % 6 or length > MAX_SETTINGS_LENGTH:
        return 'its SETTINGS frame has a bad length %d' % length
    return None
