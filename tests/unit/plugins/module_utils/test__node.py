# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node as node
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import UsageError
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements

GOOD_CONFIG = ''.join('%s=y\n' % name for name in requirements.REQUIRED_KERNEL_CONFIG)
UBUNTU_2204 = ('PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\n'
               'ID_LIKE=debian\n')
RELEASE = '5.15.0-1019-aws'


def write(root, path, text):
    full = os.path.join(root, path.lstrip('/'))
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    if path.endswith('.gz'):
        with gzip.open(full, 'wt') as handle:
            handle.write(text)
    else:
        with open(full, 'w') as handle:
            handle.write(text)


def make_node(root, release=RELEASE, os_release=UBUNTU_2204, mem_kb=16 * 1024 * 1024, arch='x86_64',
              config=GOOD_CONFIG, headers=True, apt=True, extra=None):
    """A host_root tree shaped like a real node (only the files node_facts reads)."""
    root = str(root)
    write(root, '/proc/sys/kernel/ostype', 'Linux\n')
    if release is not None:
        write(root, '/proc/sys/kernel/osrelease', release + '\n')
    if arch is not None:
        write(root, '/proc/sys/kernel/arch', arch + '\n')
    if os_release is not None:
        write(root, '/etc/os-release', os_release)
    if mem_kb is not None:
        write(root, '/proc/meminfo', 'MemTotal:       %d kB\nMemFree:         1000 kB\n'
                                     'MemAvailable:    %d kB\n' % (mem_kb, mem_kb // 2))
    if config is not None:
        write(root, '/boot/config-%s' % release, config)
    if headers:
        os.makedirs(os.path.join(root, 'usr/src/linux-headers-%s/include' % release))
        os.makedirs(os.path.join(root, 'lib/modules/%s' % release))
        os.symlink('/usr/src/linux-headers-%s' % release, os.path.join(root, 'lib/modules/%s/build' % release))
    if apt:
        write(root, '/usr/bin/apt-get', '')
    for path, text in (extra or {}).items():
        write(root, path, text)
    return root


def statuses(facts):
    return dict((key, value['status']) for key, value in facts['checks'].items())


def test_healthy_node_passes(tmp_path):
    facts = node.node_facts(make_node(tmp_path))
    assert statuses(facts) == dict.fromkeys(node.CHECK_IDS, 'pass')
    assert facts['status'] == 'pass'
    assert facts['kernel_version'] == '5.15.0'
    assert facts['distribution']['id'] == 'ubuntu'
    assert facts['memory_mib'] == {'total': 16384, 'available': 8192}
    assert facts['kernel_config_path'] == '/boot/config-%s' % RELEASE
    assert facts['kernel_headers_path'] == '/usr/src/linux-headers-%s' % RELEASE
    assert facts['package_manager'] == 'apt'
    assert facts['headers_packages'] == ['linux-headers-%s' % RELEASE]
    assert facts['container'] is None and facts['lockdown'] is None


def test_every_check_has_the_record_shape(tmp_path):
    facts = node.node_facts(make_node(tmp_path))
    for check_id, check in facts['checks'].items():
        assert set(check) == {'status', 'msg', 'expected', 'actual', 'remedy'}, check_id
        assert check['msg']


@pytest.mark.parametrize('kwargs, check_id, status, overall', [
    (dict(release='4.9.0-19-amd64'), 'kernel_version', 'fail', 'fail'),
    (dict(release='4.14.0'), 'kernel_version', 'pass', 'pass'),
    (dict(release='garbage-release'), 'kernel_version', 'unknown', 'warn'),
    (dict(arch='aarch64'), 'architecture', 'fail', 'fail'),
    (dict(mem_kb=900 * 1024), 'memory', 'fail', 'fail'),
    (dict(mem_kb=2048 * 1024), 'memory', 'warn', 'warn'),
    (dict(mem_kb=None), 'memory', 'unknown', 'warn'),
    (dict(os_release=None), 'distribution', 'unknown', 'warn'),
    (dict(os_release='ID=ubuntu\nVERSION_ID="16.04"\n'), 'distribution', 'warn', 'warn'),
    (dict(os_release='ID=rocky\nVERSION_ID="9.3"\nID_LIKE="rhel centos fedora"\n'), 'distribution', 'pass', 'pass'),
    (dict(os_release='ID=centos\nVERSION_ID="7"\n'), 'distribution', 'warn', 'warn'),
    (dict(os_release='ID=amzn\nVERSION_ID="2023"\n'), 'distribution', 'warn', 'warn'),
    (dict(os_release='ID=debian\n'), 'distribution', 'unknown', 'warn'),       # testing/sid: no version, not older
    (dict(headers=False), 'kernel_headers', 'warn', 'warn'),
    (dict(headers=False, config=None), 'kernel_headers', 'fail', 'fail'),
    (dict(config=None), 'kernel_config', 'unknown', 'warn'),
    (dict(config=GOOD_CONFIG.replace('CONFIG_UPROBES=y', '# CONFIG_UPROBES is not set')),
     'kernel_config', 'fail', 'fail'),
    (dict(extra={'/.dockerenv': ''}), 'container', 'fail', 'fail'),
    (dict(extra={'/sys/kernel/security/lockdown': 'none [integrity] confidentiality\n'}), 'lockdown', 'pass', 'pass'),
    (dict(extra={'/sys/kernel/security/lockdown': 'none integrity [confidentiality]\n'}), 'lockdown', 'fail', 'fail'),
    (dict(extra={'/proc/sys/kernel/ostype': 'FreeBSD\n'}), 'os', 'fail', 'fail'),
])
def test_rules(tmp_path, kwargs, check_id, status, overall):
    facts = node.node_facts(make_node(tmp_path, **kwargs))
    assert facts['checks'][check_id]['status'] == status, facts['checks'][check_id]
    others = dict((key, value) for key, value in statuses(facts).items() if key != check_id)
    assert set(others.values()) <= {'pass'} or check_id in ('kernel_headers', 'kernel_config'), others
    assert facts['status'] == overall


def test_headers_warning_names_the_packages(tmp_path):
    check = node.node_facts(make_node(tmp_path, headers=False))['checks']['kernel_headers']
    assert 'linux-headers-%s' % RELEASE in check['remedy']
    assert '/boot/config-%s' % RELEASE in check['msg']


def test_thresholds_are_options(tmp_path):
    root = make_node(tmp_path, release='5.4.0-150-generic', arch='aarch64', mem_kb=6 * 1024 * 1024)
    facts = node.node_facts(root, min_kernel_version='5.10', recommended_memory_mib=8192,
                            supported_architectures=['amd64', 'arm64'],
                            tested_distributions={'ubuntu': '24.04'})
    assert statuses(facts)['kernel_version'] == 'fail'
    assert statuses(facts)['memory'] == 'warn'
    assert statuses(facts)['architecture'] == 'pass'     # arm64 is aarch64
    assert statuses(facts)['distribution'] == 'warn'


def test_kernel_release_option_wins(tmp_path):
    root = make_node(tmp_path, release='6.1.0-28-amd64', headers=False)
    facts = node.node_facts(root, kernel_release=RELEASE)
    assert facts['kernel_release'] == RELEASE
    assert facts['kernel_release_source'] == 'option kernel_release'
    assert facts['headers_packages'] == ['linux-headers-%s' % RELEASE]


def test_proc_config_is_not_used_for_another_kernel(tmp_path):
    root = make_node(tmp_path, release='6.1.0-28-amd64', config=None, headers=False,
                     extra={'/proc/config.gz': GOOD_CONFIG})
    running = node.node_facts(root)
    assert running['kernel_release_running'] is True
    assert running['kernel_config_path'] == '/proc/config.gz'
    other = node.node_facts(root, kernel_release='6.1.0-99-amd64')
    assert other['kernel_release_running'] is False
    assert other['kernel_config_path'] is None
    assert other['checks']['kernel_config']['status'] == 'unknown'
    assert '/proc/config.gz' not in other['checks']['kernel_config']['msg']
    write(root, '/usr/src/linux-headers-6.1.0-99-amd64/.config', GOOD_CONFIG)   # Debian's headers ship it
    assert node.node_facts(root, kernel_release='6.1.0-99-amd64')['kernel_config_path'] == \
        '/usr/src/linux-headers-6.1.0-99-amd64/.config'


def test_empty_tree_reports_without_raising(tmp_path):
    facts = node.node_facts(str(tmp_path))
    assert set(facts['checks']) == set(node.CHECK_IDS)
    assert facts['kernel_release'] is None
    assert statuses(facts)['kernel_version'] == 'unknown'
    assert statuses(facts)['kernel_headers'] == 'unknown'
    assert statuses(facts)['distribution'] == 'unknown'
    assert facts['package_manager'] == 'none' and facts['headers_packages'] == []


@pytest.mark.parametrize('options, message', [
    (dict(min_kernel_version='latest'), 'min_kernel_version'),
    (dict(min_memory_mib=-1), 'min_memory_mib'),
    (dict(min_memory_mib=4096, recommended_memory_mib=1024), 'recommended_memory_mib'),
    (dict(supported_architectures=[]), 'supported_architectures'),
    (dict(tested_distributions={'ubuntu': 'jammy'}), 'tested_distributions[ubuntu]'),
])
def test_misuse_is_named(tmp_path, options, message):
    with pytest.raises(UsageError) as exc:
        node.node_facts(str(tmp_path), **options)
    assert message in str(exc.value)


def test_host_root_must_be_a_directory(tmp_path):
    with pytest.raises(UsageError, match='not a directory'):
        node.node_facts(str(tmp_path / 'missing'))


@pytest.mark.parametrize('text, expected', [
    ('MemTotal:       16314204 kB\nMemFree:  100 kB\nMemAvailable:   12011000 kB\n', {'total': 15931, 'available': 11729}),
    # Linux < 3.14 has no MemAvailable: free + buffers + cached
    ('MemTotal: 2097152 kB\nMemFree: 524288 kB\nBuffers: 262144 kB\nCached: 262144 kB\n', {'total': 2048, 'available': 1024}),
    ('MemFree: 1 kB\n', None),
    ('garbage\nMemTotal: lots kB\n', None),
])
def test_parse_meminfo(text, expected):
    assert node.parse_meminfo(text) == expected


@pytest.mark.parametrize('text, expected', [
    ('[none] integrity confidentiality', 'none'), ('none integrity [confidentiality]', 'confidentiality'),
    ('', None), ('garbage', None),
])
def test_parse_lockdown(text, expected):
    assert node.parse_lockdown(text) == expected


def test_live_node_is_this_machine():
    """The module on '/' reports what this machine really is."""
    facts = node.node_facts('/')
    with open('/proc/sys/kernel/osrelease') as handle:
        assert facts['kernel_release'] == handle.read().strip()
    assert facts['architecture'] == os.uname().machine
    with open('/proc/meminfo') as handle:
        total_kb = int(handle.readline().split()[1])
    assert facts['memory_mib']['total'] == total_kb // 1024
    if os.path.exists('/.dockerenv'):
        assert facts['container'] is not None
        assert facts['checks']['container']['status'] == 'fail'


def _egress_options(**overrides):
    options = dict(host='127.0.0.1', port=9, timeout=2.0, proxy=None, use_proxy=False, ca_path=None,
                   validate_certs=True, require_http2=True)
    options.update(overrides)
    return options


def _closed_port():
    import socket
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_egress_in_the_same_run(tmp_path):
    facts = node.node_facts(make_node(tmp_path), egress=_egress_options(port=_closed_port()), environ={})
    assert facts['egress']['stage'] == 'connect'
    assert facts['checks']['egress']['status'] == 'fail'
    assert facts['status'] == 'fail'
    assert set(facts['checks']) == set(node.CHECK_IDS) | {'egress'}


def test_no_egress_without_the_option(tmp_path):
    facts = node.node_facts(make_node(tmp_path))
    assert 'egress' not in facts and 'egress' not in facts['checks']


@pytest.mark.parametrize('overrides, message', [
    (dict(host=' '), 'egress: host must not be empty'),
    (dict(port=70000), 'egress: port must be between 1 and 65535'),
    (dict(proxy='socks5://127.0.0.1:1080', use_proxy=True), 'egress: proxy:'),
])
def test_egress_misuse(tmp_path, overrides, message):
    with pytest.raises(UsageError) as exc:
        node.node_facts(make_node(tmp_path), egress=_egress_options(**overrides), environ={})
    assert str(exc.value).startswith(message)


@pytest.mark.parametrize('text', ['MemTotal: 8 TB\n', 'MemTotal: 8 pages\nMemAvailable: 1 kB\n'])
def test_meminfo_with_a_unit_nobody_writes_is_not_read_as_bytes(text):
    """'MemTotal: 8 TB' used to be 8 bytes (a fail); a unit the kernel never writes is no reading at all."""
    assert node.parse_meminfo(text) is None
