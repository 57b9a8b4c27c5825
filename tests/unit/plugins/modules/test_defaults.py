# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each of Pixie's defaults is defined once, in module_utils/requirements.py, and every place that
shows it agrees: the module documentation (with its fragments) and argument specs, the role's
defaults and argument specs (every entry point), and the README's tables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _cluster
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _egress
from ansible_collections.pixie_ops.preflight.plugins.modules import cluster_facts
from ansible_collections.pixie_ops.preflight.plugins.modules import cluster_info
from ansible_collections.pixie_ops.preflight.plugins.modules import egress_info
from ansible_collections.pixie_ops.preflight.plugins.modules import node_facts

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..')
ROLE = os.path.join(ROOT, 'roles', 'pixie_preflight')

# requirements constant -> (role variable, [(module, option path)]).
SHOWN = {
    'MIN_KERNEL_VERSION': ('pixie_preflight_min_kernel_version',
                           [(node_facts, 'min_kernel_version'), (cluster_info, 'min_kernel_version'),
                            (cluster_facts, 'min_kernel_version')]),
    'MIN_MEMORY_MIB': ('pixie_preflight_min_memory_mib', [(node_facts, 'min_memory_mib')]),
    'RECOMMENDED_MEMORY_MIB': ('pixie_preflight_recommended_memory_mib', [(node_facts, 'recommended_memory_mib')]),
    'SUPPORTED_ARCHITECTURES': ('pixie_preflight_supported_architectures',
                                [(node_facts, 'supported_architectures'), (cluster_info, 'supported_architectures'),
                                 (cluster_facts, 'supported_architectures')]),
    'TESTED_DISTRIBUTIONS': ('pixie_preflight_tested_distributions', [(node_facts, 'tested_distributions')]),
    'CLOUD_HOST': ('pixie_preflight_cloud_host', [(egress_info, 'host'), (node_facts, 'egress.host')]),
    'CLOUD_PORT': ('pixie_preflight_cloud_port', [(egress_info, 'port'), (node_facts, 'egress.port')]),
    'EGRESS_TIMEOUT': ('pixie_preflight_egress_timeout', [(egress_info, 'timeout'), (node_facts, 'egress.timeout')]),
    'MIN_K8S_VERSION': ('pixie_preflight_min_k8s_version',
                        [(cluster_info, 'min_k8s_version'), (cluster_facts, 'min_k8s_version')]),
    'KUBECTL_TIMEOUT': ('pixie_preflight_kubectl_timeout', [(cluster_info, 'timeout'), (cluster_facts, 'timeout')]),
    'PIXIE_NAMESPACE': ('pixie_preflight_namespace', [(cluster_info, 'namespace'), (cluster_facts, 'namespace')]),
    'PEM_MEMORY_LIMIT': ('pixie_preflight_pem_memory_limit',
                         [(cluster_info, 'pem_memory_limit'), (cluster_facts, 'pem_memory_limit')]),
}

# Role variables that deliberately differ from the module default, with the role's value and why
# (none today). The test fails when the role changes, so the entry is looked at again.
ROLE_DIFFERS = {}


def _same(shown, value):
    """A shown default equals the defined one (YAML may read 4.14 as a number, 10 as 10.0)."""
    if isinstance(value, str):
        return str(shown) == value
    if isinstance(value, dict):
        return isinstance(shown, dict) and dict((k, str(v)) for k, v in shown.items()) == value
    return shown == value


def _yaml(*parts):
    with open(os.path.join(*parts)) as handle:
        return yaml.safe_load(handle)


def _option(doc, path):
    option = {'suboptions': doc['options']}
    for part in path.split('.'):
        option = option['suboptions'][part]
    return option


def _readme_variables():
    with open(os.path.join(ROOT, 'README.md')) as handle:
        text = handle.read()
    found = {}
    for name, default in re.findall(r'^\| `(pixie_preflight_[a-z0-9_]+)` \| `([^`]*)` \|', text, re.MULTILINE):
        found[name] = yaml.safe_load(default)
    return text, found


@pytest.mark.parametrize('constant', sorted(SHOWN))
def test_module_documentation_shows_the_default(constant, module_doc):
    value = getattr(requirements, constant)
    for module, path in SHOWN[constant][1]:
        option = _option(module_doc(module), path)
        assert _same(option['default'], value), '%s %s' % (module.__name__, path)


