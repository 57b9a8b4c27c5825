# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_pods through AnsibleModule: misuse and an unusable cluster fail with a message that names
them; and every default of pod mode is defined once (module_utils/_node_pods.py) and shown the same in
the module documentation, the role's defaults, its argument specs and the README."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node_pods as pods
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node_pods_run
from ansible_collections.pixie_ops.preflight.plugins.modules import node_pods

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..')
ROLE = os.path.join(ROOT, 'roles', 'pixie_preflight')

# module option -> (role variable, the one definition)
DEFAULTS = {
    'namespace': ('pixie_preflight_pods_namespace', pods.NAMESPACE),
    'create_namespace': ('pixie_preflight_pods_create_namespace', True),
    'image': ('pixie_preflight_pods_image', pods.IMAGE),
    'image_pull_secrets': ('pixie_preflight_pods_image_pull_secrets', []),
    'start_timeout': ('pixie_preflight_pods_start_timeout', pods.START_TIMEOUT),
    'lifetime': ('pixie_preflight_pods_lifetime', pods.LIFETIME),
    'host_network': ('pixie_preflight_pods_egress_host_network', False),
}


def _yaml(*parts):
    with open(os.path.join(*parts)) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize('option', sorted(DEFAULTS))
def test_every_place_shows_the_same_default(option, module_doc):
    variable, value = DEFAULTS[option]
    assert _node_pods_run.argument_spec()[option]['default'] == value
    assert module_doc(node_pods)['options'][option]['default'] == value
    assert _yaml(ROLE, 'defaults', 'main.yml')[variable] == value
    specs = _yaml(ROLE, 'meta', 'argument_specs.yml')['argument_specs']
    shown = [name for name, spec in specs.items() if variable in spec.get('options', {})]
    assert 'pods' in shown
    for name in shown:
        assert specs[name]['options'][variable]['default'] == value, name
    with open(os.path.join(ROOT, 'README.md')) as handle:
        rows = dict(re.findall(r'^\| `(pixie_preflight_pods_[a-z_]+)` \| `([^`]*)` \|', handle.read(), re.MULTILINE))
    assert yaml.safe_load(rows[variable]) == value


def test_documented_options_are_the_argument_spec(module_doc):
    assert sorted(module_doc(node_pods)['options']) == sorted(_node_pods_run.argument_spec())


def test_misuse_fails_naming_the_option(run_main):
    result = run_main(node_pods.main, {'lifetime': 5})
    assert result.kind == 'fail' and 'option lifetime' in result.result['msg']


def test_no_kubectl_fails_saying_so(run_main, monkeypatch):
    monkeypatch.setenv('PATH', '/nonexistent')
    result = run_main(node_pods.main, {'kubectl': '/nonexistent/kubectl'})
    assert result.kind == 'fail'
    assert result.result['msg'].startswith('the preflight pods could not be managed: kubectl /nonexistent/kubectl')
