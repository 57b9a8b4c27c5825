# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``kubectl`` the cluster-mode tests put first on PATH: ``kubectl ... exec`` runs the command in a pod
played by a debootstrapped root; every other command is the real kubectl (``exec`` of it, same argv).

    bin_dir = install(workdir, real_kubectl, trees={'node-a': '/path/to/tree'})
    env['PATH'] = bin_dir + os.pathsep + env['PATH']

``exec`` takes the argv the kubernetes.core.kubectl connection plugin builds
(``kubectl [-n NS] [--kubeconfig K] [--context C] [--server S] [--token T] ... exec -i POD [-c C] -- CMD...``,
stdin piped for put_file and pipelining) and does what kubectl exec and the kubelet do:

1. GET the pod from the API server of the kubeconfig (the loopback state server), with its CA and token: a pod
   that does not exist, is finished or is not Running is refused with kubectl's message and exit code 1.
2. Under a lock of the pod, in a private mount namespace (``unshare -m``, so every mount dies with the command):
   mount an overlay whose lower layers are the image layer (``/usr/local/bin/python3`` as in python:*-slim, the
   test CA) over the cached bookworm root (tests/hosts/debian_nodes.py) and whose upper directory belongs to the
   pod (what one exec writes, the next sees, as in a container); bind-mount the tree of the pod's
   ``spec.nodeName`` read-only at ``/host``; in a pid namespace of its own whose pid 1 stays in the machine's
   network namespace (which plays the node's, so ``nsenter -t 1 -n`` enters the node's network as from a hostPID
   pod; the pod sees its own processes only), mount /proc, /dev and /sys; ``chroot`` and run the command with the
   container's environment (PATH, HOSTNAME=pod name, HOME=/root), in the machine's network too, or for the nodes
   configured ``isolated`` in a network namespace of its own that reaches nothing.
3. Exit with the command's exit code.

Every call is appended to ``<workdir>/kubectl-calls.jsonl`` (argv without the token, and what was done).
"""

from __future__ import absolute_import, division, print_function

import base64
import fcntl
import http.client
import json
import os
import shutil
import signal
import ssl
import sys
import tempfile
import time
from urllib.parse import quote, urlparse

VALUE_FLAGS = {'-n', '--namespace', '--kubeconfig', '--context', '--server', '-s', '--username', '--password',
               '--client-certificate', '--client-key', '--certificate-authority', '--token', '--cluster', '--user',
               '--request-timeout'}
CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
MOUNT_SCRIPT = r'''set -e
root=$1 lower=$2 upper=$3 work=$4 tree=$5 net=$6
shift 6
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$root"
mkdir -p "$root/host" "$root/proc" "$root/dev" "$root/sys"
mount --bind "$tree" "$root/host"
mount -o remount,bind,ro "$root/host"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /sys "$root/sys"
mount -o remount,bind,ro "$root/sys"
cd /
set +e
# This shell is pid 1 of the pod's pid namespace and stays in the machine's network namespace, which plays the
# node's: nsenter -t 1 -n from the pod reaches the node's network, as from a hostPID pod.
if [ "$net" = isolated ]; then
    unshare --net chroot "$root" "$@"
else
    chroot "$root" "$@"
fi
'''
WRAPPER = '''#!%(python)s
# The test kubectl (tests/system/support_pod_exec.py): exec runs in a root that plays the pod.
import sys
sys.path.insert(0, %(here)r)
import support_pod_exec
sys.exit(support_pod_exec.main(%(config)r, sys.argv))
'''


def install(workdir, real_kubectl, trees, lower, isolated=()):
    """Write ``<workdir>/bin/kubectl`` and its configuration; return the bin directory.

    ``trees``: node name -> directory mounted at /host; ``lower``: the overlay lower directories of the pods'
    root (uppermost first, colon-separated); ``isolated``: nodes whose pods' network reaches nothing (a network
    namespace of their own, loopback down), while the node's network (``nsenter -t 1 -n``) does."""
    bin_dir = os.path.join(workdir, 'bin')
    os.makedirs(os.path.join(workdir, 'pods'), exist_ok=True)
    os.makedirs(bin_dir, exist_ok=True)
    config = os.path.join(workdir, 'kubectl-wrapper.json')
    configure(config, real_kubectl=real_kubectl, trees=trees, lower=lower, workdir=workdir, isolated=list(isolated))
    path = os.path.join(bin_dir, 'kubectl')
    with open(path, 'w') as handle:
        handle.write(WRAPPER % {'python': sys.executable, 'here': os.path.dirname(os.path.abspath(__file__)),
                                'config': config})
    os.chmod(path, 0o755)
    return bin_dir


