# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile and odd host roots (issue 10): a tree without proc/, os-release without VERSION_ID,
broken first kernel configs, numbers too long to be versions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import struct
import time

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _elf as elf
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _kernel as kernel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node as node
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _osrelease as osrelease
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import UsageError
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements

from test__node import GOOD_CONFIG, RELEASE, make_node, write  # noqa: E402  pylint: disable=import-error


def elf_header(machine, elf_class=2, data=1):
    """The first 64 bytes of an ELF program for ``machine`` (e_machine)."""
    order = '<' if data == 1 else '>'
    return (b'\x7fELF' + bytes([elf_class, data, 1, 0]) + b'\x00' * 8
            + struct.pack(order + 'HH', 2, machine) + b'\x00' * 44)


@pytest.mark.parametrize('header, arch', [
    (elf_header(62), 'x86_64'), (elf_header(183), 'aarch64'), (elf_header(3, 1), 'i386'),
    (elf_header(40, 1), 'armv7l'), (elf_header(21, 2, 1), 'ppc64le'), (elf_header(21, 2, 2), 'ppc64'),
    (elf_header(22, 2, 2), 's390x'), (elf_header(243), 'riscv64'), (elf_header(9999), None),
    (b'#!/bin/sh\n' + b'\x00' * 30, None), (b'\x7fELF', None), (elf_header(62, 3), None), (None, None),
])
def test_elf_architecture(header, arch):
    assert elf.elf_architecture(header) == arch


def tree_without_proc(root, machine=183, os_release='ID=debian\nVERSION_ID=12\nNAME="Debian GNU/Linux"\n'):
    """A mounted arm64 image: programs and /etc, no proc/ (/bin/sh a link to dash, as on Debian)."""
    root = str(root)
    write(root, '/usr/bin/dash', '')
    with open(os.path.join(root, 'usr/bin/dash'), 'wb') as handle:
        handle.write(elf_header(machine) + b'\x00' * 1000)
    os.makedirs(os.path.join(root, 'bin'))
    os.symlink('/usr/bin/dash', os.path.join(root, 'bin/sh'))
    if os_release:
        write(root, '/etc/os-release', os_release)
    return root


def test_a_tree_without_proc_is_told_by_its_own_files_not_by_this_machine(tmp_path):
    facts = node.node_facts(tree_without_proc(tmp_path))
    # This machine is x86_64 (or anything): the tree is arm64 and must say so.
    assert facts['architecture'] == 'aarch64'
    assert facts['architecture_source'] == 'ELF header of /bin/sh'
    assert facts['checks']['architecture']['status'] == 'fail'
    assert facts['os'] == 'Linux' and facts['os_source'] == 'os-release'
    assert facts['checks']['os']['status'] == 'pass'


def test_an_empty_tree_is_unknown_with_the_reason_never_this_machine(tmp_path):
    os.makedirs(str(tmp_path / 'etc'))
    facts = node.node_facts(str(tmp_path))
    assert facts['os'] is None and facts['architecture'] is None
    for check_id in ('os', 'architecture'):
        check = facts['checks'][check_id]
        assert check['status'] == 'unknown', check
        assert 'under the host root' in check['msg']


def test_a_bsd_tree_is_not_linux(tmp_path):
    facts = node.node_facts(tree_without_proc(tmp_path, 62, 'NAME=FreeBSD\nID=freebsd\nVERSION_ID=14.0\n'))
    assert facts['os'] == 'FreeBSD' and facts['checks']['os']['status'] == 'fail'


@pytest.mark.parametrize('text, status, version', [
    ('NAME="Container-Optimized OS"\nID=cos\nVERSION=101\nBUILD_ID=17162.40.11\n', 'pass', '101'),
    ('NAME="Container-Optimized OS"\nID=cos\nVERSION=69\nBUILD_ID=10895.0.0\n', 'warn', '69'),
    ('PRETTY_NAME="Debian GNU/Linux trixie/sid"\nNAME="Debian GNU/Linux"\nVERSION_CODENAME=trixie\nID=debian\n',
     'unknown', None),
    ('NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n', 'warn', None),
    ('ID=debian\nVERSION="12 (bookworm)"\n', 'pass', '12'),
    ('ID=ubuntu\nVERSION_ID="%s"\n' % ('9' * 5000), 'unknown', None),
])
def test_os_release_without_version_id_falls_back_and_never_says_older(tmp_path, text, status, version):
    facts = node.node_facts(make_node(tmp_path, os_release=text))
    check = facts['checks']['distribution']
    assert check['status'] == status, check
    assert facts['distribution']['version'] == version
    if version is None:
        assert 'older' not in check['msg']