def test_argument_specs_use_the_defaults():
    specs = {'egress': _egress.argument_spec(), 'cluster': _cluster.argument_spec()}
    assert specs['egress']['host']['default'] == requirements.CLOUD_HOST
    assert specs['egress']['port']['default'] == requirements.CLOUD_PORT
    assert specs['egress']['timeout']['default'] == requirements.EGRESS_TIMEOUT
    assert specs['cluster']['timeout']['default'] == requirements.KUBECTL_TIMEOUT
    assert specs['cluster']['min_k8s_version']['default'] == requirements.MIN_K8S_VERSION
    assert specs['cluster']['min_kernel_version']['default'] == requirements.MIN_KERNEL_VERSION
    assert specs['cluster']['supported_architectures']['default'] == requirements.SUPPORTED_ARCHITECTURES
    assert specs['cluster']['namespace']['default'] == requirements.PIXIE_NAMESPACE
    assert specs['cluster']['pem_memory_limit']['default'] == requirements.PEM_MEMORY_LIMIT


@pytest.mark.parametrize('constant', sorted(SHOWN))
def test_role_defaults_and_argument_specs_show_the_default(constant):
    value = getattr(requirements, constant)
    variable = SHOWN[constant][0]
    expected = ROLE_DIFFERS.get(variable, value)
    defaults = _yaml(ROLE, 'defaults', 'main.yml')
    assert _same(defaults[variable], expected), 'roles/pixie_preflight/defaults/main.yml: %s' % variable
    entry_points = _yaml(ROLE, 'meta', 'argument_specs.yml')['argument_specs']
    shown_in = [name for name, spec in entry_points.items() if variable in (spec.get('options') or {})]
    assert shown_in, variable
    for name in shown_in:
        assert _same(entry_points[name]['options'][variable]['default'], expected), \
            'roles/pixie_preflight/meta/argument_specs.yml, entry point %s: %s' % (name, variable)


@pytest.mark.parametrize('constant', sorted(SHOWN))
def test_readme_variable_table_shows_the_default(constant):
    value = getattr(requirements, constant)
    variable = SHOWN[constant][0]
    dummy, table = _readme_variables()
    assert variable in table, 'README.md variable table has no row for %s' % variable
    assert _same(table[variable], ROLE_DIFFERS.get(variable, value)), 'README.md: %s' % variable


def test_readme_check_tables_show_the_thresholds():
    text, dummy = _readme_variables()
    assert '`min_kernel_version` (%s)' % requirements.MIN_KERNEL_VERSION in text
    assert '`recommended_memory_mib` (%d)' % requirements.RECOMMENDED_MEMORY_MIB in text
    assert '`min_memory_mib` (%d)' % requirements.MIN_MEMORY_MIB in text
    assert '`min_k8s_version` (%s)' % requirements.MIN_K8S_VERSION in text
    assert "kernel ≥ %s" % requirements.MIN_KERNEL_VERSION in text
    assert 'and `/sys`) in `%s`:' % requirements.PIXIE_NAMESPACE in text
    quota_row = 'in `%s` rejects or caps the PEMs\' memory (%s each' % (requirements.PIXIE_NAMESPACE,
                                                                        requirements.PEM_MEMORY_LIMIT)
    assert quota_row in text
    tested = ', '.join('%s %s+' % (name, version) for name, version in (
        ('Ubuntu', requirements.TESTED_DISTRIBUTIONS['ubuntu']), ('Debian', requirements.TESTED_DISTRIBUTIONS['debian']),
        ('RHEL', requirements.TESTED_DISTRIBUTIONS['rhel']), ('COS', requirements.TESTED_DISTRIBUTIONS['cos'])))
    assert tested in text
    assert sorted(requirements.TESTED_DISTRIBUTIONS) == ['cos', 'debian', 'rhel', 'ubuntu']


def test_the_role_differences_are_still_differences():
    for variable, role_value in ROLE_DIFFERS.items():
        constant = [c for c, (v, dummy) in SHOWN.items() if v == variable][0]
        assert not _same(role_value, getattr(requirements, constant)), \
            '%s now agrees with requirements.%s: drop it from ROLE_DIFFERS' % (variable, constant)
