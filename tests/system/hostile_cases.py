# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cases of the adversarial suite (test_hostile_suite.py), as tables.

Each case: its class (hang, crash, leak, wrong), the module it runs, its deadline in seconds, a
builder ``build(tmp_path, certs) -> (module args, extra environment)`` that plants the hostile
thing, what the result must say (``expect(result)`` asserts), and the hostile server it needs
in its network namespace (support_hostile.BEHAVIOURS) or None.
"""

from __future__ import absolute_import, division, print_function

import os
import socket
import stat
import struct
from collections import namedtuple

from ansible_collections.pixie_ops.preflight.plugins.module_utils.requirements import REQUIRED_KERNEL_CONFIG

Case = namedtuple('Case', ['klass', 'name', 'module', 'deadline', 'build', 'expect', 'server', 'misuse'])

PORT = 8443
RELEASE = '5.15.0-1019-aws'
TOKEN = 'eyJhbGciOiJSUzI1NiJ9.cGxhbnRlZC1zZWNyZXQtY2xhaW1z.PlantedSignature42'
PASSWORD = 'S3cr/et?#Pl4nted'
PROXY = 'http://pixie:%s@127.0.0.1:%d' % (PASSWORD.replace('#', '%23').replace('?', '%3F').replace('/', '%2F'), PORT)
SECRETS = (TOKEN, PASSWORD, PASSWORD.replace('#', '%23').replace('?', '%3F').replace('/', '%2F'))
CONFIG = ''.join('%s=y\n' % name for name in REQUIRED_KERNEL_CONFIG)
NODE_DEADLINE = 5.0
EGRESS_TIMEOUT = 2.0


def write(root, path, data):
    full = os.path.join(str(root), path.lstrip('/'))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, 'wb') as handle:
        handle.write(data if isinstance(data, bytes) else data.encode('utf-8'))
    return full


def healthy_tree(root, **replace):
    """A node tree every check passes on; ``replace`` maps node paths to other content (None: absent)."""
    files = {
        '/proc/sys/kernel/ostype': 'Linux\n', '/proc/sys/kernel/osrelease': RELEASE + '\n',
        '/proc/sys/kernel/arch': 'x86_64\n', '/etc/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\nNAME=Ubuntu\n',
        '/proc/meminfo': 'MemTotal: 16777216 kB\nMemAvailable: 8388608 kB\n', '/boot/config-' + RELEASE: CONFIG,
        '/usr/bin/apt-get': '',
    }
    files.update(replace)
    tree = os.path.join(str(root), 'node')
    for path, data in files.items():
        if data is not None:
            write(tree, path, data)
    os.makedirs(os.path.join(tree, 'usr/src/linux-headers-%s' % RELEASE))
    os.makedirs(os.path.join(tree, 'lib/modules/%s' % RELEASE))
    os.symlink('/usr/src/linux-headers-%s' % RELEASE, os.path.join(tree, 'lib/modules/%s/build' % RELEASE))
    return tree


def node_case(klass, name, replace=None, plant=None, expect=None, args=None, misuse=None):
    """A node_facts case over a healthy tree with ``replace``d files and a ``plant(tree)`` step."""
    def build(tmp_path, certs):
        tree = healthy_tree(tmp_path, **(replace or {}))
        if plant:
            plant(tree)
        return dict({'host_root': tree}, **(args or {})), None
    return Case(klass, name, 'node_facts', NODE_DEADLINE, build, expect or (lambda r: None), None, misuse)


def check(check_id, *statuses, **contains):
    """``expect``: the check ``check_id`` of the node (or cluster) has one of ``statuses``."""
    def expect(result):
        checks = (result.get('ansible_facts') or {}).get('pixie_node', result.get('cluster', {}))['checks']
        got = checks[check_id]
        assert got['status'] in statuses, '%s is %s: %s' % (check_id, got['status'], got['msg'])
        for word in contains.get('not_in_msg', ()):
            assert word not in got['msg'], '%r in %r' % (word, got['msg'])
        for word in contains.get('in_msg', ()):
            assert word in got['msg'], '%r not in %r' % (word, got['msg'])
    return expect


def fact(key, value):
    def expect(result):
        got = result['ansible_facts']['pixie_node'][key]
        assert got == value, '%s is %r, not %r' % (key, got, value)
    return expect


def both(*expects):
    def expect(result):
        for one in expects:
            one(result)
    return expect


def fifo(path):
    def plant(tree):
        full = os.path.join(tree, path.lstrip('/'))
        if os.path.lexists(full):
            os.remove(full)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        os.mkfifo(full)
    return plant


def link(path, target):
    def plant(tree):
        full = os.path.join(tree, path.lstrip('/'))
        if os.path.lexists(full):
            os.remove(full)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        os.symlink(target, full)
    return plant


def unix_socket(path):
    def plant(tree):
        full = os.path.join(tree, path.lstrip('/'))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(full)
        sock.close()
    return plant


def char_device(path):
    def plant(tree):
        full = os.path.join(tree, path.lstrip('/'))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        os.mknod(full, 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero: endless
    return plant


def sparse(path, size):
    def plant(tree):
        with open(os.path.join(tree, path.lstrip('/')), 'wb') as handle:
            handle.truncate(size)
    return plant


def arm64_image(tree):
    """A mounted arm64 image: no proc/, /bin/sh -> /usr/bin/dash an aarch64 ELF program."""
    import shutil
    shutil.rmtree(os.path.join(tree, 'proc'))
    write(tree, '/usr/bin/dash', b'\x7fELF\x02\x01\x01\x00' + b'\x00' * 8 + struct.pack('<HH', 2, 183) + b'\x00' * 100)
    os.makedirs(os.path.join(tree, 'bin'))
    os.symlink('/usr/bin/dash', os.path.join(tree, 'bin/sh'))


TREE_CASES = [
    node_case('hang', 'fifo-meminfo', plant=fifo('/proc/meminfo'), expect=check('memory', 'unknown')),
    node_case('hang', 'link-to-fifo-os-release', plant=lambda t: (fifo('/run/os-release')(t),
                                                                  link('/etc/os-release', '/run/os-release')(t)),
              expect=check('distribution', 'unknown')),
    node_case('hang', 'socket-kernel-config', replace={'/boot/config-' + RELEASE: None},
              plant=unix_socket('/boot/config-' + RELEASE), expect=check('kernel_config', 'unknown')),
    node_case('hang', 'dev-zero-lockdown', plant=char_device('/sys/kernel/security/lockdown'),
              expect=check('lockdown', 'unknown')),
    node_case('hang', 'dev-zero-meminfo', replace={'/proc/meminfo': None}, plant=char_device('/proc/meminfo'),
              expect=check('memory', 'unknown')),
    node_case('hang', 'symlink-loop-os-release', plant=link('/etc/os-release', '/etc/os-release'),
              expect=check('distribution', 'unknown')),
    node_case('hang', 'sparse-8-GiB-kernel-config', plant=sparse('/boot/config-' + RELEASE, 8 << 30),
              expect=check('kernel_config', 'unknown')),
    node_case('hang', '16-MiB-blank-kernel-config',
              replace={'/boot/config-' + RELEASE: '\n' * (16 * 1024 * 1024 - len(CONFIG)) + CONFIG},
              expect=check('kernel_config', 'pass')),
    node_case('crash', 'nul-in-kernel-release-option', args={'kernel_release': '5.15\x00evil'},
              expect=check('kernel_headers', 'warn', 'fail')),
    node_case('crash', 'nul-in-proc-osrelease', replace={'/proc/sys/kernel/osrelease': '5.15.0\x00evil\n'},
              expect=check('kernel_headers', 'warn', 'fail')),
    node_case('crash', '5000-digit-version-id', replace={'/etc/os-release': 'ID=ubuntu\nVERSION_ID=%s\n' % ('9' * 5000)},
              expect=check('distribution', 'unknown', not_in_msg=('older',))),
    node_case('crash', '5000-digit-tested-distribution', args={'tested_distributions': {'ubuntu': '1' * 5000}},
              misuse='tested_distributions[ubuntu]'),
    node_case('crash', 'timeout-inf', args={'egress': {'timeout': float('inf')}}, misuse='timeout'),
    node_case('wrong', 'release-read-by-prefix', replace={'/proc/sys/kernel/osrelease': '99999999999999999999.1\n'},
              expect=check('kernel_version', 'unknown')),
    node_case('wrong', 'arm64-image-without-proc', plant=arm64_image,
              expect=both(check('architecture', 'fail'), fact('architecture', 'aarch64'), check('os', 'pass'))),
    node_case('wrong', 'cos-with-only-VERSION', replace={'/etc/os-release': 'ID=cos\nVERSION=101\nBUILD_ID=17162.40.11\n'},
              expect=check('distribution', 'pass')),
    node_case('wrong', 'debian-testing-sid', replace={
        '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nID=debian\nVERSION_CODENAME=trixie\n'},
        expect=check('distribution', 'unknown', not_in_msg=('older',))),
    node_case('wrong', 'broken-first-kernel-configs', plant=lambda t: (write(t, '/proc/config.gz', 'not gzip'),
                                                                       write(t, '/proc/config', '')),
              expect=both(check('kernel_config', 'pass'), fact('kernel_config_path', '/boot/config-' + RELEASE))),
    node_case('wrong', 'meminfo-8-TB', replace={'/proc/meminfo': 'MemTotal: 8 TB\n'}, expect=check('memory', 'unknown')),
    node_case('wrong', 'escape-sequences-in-release', replace={'/proc/sys/kernel/osrelease': '5.15.0-\x1b[31mred\x07\x0b\n'},
              expect=check('kernel_version', 'pass')),
]


def kubectl_case(klass, name, script, expect):
    """A cluster_info case with ``script`` as kubectl (its kubeconfig holds the planted token)."""
    def build(tmp_path, certs):
        path = write(tmp_path, 'kubectl', '#!/bin/sh\ncase "$*" in\n  *"config view"*) echo \'{"users": [{"name": "u", '
                     '"user": {"token": "%s"}}]}\';;\n  *) %s;;\nesac\n' % (TOKEN, script))
        os.chmod(path, 0o755)
        kubeconfig = write(tmp_path, 'kubeconfig', 'apiVersion: v1\nkind: Config\n')
        return {'kubectl': path, 'kubeconfig': kubeconfig, 'timeout': 1, 'admission': False}, None
    return Case(klass, name, 'cluster_info', 6 * 1 + 5, build, expect, None, None)


KUBECTL_CASES = [
    kubectl_case('hang', 'never-returns-child-holds-stdout', 'sleep 600 & sleep 600', check('k8s_version', 'unknown')),
    kubectl_case('hang', 'endless-output', 'exec yes', check('k8s_version', 'unknown')),
    kubectl_case('crash', 'list-where-object-expected', "echo '[]'", check('k8s_version', 'unknown')),
    kubectl_case('crash', 'null-items-string-metadata',
                 'echo \'{"items": [null, "x", {"metadata": "s", "status": 5}], "serverVersion": {"gitVersion": 7}}\'',
                 check('k8s_version', 'unknown')),
    kubectl_case('leak', 'token-in-error-text', 'echo "error: --token %s Authorization: Bearer %s {\\"token\\": \\"%s\\"}"'
                 ' >&2; exit 1' % (TOKEN, TOKEN, TOKEN), check('k8s_version', 'unknown')),
    kubectl_case('wrong', 'escape-sequences-in-error', 'printf "\\033[2J\\033]0;x\\007error\\000\\013 bad\\n" >&2; exit 1',
                 check('k8s_version', 'unknown')),
]


def egress_case(klass, name, server, egress, expect, env_proxy=False):
    """A node_facts case with the ``egress`` option, inside a namespace with the hostile ``server``."""
    def build(tmp_path, certs):
        options = dict({'host': '127.0.0.1', 'port': PORT, 'timeout': EGRESS_TIMEOUT, 'ca_path': certs['ca']}, **egress)
        env = {'https_proxy': PROXY} if env_proxy else None
        return {'host_root': healthy_tree(tmp_path), 'egress': options}, env
    return Case(klass, name, 'node_facts', EGRESS_TIMEOUT, build, expect, server, None)


def stage(name, *words):
    def expect(result):
        egress = result['ansible_facts']['pixie_node']['egress']
        assert egress['stage'] == name, 'stopped at %s: %s' % (egress['stage'], egress['msg'])
        for word in words:
            assert word in egress['msg'], '%r not in %r' % (word, egress['msg'])
    return both(expect, check('egress', 'fail'))


NETWORK_CASES = [
    egress_case('hang', 'trickling-proxy', 'trickle-proxy', {'proxy': PROXY}, stage('proxy', 'no answer')),
    egress_case('hang', 'tls-server-stalls-mid-handshake', 'stall-tls', {}, stage('tls', 'no answer')),
    egress_case('hang', 'slow-proxy-and-slow-untrusted-server', 'slow-untrusted', {'proxy': PROXY},
                stage('tls', 'not trusted')),
    egress_case('crash', '64-character-label-through-proxy', 'ok-proxy', {'proxy': PROXY, 'host': 'a' * 64 + '.example'},
                stage('tls', 'TLS server name')),
    egress_case('crash', 'nul-in-name-through-proxy', 'ok-proxy', {'proxy': PROXY, 'host': 'cloud\x00.example'},
                stage('tls', 'TLS server name')),
    egress_case('crash', 'crlf-in-name-through-proxy', 'ok-proxy', {'proxy': PROXY, 'host': 'cloud\r\nX-Evil: 1'},
                stage('tls')),
    egress_case('leak', 'garbage-proxy-password-option', 'garbage-proxy', {'proxy': PROXY}, stage('proxy')),
    egress_case('leak', 'garbage-proxy-password-environment', 'garbage-proxy', {}, stage('proxy'), env_proxy=True),
    egress_case('leak', 'trickling-proxy-password-environment', 'trickle-proxy', {}, stage('proxy'), env_proxy=True),
    egress_case('wrong', 'alpn-http1-only', 'http1-tls', {}, stage('alpn')),
    egress_case('wrong', 'ok-proxy-and-good-h2-server', 'ok-proxy', {'proxy': PROXY, 'host': 'localhost'},
                both(check('egress', 'pass'))),
]