def test_an_empty_or_broken_first_kernel_config_is_skipped(tmp_path):
    root = make_node(tmp_path)
    write(root, '/proc/config.gz', 'this is not gzip')
    write(root, '/proc/config', '')
    facts = node.node_facts(root)
    assert facts['kernel_config_path'] == '/boot/config-%s' % RELEASE
    assert facts['checks']['kernel_config']['status'] == 'pass'
    write(root, '/proc/config', '\n\n garbage without any option line\n')
    assert node.node_facts(root)['kernel_config_path'] == '/boot/config-%s' % RELEASE


def test_a_config_of_blank_lines_up_to_the_cap_is_read_in_linear_time(tmp_path):
    path = str(tmp_path / 'config')
    with open(path, 'w') as handle:
        handle.write('\n' * (kernel.MAX_CONFIG_BYTES - len(GOOD_CONFIG)) + GOOD_CONFIG)
    started = time.monotonic()
    options = kernel.config_options(kernel.read_config_file(path), requirements.REQUIRED_KERNEL_CONFIG)
    elapsed = time.monotonic() - started
    print('16 MiB kernel config of blank lines: %.2f s' % elapsed)
    assert kernel.missing_config_options(options, requirements.REQUIRED_KERNEL_CONFIG) == []
    assert elapsed < 10, 'the issue measured 17-31 s; a linear scan takes well under a second'


def test_config_lines_with_crlf_and_blanks():
    assert kernel.config_options('CONFIG_A=y\r\n  CONFIG_B=m  \r\n# CONFIG_C is not set\r\n\r\n',
                                 ['CONFIG_A', 'CONFIG_B', 'CONFIG_C', 'CONFIG_D']) == {
        'CONFIG_A': 'y', 'CONFIG_B': 'm', 'CONFIG_C': 'n'}


@pytest.mark.parametrize('text', ['99999999999999999999.1', '5.99999999999.0', '1' * 5000, '٣.١٠'])
def test_numbers_too_long_or_not_ascii_are_no_version(text):
    assert versions.try_parse(text) is None
    assert versions.normalize(text) is None


def test_a_kernel_release_read_by_prefix_is_unknown(tmp_path):
    facts = node.node_facts(make_node(tmp_path, release='99999999999999999999.1'))
    assert facts['checks']['kernel_version']['status'] == 'unknown'


@pytest.mark.parametrize('thresholds', [
    {'tested_distributions': {'debian': 10 ** 5000}}, {'min_memory_mib': 10 ** 5000},
    {'min_kernel_version': 10 ** 5000}, {'tested_distributions': {'debian': '1' * 5000}},
])
def test_integers_past_the_digit_limit_are_misuse_not_a_crash(thresholds):
    with pytest.raises(UsageError):
        node.validate_requirements(thresholds)


def test_meminfo_unit_the_kernel_never_writes_is_no_reading():
    assert node.parse_meminfo('MemTotal:       8 TB\n') is None


def test_release_version_prefers_version_id():
    assert osrelease.release_version({'VERSION_ID': '22.04', 'VERSION': '22.04.4 LTS'}) == ('22.04', 'VERSION_ID')
    assert osrelease.release_version({'VERSION': '101'}) == ('101', 'VERSION')
    assert osrelease.release_version({'BUILD_ID': '17162.40.11'}) == (None, None)


@pytest.mark.parametrize('shape, filler', [
    ('one line naming every option a million times', 'CONFIG_BPF_SYSCALLCONFIG_KPROBES CONFIG_UPROBES_X '),
    ('a million lines of longer names', '# CONFIG_BPF_EVENTS_X is not set\nCONFIG_PERF_EVENTS_X=y\n'),
])
def test_a_config_that_names_the_options_everywhere_is_read_in_linear_time(shape, filler):
    text = GOOD_CONFIG + '\n' + filler * ((kernel.MAX_CONFIG_BYTES - len(GOOD_CONFIG)) // len(filler))
    started = time.monotonic()
    options = kernel.config_options(text, requirements.REQUIRED_KERNEL_CONFIG)
    elapsed = time.monotonic() - started
    print('16 MiB kernel config, %s: %.2f s' % (shape, elapsed))
    assert kernel.missing_config_options(options, requirements.REQUIRED_KERNEL_CONFIG) == []
    assert elapsed < 10, 'each line is read at most once per option asked for'
