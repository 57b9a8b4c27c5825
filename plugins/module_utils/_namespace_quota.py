# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``namespace_quota`` check: do the ResourceQuotas and LimitRanges of Pixie's namespace leave room
for one PEM pod per Linux node, each with Pixie's PEM memory limit and request (2Gi by default)?

Pure logic over the List objects the API server returned. Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils._admission_pod import memory_bytes
from ansible_collections.pixie_ops.preflight.plugins.module_utils._quantities import parse_quantity

_MIB = 2 ** 20
_GIB = 2 ** 30


def _mib(value):
    return '%d MiB' % (value // _MIB) if value % _GIB else '%d GiB' % (value // _GIB)


def _name(item):
    return (item.get('metadata') or {}).get('name')


def _limit_range_problems(limit_ranges, need, memory_limit, problems, notes):
    for item in (limit_ranges or {}).get('items') or []:
        for limit in (item.get('spec') or {}).get('limits') or []:
            maximum = (limit.get('max') or {}).get('memory')
            if limit.get('type') not in ('Container', 'Pod') or maximum is None:
                continue
            try:
                if parse_quantity(maximum) < need:
                    problems.append(('limitrange', 'LimitRange %s caps a %s\'s memory at %s, below the PEM\'s %s'
                                     % (_name(item), limit['type'].lower(), maximum, memory_limit)))
            except ValueError:
                notes.append('LimitRange %s has an unreadable max memory %r' % (_name(item), maximum))


def _quota_memory_problems(item, hard, used, need, memory_limit, pem_pods, problems, notes):
    for key in ('limits.memory', 'requests.memory', 'memory'):
        if key not in hard:
            continue
        try:
            room = parse_quantity(hard[key]) - parse_quantity(used.get(key, '0'))
        except ValueError:
            notes.append('ResourceQuota %s has an unreadable %s' % (_name(item), key))
            continue
        fits = max(0, room // need)
        if fits < pem_pods:
            problems.append(('quota', 'ResourceQuota %s leaves %s of %s (hard %s, used %s): room for %d of the %d '
                             'PEM pods of %s' % (_name(item), _mib(max(0, room)), key, hard[key], used.get(key, '0'),
                                                 fits, pem_pods, memory_limit)))


def _quota_problems(quotas, need, memory_limit, pem_pods, problems, notes):
    for item in (quotas or {}).get('items') or []:
        hard = (item.get('status') or {}).get('hard') or (item.get('spec') or {}).get('hard') or {}
        used = (item.get('status') or {}).get('used') or {}
        _quota_memory_problems(item, hard, used, need, memory_limit, pem_pods, problems, notes)
        for key in ('pods', 'count/pods'):
            if key not in hard:
                continue
            try:
                room = int(hard[key]) - int(used.get(key, '0'))
            except ValueError:
                continue
            if room < pem_pods:
                problems.append(('quota', 'ResourceQuota %s leaves room for %d more pods, fewer than the %d PEM '
                                 'pods' % (_name(item), max(0, room), pem_pods)))


def _remedies(namespace, memory_limit, need, pem_pods):
    """``{'quota': ..., 'limitrange': ...}``: what to do about each."""
    return {
        'quota': ('Raise the quota\'s memory in %s to at least %s for the PEMs plus Pixie\'s other pods, or '
                  'deploy with a smaller PEM memory limit (pemMemoryLimit; 1Gi is the smallest Pixie '
                  'recommends).' % (namespace, _mib(need * pem_pods))),
        'limitrange': ('Raise the LimitRange\'s maximum memory per container in %s to at least %s, or deploy with '
                       'a PEM memory limit (pemMemoryLimit) at or below that maximum.' % (namespace, memory_limit)),
    }


def _from_lists(namespace, quotas, limit_ranges, memory_limit, pem_pods, expected, remedies):
    need = memory_bytes(memory_limit)
    problems, notes = [], []
    _limit_range_problems(limit_ranges, need, memory_limit, problems, notes)
    _quota_problems(quotas, need, memory_limit, pem_pods, problems, notes)
    if problems:
        kinds = set(kind for kind, dummy in problems)
        remedy = ' '.join(remedies[kind] for kind in ('limitrange', 'quota') if kind in kinds)
        return checks.make_check(checks.FAIL, '; '.join([text for dummy, text in problems] + notes),
                                 expected, [text for dummy, text in problems], remedy)
    names = [_name(i) for i in (quotas or {}).get('items') or []] + \
        [_name(i) for i in (limit_ranges or {}).get('items') or []]
    if not names:
        return checks.make_check(checks.PASS, 'no ResourceQuota or LimitRange in %s' % namespace, expected, [])
    msg = 'the ResourceQuotas and LimitRanges of %s (%s) leave room for %d PEM pod(s) of %s' % (
        namespace, ', '.join(names), pem_pods, memory_limit)
    if notes:
        msg += '; but %s' % '; '.join(notes)
    return checks.make_check(checks.UNKNOWN if notes else checks.PASS, msg, expected, names)


def check_namespace_quota(namespace, exists, quotas, limit_ranges, memory_limit, pem_pods, verdict=None,
                          error=None):
    """ResourceQuota and LimitRange of ``namespace`` against ``pem_pods`` PEMs of ``memory_limit`` each.

    ``quotas``/``limit_ranges`` are the List objects (None when not read: ``error`` says why);
    ``verdict`` the classified dry-run rejection, when the dry run was rejected by one of them.
    """
    need = memory_bytes(memory_limit)
    expected = 'room for %d PEM pod(s) of %s memory (one per Linux node)' % (pem_pods, memory_limit)
    remedies = _remedies(namespace, memory_limit, need, pem_pods)
    if verdict and verdict['kind'] in ('quota', 'limitrange'):
        return checks.make_check(
            checks.FAIL, 'the API server rejects the PEM pod in %s: %s' % (namespace, verdict['words']), expected,
            verdict['words'], remedies[verdict['kind']])
    if not exists:
        return checks.make_check(checks.PASS, 'namespace %s does not exist yet, so no ResourceQuota or LimitRange '
                                 'there caps the PEMs\' memory' % namespace, expected, 'no namespace')
    if error:
        return checks.make_check(checks.UNKNOWN, 'cannot read the ResourceQuotas and LimitRanges of %s: %s'
                                 % (namespace, error), expected)
    return _from_lists(namespace, quotas, limit_ranges, memory_limit, pem_pods, expected, remedies)
