# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes resource quantities (``7807840Ki``, ``2Gi``, ``129e6``, ``1500M``) as numbers.

Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import QuantityError

_QUANTITY_RE = re.compile(
    r'^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E))?\s*$')
_BINARY_SUFFIXES = {'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60}
_DECIMAL_SUFFIXES = {'n': -9, 'u': -6, 'm': -3, 'k': 3, 'M': 6, 'G': 9, 'T': 12, 'P': 15, 'E': 18}


def parse_quantity(text):
    """Bytes (an int) from a Kubernetes resource quantity; QuantityError when it is not one."""
    match = _QUANTITY_RE.match(str(text))
    if not match:
        raise QuantityError('not a Kubernetes quantity: %r' % (text,))
    number, binary, exponent, decimal = match.groups()
    value = float(number)
    if binary:
        value *= _BINARY_SUFFIXES[binary]
    elif exponent:
        value *= 10 ** int(exponent[1:])
    elif decimal:
        value *= 10 ** _DECIMAL_SUFFIXES[decimal]
    return int(value)
