# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Every module of this collection only reads.
    DOCUMENTATION = r'''
attributes:
  check_mode:
    description: The module only reads; it runs the same in check mode.
    support: full
  diff_mode:
    description: The module changes nothing, so there is no diff.
    support: none
'''

    # A module that returns its result as host facts.
    FACTS = r'''
attributes:
  facts:
    description: The module returns its result under C(ansible_facts).
    support: full
'''