def configure(path, **settings):
    """Write (or update) the wrapper's configuration: a test may change the node -> tree map between runs."""
    current = {}
    if os.path.exists(path):
        with open(path) as handle:
            current = json.load(handle)
    current.update(settings)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, 'w') as handle:
        json.dump(current, handle)
    os.rename(tmp, path)


def parse(argv):
    """The global options, the subcommand and, for exec, the pod, container and command of a kubectl argv."""
    opts, i = {}, 1
    while i < len(argv) and argv[i].startswith('-'):
        flag, eq, value = argv[i].partition('=')
        if flag in VALUE_FLAGS and not eq:
            value, i = argv[i + 1] if i + 1 < len(argv) else '', i + 1
        opts[flag.lstrip('-')] = value
        i += 1
    command = argv[i] if i < len(argv) else ''
    result = {'opts': opts, 'command': command}
    if command != 'exec':
        return result
    rest, pod, container = argv[i + 1:], None, None
    while rest and rest[0] != '--':
        arg = rest.pop(0)
        if arg in ('-c', '--container'):
            container = rest.pop(0)
        elif arg.startswith('--container='):
            container = arg.split('=', 1)[1]
        elif arg in ('-n', '--namespace'):
            opts['n'] = rest.pop(0)
        elif not arg.startswith('-') and pod is None:
            pod = arg.split('/', 1)[-1]
    result.update(pod=pod, container=container, cmd=rest[1:])
    return result


def _kubeconfig(opts):
    path = opts.get('kubeconfig') or (os.environ.get('KUBECONFIG') or '').split(os.pathsep)[0] or \
        os.path.expanduser('~/.kube/config')
    with open(path) as handle:
        text = handle.read()
    try:
        return json.loads(text)
    except ValueError:
        import yaml  # pylint: disable=import-outside-toplevel
        return yaml.safe_load(text)


def _named(items, name):
    for item in items or []:
        if item.get('name') == name:
            return item
    return {}


def api_get(opts, path):
    """GET ``path`` from the API server of the kubeconfig (or --server/--token); returns (status, object)."""
    config = _kubeconfig(opts)
    context = _named(config.get('contexts'), opts.get('context') or config.get('current-context')).get('context', {})
    cluster = _named(config.get('clusters'), opts.get('cluster') or context.get('cluster')).get('cluster', {})
    user = _named(config.get('users'), opts.get('user') or context.get('user')).get('user', {})
    url = urlparse(opts.get('server') or opts.get('s') or cluster.get('server', ''))
    tls = ssl.create_default_context()
    if cluster.get('certificate-authority-data'):
        tls.load_verify_locations(cadata=base64.b64decode(cluster['certificate-authority-data']).decode())
    elif opts.get('certificate-authority') or cluster.get('certificate-authority'):
        tls.load_verify_locations(opts.get('certificate-authority') or cluster['certificate-authority'])
    token = opts.get('token') or user.get('token')
    conn = http.client.HTTPSConnection(url.hostname, url.port or 443, context=tls, timeout=10)
    try:
        conn.request('GET', path, headers={'Authorization': 'Bearer %s' % token, 'Accept': 'application/json'})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read().decode() or '{}')
    finally:
        conn.close()


def _log(config, record):
    with open(os.path.join(config['workdir'], 'kubectl-calls.jsonl'), 'a') as handle:
        handle.write(json.dumps(record) + '\n')


def _refuse(config, record, message):
    record['refused'] = message
    _log(config, record)
    sys.stderr.write(message + '\n')
    return 1


