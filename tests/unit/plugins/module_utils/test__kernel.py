# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _kernel as kernel


CONFIG_TEXT = '''#
# Automatically generated file; DO NOT EDIT.
# Linux/x86 5.15.0 Kernel Configuration
#
CONFIG_BPF=y
CONFIG_BPF_SYSCALL=y
# CONFIG_KPROBES is not set
CONFIG_LOCALVERSION="-aws"
CONFIG_HZ=250
CONFIG_UPROBES=m
this line is garbage
CONFIG_PERF_EVENTS = y
'''


NAMES = ['CONFIG_BPF', 'CONFIG_BPF_SYSCALL', 'CONFIG_KPROBES', 'CONFIG_LOCALVERSION', 'CONFIG_UPROBES',
         'CONFIG_PERF_EVENTS']


def test_config_options():
    options = kernel.config_options(CONFIG_TEXT, NAMES)
    assert options == {'CONFIG_BPF': 'y', 'CONFIG_BPF_SYSCALL': 'y', 'CONFIG_KPROBES': 'n',
                       'CONFIG_LOCALVERSION': '"-aws"', 'CONFIG_UPROBES': 'm'}
    # "NAME = y" with spaces is not how Kconfig writes options: it is not an assignment.
    assert 'CONFIG_PERF_EVENTS' not in options
    # Only the options asked for are read.
    assert kernel.config_options(CONFIG_TEXT, ['CONFIG_HZ']) == {'CONFIG_HZ': '250'}
    missing = kernel.missing_config_options(options, ['CONFIG_BPF', 'CONFIG_KPROBES', 'CONFIG_UPROBES',
                                                      'CONFIG_PERF_EVENTS'])
    assert missing == ['CONFIG_KPROBES=n', 'CONFIG_PERF_EVENTS=(absent)']


@pytest.mark.parametrize('text, value', [
    # The last line that sets or unsets the option counts.
    ('CONFIG_BPF=y\n# CONFIG_BPF is not set\n', 'n'),
    ('# CONFIG_BPF is not set\nCONFIG_BPF=m\n', 'm'),
    # A longer name that starts with the one asked for, or mentions it, is another option.
    ('CONFIG_BPF=y\nCONFIG_BPF_JIT=n\n# CONFIG_BPF_EVENTS is not set\n', 'y'),
    ('CONFIG_BPF=m\nCONFIG_CMDLINE="CONFIG_BPF=n"\n', 'm'),
    ('CONFIG_BPF=m\nxCONFIG_BPF=n\n#  CONFIG_BPF is not set (really)\n', 'm'),
    # Whitespace around a line, or after "#", is no part of it; a name that is no line's own is nothing.
    ('\t CONFIG_BPF=y \r\n', 'y'),
    ('#\tCONFIG_BPF is not set\t\n', 'n'),
    ('CONFIG_BPF_JIT=y CONFIG_BPF=y\n', None),
    ('', None),
])
def test_config_options_read_lines_as_kconfig_writes_them(text, value):
    assert kernel.config_options(text, ['CONFIG_BPF']).get('CONFIG_BPF') == value


def _write(root, path, data=b'', mode='wb'):
    full = os.path.join(str(root), path.lstrip('/'))
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    with open(full, mode) as handle:
        handle.write(data)
    return full


def test_config_lookup_order_and_gzip(tmp_path):
    release = '6.1.0-28-amd64'
    _write(tmp_path, '/boot/config-%s' % release, b'CONFIG_BPF=y\n')
    with gzip.open(_write(tmp_path, '/proc/config.gz'), 'wb') as handle:
        handle.write(b'CONFIG_BPF=m\n')
    path, text = kernel.find_kernel_config(str(tmp_path), release)
    assert path == '/proc/config.gz'          # Pixie looks at /proc/config.gz before /boot
    assert 'CONFIG_BPF=m' in text


def test_config_lookup_skips_broken_gzip(tmp_path):
    release = '6.1.0-28-amd64'
    _write(tmp_path, '/proc/config.gz', b'not gzip at all')
    _write(tmp_path, '/lib/modules/%s/config' % release, b'CONFIG_BPF=y\n')
    assert kernel.find_kernel_config(str(tmp_path), release)[0] == '/lib/modules/%s/config' % release


