# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check record every module reports through.

A check is a plain dict ``{status, msg, expected, actual, remedy}``. ``status`` is one of
``pass``, ``warn``, ``fail`` or ``unknown``. The overall status of a set of checks is
``fail`` if any check fails, else ``warn`` if any check is ``warn`` or ``unknown``, else
``pass``. Skipped checks (``skipped``) never raise the overall status.

This module never imports AnsibleModule: it is plain data, shared by the node-side modules,
the cluster module and the report filters. Public: other collections may import it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PASS = 'pass'
WARN = 'warn'
FAIL = 'fail'
UNKNOWN = 'unknown'
SKIPPED = 'skipped'

STATUSES = (PASS, WARN, FAIL, UNKNOWN)

# How much a status weighs when several are combined: fail > warn/unknown > pass/skipped.
SEVERITY = {PASS: 0, SKIPPED: 0, WARN: 1, UNKNOWN: 1, FAIL: 2}


def make_check(status, msg, expected=None, actual=None, remedy=None):
    """Return one check record.

    ``expected`` and ``actual`` are short human-readable values (strings, numbers, lists);
    ``remedy`` is what the operator can do, or None when nothing is to be done.
    """
    if status not in SEVERITY:
        raise ValueError('unknown check status %r' % (status,))
    return {
        'status': status,
        'msg': msg,
        'expected': expected,
        'actual': actual,
        'remedy': remedy,
    }


def overall_status(checks):
    """Combine a dict (or iterable) of checks into one status."""
    values = checks.values() if isinstance(checks, dict) else checks
    worst = 0
    for check in values:
        worst = max(worst, SEVERITY.get(check.get('status'), 1))
    if worst == 2:
        return FAIL
    if worst == 1:
        return WARN
    return PASS


def skip_checks(checks, skip_ids, reason='skipped by the skip list'):
    """Return a copy of ``checks`` with the ids in ``skip_ids`` marked ``skipped``.

    The original status is kept in ``skipped_status`` so a report can still show it.
    """
    result = {}
    skip = set(skip_ids or ())
    for check_id, check in checks.items():
        if check_id in skip:
            check = dict(check)
            check['skipped_status'] = check.get('status')
            check['status'] = SKIPPED
            check['msg'] = '%s (%s)' % (check.get('msg'), reason)
        result[check_id] = check
    return result


def summary(checks):
    """One line for a dict of checks: the overall status and the ids of the checks that did not pass,
    worst first, e.g. ``fail: kernel_version fails; kernel_headers, memory warn``."""
    by_status = {}
    for check_id in sorted(checks):
        by_status.setdefault(checks[check_id].get('status'), []).append(check_id)
    words = {FAIL: ('fails', 'fail'), UNKNOWN: ('unknown', 'unknown'), WARN: ('warns', 'warn')}
    parts = []
    for status in (FAIL, UNKNOWN, WARN):
        ids = by_status.get(status)
        if ids:
            parts.append('%s %s' % (', '.join(ids), words[status][0 if len(ids) == 1 else 1]))
    return '%s: %s' % (overall_status(checks), '; '.join(parts) if parts else 'every check passes')
