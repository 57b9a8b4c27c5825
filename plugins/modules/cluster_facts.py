#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: cluster_facts
short_description: Check a Kubernetes cluster against Pixie's cluster requirements, as a fact (deprecated)
version_added: 0.1.0
deprecated:
  removed_in: 1.0.0
  why: The cluster is not a fact of the host the module runs on; fact caches would keep it as one.
  alternative: Use M(pixie_ops.preflight.cluster_info) and register its result.
description:
  - Exactly M(pixie_ops.preflight.cluster_info), with the result returned as the fact C(pixie_cluster) instead
    of as RV(ansible_facts.pixie_cluster)'s registered key C(cluster).
author:
  - pixie_ops.preflight contributors (@pixie-ops)
extends_documentation_fragment:
  - pixie_ops.preflight.cluster
  - pixie_ops.preflight.attributes
  - pixie_ops.preflight.attributes.facts
seealso:
  - module: pixie_ops.preflight.cluster_info
    description: The same checks, returned for O(ignore:register).
'''

EXAMPLES = r'''
- name: Check the cluster of the current kubeconfig context (use pixie_ops.preflight.cluster_info instead)
  pixie_ops.preflight.cluster_facts:
'''

RETURN = r'''
ansible_facts:
  description: The facts gathered.
  returned: always
  type: complex
  contains:
    pixie_cluster:
      description: What M(pixie_ops.preflight.cluster_info) returns as RV(pixie_ops.preflight.cluster_info#module:cluster).
      returned: always
      type: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule

# First of this collection's module_utils: the others are then compiled once on a node, not twice.
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _compile_once  # noqa: F401 pylint: disable=unused-import
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _cluster
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import UsageError


def main():
    module = AnsibleModule(argument_spec=_cluster.argument_spec(), supports_check_mode=True)
    try:
        module.exit_json(changed=False, ansible_facts={'pixie_cluster': _cluster.from_module(module, os.environ)})
    except UsageError as exc:
        module.fail_json(msg=str(exc))


if __name__ == '__main__':
    main()