def run_exec(config, parsed, record):
    """kubectl exec into the pod: check it on the API server, then run the command in its root."""
    opts = parsed['opts']
    namespace = opts.get('n') or opts.get('namespace') or 'default'
    pod = parsed['pod']
    if not pod or not parsed['cmd']:
        return _refuse(config, record, 'error: you must specify at least one command for the container')
    status, obj = api_get(opts, '/api/v1/namespaces/%s/pods/%s' % (quote(namespace), quote(pod)))
    if status != 200:
        return _refuse(config, record, 'Error from server (%s): %s' % (obj.get('reason'), obj.get('message')))
    names = [c.get('name') for c in obj['spec'].get('containers') or []]
    container = parsed['container'] or names[0]
    phase = obj.get('status', {}).get('phase')
    if container not in names:
        return _refuse(config, record, 'Error from server (BadRequest): container %s is not valid for pod %s'
                       % (container, pod))
    if phase in ('Succeeded', 'Failed'):
        return _refuse(config, record, 'error: cannot exec into a container in a completed pod; current phase is %s'
                       % phase)
    if phase != 'Running':
        return _refuse(config, record, 'error: unable to upgrade connection: container not found ("%s")' % container)
    node = obj['spec'].get('nodeName')
    tree = config['trees'].get(node)
    if not tree:
        return _refuse(config, record, 'test harness: no node tree for node %r of pod %s' % (node, pod))
    base = os.path.join(config['workdir'], 'pods', obj['metadata']['uid'])
    for sub in ('upper', 'work', 'root'):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    record.update(node=node, pod=pod, namespace=namespace, ran=parsed['cmd'])
    _log(config, record)
    lock = os.open(base + '.lock', os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)      # one exec at a time per pod: its overlay upper is mounted once
    os.set_inheritable(lock, True)        # held until the command (and whatever it left running) exits
    env = {'PATH': CONTAINER_PATH, 'HOSTNAME': pod, 'HOME': '/root', 'LANG': 'C.UTF-8'}
    for item in obj['spec']['containers'][names.index(container)].get('env') or []:
        env[item['name']] = item.get('value', '')
    net = 'isolated' if node in config.get('isolated', ()) else 'node'
    argv = ['unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '/bin/sh', '-c', MOUNT_SCRIPT,
            'pod-exec', os.path.join(base, 'root'), config['lower'], os.path.join(base, 'upper'),
            os.path.join(base, 'work'), tree, net] + parsed['cmd']
    os.execvpe('unshare', argv, env)
    return 127


def main(config_path, argv):
    with open(config_path) as handle:
        config = json.load(handle)
    parsed = parse(argv)
    shown = ['********' if i > 0 and argv[i - 1] == '--token' else a for i, a in enumerate(argv)]
    record = {'at': round(time.time(), 3),
              'argv': [a if not a.startswith('--token=') else '--token=********' for a in shown]}
    if parsed['command'] != 'exec':
        record['real'] = True
        _log(config, record)
        os.execv(config['real_kubectl'], [config['real_kubectl']] + argv[1:])
    return run_exec(config, parsed, record)


# ---------------------------------------------------------------- test side ----------------------

def image_layer(workdir, ca_path=None):
    """The image's own layer over the bookworm root: python3 at /usr/local/bin as in python:*-slim (the product's
    default interpreter path) and, when given, the test CA at /etc/pixie-test/cloud-ca.pem."""
    layer = os.path.join(workdir, 'image')
    os.makedirs(os.path.join(layer, 'usr/local/bin'), exist_ok=True)
    if not os.path.lexists(os.path.join(layer, 'usr/local/bin/python3')):
        os.symlink('/usr/bin/python3', os.path.join(layer, 'usr/local/bin/python3'))
    if ca_path:
        os.makedirs(os.path.join(layer, 'etc/pixie-test'), exist_ok=True)
        shutil.copy(ca_path, os.path.join(layer, 'etc/pixie-test/cloud-ca.pem'))
    return layer


def node_tree(fixture, dest):
    """A copy of a tests/fixtures/nodes tree with its symlinks.json links made (absolute, as on the node)."""
    shutil.copytree(fixture, dest, symlinks=True)
    links = os.path.join(fixture, 'symlinks.json')
    if os.path.exists(links):
        with open(links) as handle:
            for path, target in json.load(handle).items():
                os.makedirs(os.path.dirname(os.path.join(dest, path)), exist_ok=True)
                os.symlink(target, os.path.join(dest, path))
    return dest


def calls(workdir):
    """The wrapper's log: one dict per kubectl call."""
    path = os.path.join(workdir, 'kubectl-calls.jsonl')
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def stop_pods(workdir, harness):
    """Kill what still runs in a pod root (a killed run may leave one) and remove the pods' directories."""
    pods = os.path.join(workdir, 'pods')
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in harness.processes_rooted_in(pods):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        time.sleep(0.2)
    harness.safe_rmtree(pods)
