# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks


def _checks(**statuses):
    return dict((check_id, checks.make_check(status, 'msg of %s' % check_id)) for check_id, status in statuses.items())


def test_summary_names_what_did_not_pass_worst_first():
    assert checks.summary(_checks(os='pass', memory='warn', kernel_headers='warn', kernel_version='fail',
                                  lockdown='unknown')) == \
        'fail: kernel_version fails; lockdown unknown; kernel_headers, memory warn'
    assert checks.summary(_checks(kernel_headers='warn', os='pass')) == 'warn: kernel_headers warns'
    assert checks.summary(_checks(a='fail', b='fail')) == 'fail: a, b fail'


def test_summary_of_passing_and_skipped_checks():
    assert checks.summary(_checks(os='pass', egress='skipped')) == 'pass: every check passes'
    assert checks.summary({}) == 'pass: every check passes'