def test_config_lookup_bottlerocket_and_none(tmp_path):
    assert kernel.find_kernel_config(str(tmp_path), '5.15.0') == (None, None)
    _write(tmp_path, '/boot/config', b'CONFIG_BPF=y\n')
    assert kernel.find_kernel_config(str(tmp_path), None)[0] == '/boot/config'
    os.makedirs(os.path.join(str(tmp_path), 'proc', 'config'))   # a directory is not a config
    assert kernel.find_kernel_config(str(tmp_path), '5.15.0')[0] == '/boot/config'


def test_config_candidates_refuse_path_like_release():
    assert all('..' not in path for path in kernel.config_candidates('../../etc'))


def test_headers_absolute_symlink_is_rerooted(tmp_path):
    release = '5.15.0-1019-aws'
    os.makedirs(os.path.join(str(tmp_path), 'usr/src/linux-headers-%s/include' % release))
    os.makedirs(os.path.join(str(tmp_path), 'lib/modules/%s' % release))
    os.symlink('/usr/src/linux-headers-%s' % release,
               os.path.join(str(tmp_path), 'lib/modules/%s/build' % release))
    assert kernel.resolve_headers(str(tmp_path), release) == ('/usr/src/linux-headers-%s' % release, None)


def test_headers_relative_symlink_and_usr_merge(tmp_path):
    release = '6.1.0-28-amd64'
    root = str(tmp_path)
    os.makedirs(os.path.join(root, 'usr/lib/modules/%s' % release))
    os.makedirs(os.path.join(root, 'usr/src/linux-headers-%s' % release))
    os.symlink('/usr/lib', os.path.join(root, 'lib'))     # absolute: must stay inside the root
    os.symlink('../../../src/linux-headers-%s' % release,
               os.path.join(root, 'usr/lib/modules/%s/build' % release))
    assert kernel.resolve_headers(root, release) == ('/usr/src/linux-headers-%s' % release, None)


def test_headers_dangling_and_missing(tmp_path):
    release = '4.18.0-372.9.1.el8.x86_64'
    root = str(tmp_path)
    found, problem = kernel.resolve_headers(root, release)
    assert found is None and problem == '/lib/modules/%s/build does not exist (/lib is missing)' % release
    os.makedirs(os.path.join(root, 'lib/modules/%s' % release))
    os.symlink('/usr/src/kernels/%s' % release, os.path.join(root, 'lib/modules/%s/build' % release))
    found, problem = kernel.resolve_headers(root, release)
    assert found is None
    assert problem == ('/lib/modules/{0}/build does not exist (/lib/modules/{0}/build -> /usr/src/kernels/{0}, '
                       'and /usr is missing)'.format(release))


def test_headers_loop_and_file(tmp_path):
    root = str(tmp_path)
    os.makedirs(os.path.join(root, 'lib/modules/a'))
    os.symlink('build', os.path.join(root, 'lib/modules/a/build'))
    found, problem = kernel.resolve_headers(root, 'a')
    assert found is None and 'too many levels' in problem
    os.makedirs(os.path.join(root, 'lib/modules/b'))
    _write(root, '/lib/modules/b/build', b'')
    found, problem = kernel.resolve_headers(root, 'b')
    assert found is None and 'not a directory' in problem


def test_headers_do_not_escape_the_root(tmp_path):
    # A symlink to "/" inside the tree must not lead to this machine's /usr/src.
    root = str(tmp_path)
    os.makedirs(os.path.join(root, 'lib/modules/x'))
    os.symlink('/../../../../usr/src/../../tmp/nonexistent-%s' % os.getpid(),
               os.path.join(root, 'lib/modules/x/build'))
    found, dummy = kernel.resolve_headers(root, 'x')
    assert found is None


@pytest.mark.parametrize('release', [None, '', '../x', '.', '..'])
def test_headers_without_usable_release(tmp_path, release):
    assert kernel.resolve_headers(str(tmp_path), release) == (None, 'no usable kernel release')


@pytest.mark.parametrize('release', ['\x00', '6.1.0\x00-amd64'])
def test_a_nul_byte_in_the_release_finds_nothing(tmp_path, release):
    """A kernel release read from a node file may hold a NUL: no path is made of it (found by hypothesis)."""
    assert kernel.find_kernel_config(str(tmp_path), release) == (None, None)
    assert kernel.resolve_headers(str(tmp_path), release)[0] is None
