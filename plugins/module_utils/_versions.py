# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One version parser for kernel releases, Kubernetes versions and os-release VERSION_IDs.

A version is the run of dot-separated numbers at the start of the text (a leading ``v`` is
allowed), and the rest is its suffix: ``5.15.153.1-microsoft-standard-WSL2+`` is 5.15.153.1 with
suffix ``-microsoft-standard-WSL2+``; ``v1.27.4-eks-2d98532`` is 1.27.4 with ``-eks-2d98532``;
``4.19+105+deb10u4~bpo9+1`` is 4.19; ``18.04`` is 18.04. Versions compare by their numbers, missing
parts counting as 0 (``5.4`` equals ``5.4.0``). A Kubernetes version as the cluster facts show it
is ``_k8s_objects.kubernetes_version``'s, on top of this parser. Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import VersionError

# At most 9 digits a part: a release is text from outside, and no version part is longer. A longer
# run of digits is no version at all (``99999999999999999999.1`` is not 999999999 with a suffix);
# only ASCII digits count.
MAX_PART_DIGITS = 9
_VERSION_RE = re.compile(r'^\s*v?([0-9]+)((?:\.[0-9]+)*)')


class Version(namedtuple('Version', ['numbers', 'suffix'])):
    """``numbers``: the leading numbers as a tuple of ints; ``suffix``: the rest, stripped."""

    __slots__ = ()

    def padded(self, width=3):
        """The numbers, with zeros added up to ``width`` parts."""
        return self.numbers + (0,) * max(width - len(self.numbers), 0)

    def triple(self):
        """``X.Y.Z`` from the first three numbers (missing ones are 0)."""
        return '%d.%d.%d' % self.padded(3)[:3]


def parse_version(text):
    """Parse ``text`` into a :class:`Version`; raise VersionError when it starts with no number."""
    if not isinstance(text, str):
        raise VersionError('a version must be a string, got %s' % type(text).__name__)
    match = _VERSION_RE.match(text)
    if not match:
        raise VersionError('cannot find a version number at the start of %r' % (text,))
    parts = [match.group(1)] + match.group(2).split('.')[1:]
    if any(len(part) > MAX_PART_DIGITS for part in parts):
        raise VersionError('a number in %r is longer than %d digits' % (text[:40], MAX_PART_DIGITS))
    numbers = tuple(int(part) for part in parts)
    return Version(numbers, text[match.end():].strip())


def try_parse(text):
    """:func:`parse_version`, or None when ``text`` holds no version."""
    try:
        return parse_version(text)
    except VersionError:
        return None


def normalize(text):
    """``X.Y.Z`` for ``text`` (a kernel release, say), or None when it cannot be parsed."""
    version = try_parse(text)
    return version.triple() if version else None


def compare(left, right):
    """-1, 0 or 1 as version ``left`` is below, equal to or above ``right`` (texts or Versions)."""
    left = left if isinstance(left, Version) else parse_version(left)
    right = right if isinstance(right, Version) else parse_version(right)
    width = max(len(left.numbers), len(right.numbers))
    a, b = left.padded(width), right.padded(width)
    return (a > b) - (a < b)


def at_least(actual, minimum):
    """True when version ``actual`` is ``minimum`` or newer; VersionError when either is no version."""
    return compare(actual, minimum) >= 0
