# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_facts through AnsibleModule: module arguments in, exit_json/fail_json out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.pixie_ops.preflight.plugins.modules import node_facts


@pytest.fixture
def run(run_main):
    return lambda args: run_main(node_facts.main, args)


def _tree(root):
    files = {
        'proc/sys/kernel/osrelease': '6.1.0-28-cloud-amd64\n',
        'proc/sys/kernel/arch': 'x86_64\n',
        'proc/sys/kernel/ostype': 'Linux\n',
        'proc/meminfo': 'MemTotal:        2014464 kB\nMemAvailable:    1500000 kB\n',
        'etc/os-release': 'ID=debian\nVERSION_ID="12"\nNAME="Debian GNU/Linux"\n',
        'usr/bin/apt-get': '',
    }
    for path, text in files.items():
        full = os.path.join(str(root), path)
        if not os.path.isdir(os.path.dirname(full)):
            os.makedirs(os.path.dirname(full))
        with open(full, 'w') as handle:
            handle.write(text)
    return str(root)


def test_facts_for_a_tree(run, tmp_path):
    outcome = run({'host_root': _tree(tmp_path), '_ansible_check_mode': True})
    assert outcome.kind == 'exit'
    assert outcome.result['changed'] is False
    fact = outcome.result['ansible_facts']['pixie_node']
    assert fact['kernel_release'] == '6.1.0-28-cloud-amd64'
    assert fact['distribution']['id'] == 'debian'
    assert fact['memory_mib']['total'] == 1967
    assert fact['headers_packages'] == ['linux-headers-6.1.0-28-cloud-amd64']
    assert fact['checks']['memory']['status'] == 'warn'
    assert fact['checks']['kernel_headers']['status'] == 'fail'     # no headers, no config
    assert fact['status'] == 'fail'
    assert outcome.result['msg'].startswith('fail: ') and 'kernel_headers' in outcome.result['msg']
    json.dumps(outcome.result)                                       # the result is plain JSON


def test_thresholds_from_arguments(run, tmp_path):
    outcome = run({'host_root': _tree(tmp_path), 'min_memory_mib': 512, 'recommended_memory_mib': 1024,
                   'min_kernel_version': '6.2', 'tested_distributions': {'debian': 13}})
    checks = outcome.result['ansible_facts']['pixie_node']['checks']
    assert checks['memory']['status'] == 'pass'
    assert checks['kernel_version']['status'] == 'fail'
    assert checks['distribution']['status'] == 'warn'


@pytest.mark.parametrize('args, message', [
    ({'min_kernel_version': 'newest'}, 'min_kernel_version'),
    ({'recommended_memory_mib': 10, 'min_memory_mib': 20}, 'recommended_memory_mib'),
    ({'host_root': '/nonexistent/pixie-preflight'}, 'host_root /nonexistent/pixie-preflight is not a directory'),
    ({'no_such_option': 1}, 'no_such_option'),
    ({'min_memory_mib': 'lots'}, 'min_memory_mib'),
])
def test_misuse_fails_with_a_message(run, args, message):
    outcome = run(args)
    assert outcome.kind == 'fail'
    assert message in outcome.result['msg']


@pytest.mark.parametrize('enabled, probed', [(True, True), ('yes', True), (False, False), ('false', False)])
def test_egress_enabled_turns_the_probe_on_and_off(run, tmp_path, enabled, probed):
    """The role always passes egress and turns it off with egress.enabled (a bool the module converts)."""
    outcome = run({'host_root': _tree(tmp_path),
                   'egress': {'enabled': enabled, 'host': 'pixie-preflight.invalid', 'timeout': 2}})
    assert outcome.kind == 'exit'
    fact = outcome.result['ansible_facts']['pixie_node']
    assert ('egress' in fact['checks']) is probed and ('egress' in fact) is probed
    if probed:
        assert fact['checks']['egress']['status'] == 'fail'       # .invalid never resolves


def test_a_bad_egress_enabled_is_misuse(run, tmp_path):
    outcome = run({'host_root': _tree(tmp_path), 'egress': {'enabled': 'perhaps'}})
    assert outcome.kind == 'fail' and 'enabled' in outcome.result['msg']


def test_defaults_in_documentation_match_requirements(module_doc):
    from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
    options = module_doc(node_facts)['options']
    assert options['min_kernel_version']['default'] == requirements.MIN_KERNEL_VERSION
    assert options['min_memory_mib']['default'] == requirements.MIN_MEMORY_MIB
    assert options['recommended_memory_mib']['default'] == requirements.RECOMMENDED_MEMORY_MIB
    assert options['supported_architectures']['default'] == requirements.SUPPORTED_ARCHITECTURES
    assert options['tested_distributions']['default'] == requirements.TESTED_DISTRIBUTIONS


def test_egress_suboptions_are_the_egress_info_options(module_doc):
    """node_facts' egress option documents exactly what egress_info documents, from one fragment."""
    from ansible_collections.pixie_ops.preflight.plugins.module_utils import _egress
    from ansible_collections.pixie_ops.preflight.plugins.modules import egress_info
    suboptions = module_doc(node_facts)['options']['egress']['suboptions']
    assert sorted(suboptions) == sorted(list(_egress.argument_spec()) + ['enabled'])
    assert (suboptions['enabled']['type'], suboptions['enabled']['default']) == ('bool', True)
    top = module_doc(egress_info)['options']
    for name, option in [item for item in suboptions.items() if item[0] != 'enabled']:
        assert (option['type'], option.get('default')) == (top[name]['type'], top[name].get('default')), name
    assert 'O(egress.host)' in ' '.join(suboptions['proxy']['description'])
    assert 'O(host)' in ' '.join(top['proxy']['description'])
