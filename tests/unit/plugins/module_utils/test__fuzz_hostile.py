# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based fuzzing of the node-side entry points against what issue 10 found (hypothesis).

Each property states what must hold for any input, not only that nothing raises: a tree without
/proc never borrows this machine's architecture, a version is never read from a prefix, a proxy
password never survives redaction, the kernel config scan agrees with a line-by-line reference,
a proxy's answer never carries a control character into a message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import tempfile
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _elf as elf
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _kernel as kernel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node as node
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node_checks as node_checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _osrelease as osrelease
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _proxy_url as proxy_url
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _redact as redact
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _tunnel as tunnel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ProxyURLError

TEXT = st.text(alphabet=st.characters(blacklist_categories=('Cs',)), max_size=200)
CONTROL = re.compile(r'[\x00-\x08\x0b-\x1f\x7f-\x9f]')
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))

PROGRAM = st.one_of(st.binary(max_size=64), st.builds(
    lambda machine, cls, data, rest: b'\x7fELF' + bytes([cls, data]) + b'\x00' * 10
    + machine.to_bytes(2, 'little' if data == 1 else 'big') + rest,
    st.integers(0, 300), st.integers(0, 3), st.integers(0, 3), st.binary(max_size=44)))


@SETTINGS
@given(st.dictionaries(st.sampled_from(['/bin/sh', '/usr/bin/env', '/bin/ls', '/etc/os-release']), PROGRAM),
       st.booleans())
def test_a_tree_without_proc_never_borrows_this_machine(files, with_os_release):
    root = tempfile.mkdtemp(prefix='pixie-fuzz-')
    try:
        for path, data in files.items():
            full = os.path.join(root, path.lstrip('/'))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, 'wb') as handle:
                handle.write(data)
        facts = node.gather(root)
    finally:
        shutil.rmtree(root)
    assert facts['architecture_source'] in (None,) + tuple('ELF header of %s' % p for p in elf.ELF_PROBES)
    assert (facts['architecture'] is None) == (facts['architecture_source'] is None)
    assert facts['os_source'] in (None, 'os-release')
    assert (facts['os'] is None) == (facts['distribution'] is None)


@SETTINGS
@given(st.from_regex(r'\Av?[0-9]{1,30}(\.[0-9]{1,30}){0,4}[-+~a-z0-9.]{0,12}\Z'))
def test_a_version_is_never_read_from_a_prefix(text):
    parsed = versions.try_parse(text)
    runs = re.match(r'v?([0-9]+(?:\.[0-9]+)*)', text).group(1).split('.')
    if any(len(run) > versions.MAX_PART_DIGITS for run in runs):
        assert parsed is None, (text, parsed)
    else:
        assert parsed.numbers == tuple(int(run) for run in runs)


@SETTINGS
@given(st.dictionaries(st.sampled_from(['ID', 'VERSION', 'VERSION_ID', 'BUILD_ID', 'PRETTY_NAME', 'NAME',
                                        'VERSION_CODENAME']), TEXT),
       st.sampled_from(sorted(requirements.TESTED_DISTRIBUTIONS)))
def test_the_distribution_check_never_says_older_without_a_version(fields, ident):
    fields = dict(fields, ID=ident)
    dist = osrelease.distribution(fields)
    check = node_checks.evaluate({'distribution': dist}, node.validate_requirements({}))['distribution']
    if dist['version'] is None:
        assert 'older' not in check['msg'] and check['status'] == 'unknown'
    assert dist['version_source'] in (None, 'VERSION_ID', 'VERSION')


def _reference_config(text):
    """The line-by-line reading the config lookup must agree with (the parser before issue 10)."""
    options = {}
    for line in text.split('\n'):
        line = line.strip()
        match = re.match(r'^(CONFIG_[A-Za-z0-9_]+)=(.*)$', line)
        if match:
            options[match.group(1)] = match.group(2).strip()
            continue
        match = re.match(r'^#\s*(CONFIG_[A-Za-z0-9_]+) is not set\s*$', line)
        if match:
            options[match.group(1)] = 'n'
    return options


CONFIG_LINES = st.lists(st.one_of(
    st.sampled_from(['', ' ', 'CONFIG_BPF=y', 'CONFIG_BPF=m ', '# CONFIG_BPF is not set', '#CONFIG_KPROBES is not set',
                     'CONFIG_A=CONFIG_B=y', 'xCONFIG_C=y', '  CONFIG_D="a b"', 'CONFIG_=y', '\t# CONFIG_E is not set\t']),
    TEXT.filter(lambda t: '\n' not in t)), max_size=40).map('\n'.join)


CONFIG_NAMES = st.lists(st.sampled_from(['CONFIG_BPF', 'CONFIG_KPROBES', 'CONFIG_A', 'CONFIG_B', 'CONFIG_C',
                                         'CONFIG_D', 'CONFIG_E']), unique=True)


@SETTINGS
@given(CONFIG_LINES, CONFIG_NAMES)
def test_the_config_lookup_agrees_with_a_line_by_line_reading(text, names):
    wanted = dict((name, value) for name, value in _reference_config(text).items() if name in names)
    assert kernel.config_options(text, names) == wanted


USERINFO = st.text(alphabet=st.characters(blacklist_categories=('Cs', 'Cc')), min_size=4, max_size=30)


@SETTINGS
@given(USERINFO, USERINFO, st.booleans())
def test_a_proxy_password_never_survives_redaction(user, password, encode):
    written = quote(password, safe='') if encode else password
    url = 'http://%s:%s@proxy.example:3128' % (quote(user, safe=''), written)
    assert written not in proxy_url.redact_proxy_url(url)
    try:
        parsed = proxy_url.parse_proxy_url(url)
    except ProxyURLError as exc:
        assert password not in str(exc) and written not in str(exc)
        return
    assert parsed['password'] == (password if encode else proxy_url.split_proxy_url(url).password)
    secrets = redact.url_secrets(url)
    message = redact.redact('proxy said: %s and %s' % (password, written), secrets)
    assert password not in message and written not in message


@SETTINGS
@given(st.binary(max_size=300))
def test_a_proxy_answer_never_carries_a_control_character(head):
    try:
        code, reason = tunnel.parse_connect_response(head)
    except ValueError as exc:
        assert not CONTROL.search(str(exc).replace('\\', ''))
        return
    assert 0 <= code and not CONTROL.search(reason)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(['MemTotal', 'MemAvailable', 'MemFree', 'Cached']),
                          st.integers(-5, 10 ** 15), st.sampled_from(['kB', 'KB', 'MB', 'TB', 'B', '', 'pages', 'kb'])),
                max_size=6))
def test_meminfo_reads_only_units_the_kernel_writes(entries):
    text = '\n'.join('%s: %d %s' % entry for entry in entries)
    total = [e for e in entries if e[0] == 'MemTotal']
    result = node.parse_meminfo(text)
    readable = [e for e in total if e[2].lower() in ('kb', 'mb', 'gb', 'b', '')]
    assert (result is None) == (not readable)
