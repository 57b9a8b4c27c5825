# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests: arbitrary text to every parser, arbitrary trees to the node logic.

No exception escapes, and every check still gets a status.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _container as container
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _kernel as kernel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node as node
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _osrelease as osrelease
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _packages as packages
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import VersionError

TEXT = st.text(alphabet=st.characters(blacklist_categories=('Cs',)), max_size=400)
# Text that looks like the files: assignment-ish lines, numbers, quotes, escapes.
LINES = st.lists(st.one_of(
    TEXT,
    st.builds(lambda k, v: '%s=%s' % (k, v), st.from_regex(r'[A-Z_]{1,12}', fullmatch=True), TEXT),
    st.builds(lambda v: 'MemTotal: %s kB' % v, st.integers(-10, 10 ** 12)),
    st.sampled_from(['CONFIG_BPF=y', '# CONFIG_BPF is not set', 'ID="ubuntu', "ID='x", 'A=\\', '\r\n', '\0']),
), max_size=30).map('\n'.join)


@given(TEXT)
def test_kernel_version_parsers_never_raise_unexpectedly(text):
    version = versions.normalize(text)
    assert version is None or len(version.split('.')) == 3
    try:
        versions.parse_version(text)
    except VersionError:
        assert version is None


@given(LINES)
def test_text_parsers_never_raise(text):
    assert isinstance(osrelease.parse_os_release(text), dict)
    assert isinstance(kernel.config_options(text, ['CONFIG_BPF', 'CONFIG_A']), dict)
    meminfo = node.parse_meminfo(text)
    assert meminfo is None or set(meminfo) == {'total', 'available'}
    node.parse_lockdown(text)
    container.container_from_cgroup(text)
    container.container_from_environ(text)
    osrelease.distribution(osrelease.parse_os_release(text))


@given(TEXT, st.sampled_from(packages.PACKAGE_MANAGERS + ('bogus',)), TEXT)
def test_headers_packages_never_raise(release, manager, ident):
    result = packages.headers_packages(manager, {'id': ident, 'like': ident.split()}, release)
    assert isinstance(result, list)


NODE_FILES = st.sampled_from([
    '/proc/sys/kernel/osrelease', '/proc/sys/kernel/arch', '/proc/sys/kernel/ostype', '/proc/meminfo',
    '/etc/os-release', '/usr/lib/os-release', '/proc/config.gz', '/proc/config', '/boot/config',
    '/sys/kernel/security/lockdown', '/run/systemd/container', '/proc/1/environ', '/proc/1/cgroup',
    '/.dockerenv', '/usr/bin/apt-get', '/lib/modules', '/etc',
])
ENTRY = st.one_of(
    st.tuples(st.just('file'), NODE_FILES, st.binary(max_size=300)),
    st.tuples(st.just('dir'), NODE_FILES, st.just(b'')),
    st.tuples(st.just('link'), NODE_FILES, st.sampled_from([
        b'/', b'..', b'/proc/meminfo', b'loop', b'/etc/os-release', b'../../../../../../etc/os-release'])),
)


def _build(root, entries):
    for kind, path, data in entries:
        full = os.path.join(root, path.lstrip('/'))
        parent = os.path.dirname(full)
        try:
            if not os.path.isdir(parent):
                os.makedirs(parent)
            if os.path.lexists(full):
                continue
            if kind == 'file':
                with open(full, 'wb') as handle:
                    handle.write(data)
            elif kind == 'dir':
                os.makedirs(full)
            else:
                os.symlink(data.decode(), full)
        except OSError:
            continue   # a parent is a file or a link: that tree shape is still worth checking


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ENTRY, max_size=12), st.one_of(st.none(), TEXT.filter(lambda t: '\0' not in t)))
def test_node_logic_on_arbitrary_trees(entries, release):
    root = tempfile.mkdtemp(prefix='pixie-prop-')
    try:
        _build(root, entries)
        facts = node.node_facts(root, kernel_release=release or None)
    finally:
        shutil.rmtree(root)
    assert set(facts['checks']) == set(node.CHECK_IDS)
    for check in facts['checks'].values():
        assert check['status'] in checks.STATUSES
    assert facts['status'] == checks.overall_status(facts['checks'])
