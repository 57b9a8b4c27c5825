# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test nodes of every distribution family Pixie runs on, with real package managers and local repositories.

Real RHEL, Amazon Linux, SLES and Ubuntu systems cannot be debootstrapped, but what the remediate role talks to on
them can run on Debian: Debian's archive has the real ``dnf`` (python3-dnf), ``rpm``, ``zypper`` (libzypp) and
``createrepo-c``. So every node here is the Debian 12 root of ``debian_nodes.py`` (same overlay, sshd, key, user
``pixie`` with sudo) plus one cached layer, and each node is told it is another distribution:

* The layer (``${PIXIE_TEST_CACHE}/roots/bookworm-pkg``, an overlay upper directory over the bookworm root,
  rebuilt when ``LAYER_FORMAT`` or the bookworm root changes) adds dnf, rpm, zypper, createrepo-c and apt-utils
  from Debian's mirror, points rpm at /var/lib/rpm (Debian's rpm keeps its database in ~/.rpmdb) and holds local
  repositories of header packages BUILT here with ``rpmbuild`` and ``dpkg-deb``, with the names, versions and file
  layout of the real ones (see ``KERNELS``):

  - RHEL 9.3 (``5.14.0-362.8.1.el9_3.x86_64``), Amazon Linux 2023 and Amazon Linux 2: kernel.spec's split, the
    kernel package owns ``/lib/modules/<release>/build``, a link to ``/usr/src/kernels/<release>``, which
    ``kernel-devel-<release>`` installs (``Provides: kernel-devel-uname-r = <release>``, installonlypkg(kernel));
  - SLES 15 SP5 (``5.14.21-150500.55.39-default``): openSUSE kernel-source's kernel-binary.spec.in, the rpm
    ``kernel-default-devel-5.14.21-150500.55.39.1`` with ``Provides: kernel-default-devel = 5.14.21-150500.55.39``
    and ``multiversion(kernel)`` owns ``/lib/modules/<release>/build`` -> ``/usr/src/linux-<ver>-obj/x86_64/default``;
  - Ubuntu 22.04 HWE (``6.5.0-35-generic``): ``linux-headers-6.5.0-35-generic`` (the build link and
    /usr/src/linux-headers-<release>) depending on ``linux-hwe-6.5-headers-6.5.0-35``, in a flat apt repository.

  Every repository also holds the headers of a NEWER kernel of the same series, so a test sees that the role
  installs the pinned package and not the latest one.
* ``PackageNodes.start()`` starts one node per entry of ``NODES``: it writes the distribution's /etc/os-release,
  configures its package manager with only that node's local repository (yum.repos.d, zypp repos.d, sources.list;
  ``amzn2`` has ``yum`` and no ``dnf``, as Amazon Linux 2), installs the node's kernel package where the
  distribution's kernel package owns the build link, and starts sshd. ``fcos`` is Fedora CoreOS: os-release
  ``fedora`` with ``VARIANT_ID=coreos`` and ``/run/ostree-booted``.

Command line: ``python tests/hosts/package_nodes.py build`` (build the layer), ``... up`` (start the nodes and
print how to reach them).
"""

from __future__ import absolute_import, division, print_function

import json
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import debian_nodes as base  # noqa: E402  pylint: disable=wrong-import-position

BASE_SUITE = 'bookworm'
LAYER = 'bookworm-pkg'
# Bump when build_layer changes what the layer holds: a cached layer of another format is rebuilt.
LAYER_FORMAT = 1
TOOLS = ['dnf', 'python3-dnf', 'rpm', 'zypper', 'createrepo-c', 'apt-utils']
REPOS = '/srv/repos'
KERNEL_RPMS = '/srv/kernels'
CLOSED_PORT_URL = 'http://127.0.0.1:9/unreachable'   # the discard port: nothing listens there on loopback

# Real kernels of the distributions (uname -r), the newer kernel of the same series whose headers the repository
# also carries, and a kernel whose headers it does not carry.
KERNELS = {
    'rhel9': ('5.14.0-362.8.1.el9_3.x86_64', '5.14.0-362.13.1.el9_3.x86_64', '5.14.0-284.11.1.el9_2.x86_64'),
    'amzn2023': ('6.1.61-85.141.amzn2023.x86_64', '6.1.66-91.160.amzn2023.x86_64', '6.1.59-84.139.amzn2023.x86_64'),
    'amzn2': ('5.10.205-195.807.amzn2.x86_64', '5.10.209-198.858.amzn2.x86_64', '5.10.201-191.748.amzn2.x86_64'),
    'sles15': ('5.14.21-150500.55.39-default', '5.14.21-150500.55.44-default', '5.14.21-150500.53.2-default'),
    'ubuntu2204': ('6.5.0-35-generic', '6.5.0-41-generic', '6.5.0-14-generic'),
    'fcos': ('6.7.4-200.fc39.x86_64', None, None),
}

OS_RELEASE = {
    'rhel9': 'NAME="Red Hat Enterprise Linux"\nVERSION="9.3 (Plow)"\nID="rhel"\nID_LIKE="fedora"\n'
             'VERSION_ID="9.3"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="Red Hat Enterprise Linux 9.3 (Plow)"\n',
    'amzn2023': 'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n'
                'PLATFORM_ID="platform:al2023"\nPRETTY_NAME="Amazon Linux 2023.2.20231113"\n',
    'amzn2': 'NAME="Amazon Linux"\nVERSION="2"\nID="amzn"\nID_LIKE="centos rhel fedora"\nVERSION_ID="2"\n'
             'PRETTY_NAME="Amazon Linux 2"\n',
    'sles15': 'NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"\n'
              'ID="sles"\nID_LIKE="suse"\nCPE_NAME="cpe:/o:suse:sles:15:sp5"\n',
    'ubuntu2204': 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\n'
                  'VERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=jammy\n',
    'fcos': 'NAME="Fedora Linux"\nVERSION="39.20240210.3.0 (CoreOS)"\nID=fedora\nVERSION_ID=39\n'
            'VARIANT="CoreOS"\nVARIANT_ID=coreos\nPRETTY_NAME="Fedora CoreOS 39.20240210.3.0"\n',
}

# node -> (package manager, repository id, repository name): the ids the real distributions use.
MANAGERS = {
    'rhel9': ('dnf', 'rhel-9-for-x86_64-baseos-rpms', 'Red Hat Enterprise Linux 9 for x86_64 - BaseOS (RPMs)'),
    'amzn2023': ('dnf', 'amazonlinux', 'Amazon Linux 2023 repository'),
    'amzn2': ('yum', 'amzn2-core', 'Amazon Linux 2 core repository'),
    'sles15': ('zypper', 'SLE-Module-Basesystem15-SP5-Updates', 'SLE-Module-Basesystem15-SP5-Updates'),
    'ubuntu2204': ('apt', 'jammy-updates', 'Ubuntu 22.04 jammy-updates'),
    'fcos': ('none', None, None),
}

NODES = ('rhel9', 'amzn2023', 'amzn2', 'sles15', 'ubuntu2204', 'fcos')

_RPM_SPEC = """\
%define __os_install_post %{{nil}}
%define _build_id_links none
Name: {name}
Version: {version}
Release: {release}
Summary: Test stand-in for {name} (file layout of the real package, no kernel)
License: GPL-2.0-only
AutoReqProv: no
{provides}
%description
Built by tests/hosts/package_nodes.py for the remediate role's tests.
%install
{install}
%files
{files}
"""


def log(msg):
    sys.stderr.write('[package_nodes] %s\n' % msg)
    sys.stderr.flush()


def layer_path():
    return os.path.join(base.cache_dir(), 'roots', LAYER)


def base_stamp():
    """What identifies the bookworm root the layer was built over."""
    info = base.read_node_info(base.root_path(BASE_SUITE))
    return '%s/%s' % (info.get('format'), info.get('built_at'))


def layer_is_complete():
    try:
        with open(os.path.join(layer_path(), base.NODE_INFO.replace('node.json', 'layer.json'))) as f:
            info = json.load(f)
        return info.get('format') == LAYER_FORMAT and info.get('base') == base_stamp()
    except (IOError, OSError, ValueError):
        return False


def build_layer():
    """Build the cached layer unless it is complete; return the overlay lowerdir of the nodes."""
    lower = base.build_root(BASE_SUITE)
    if not layer_is_complete():
        with base.cache_lock():
            if not layer_is_complete():
                _build_layer(lower)
    return '%s:%s' % (layer_path(), lower)


def _write(root, path, text, mode=0o644):
    full = os.path.join(root, path.lstrip('/'))
    if os.path.lexists(full) and not os.path.isdir(full):
        os.remove(full)
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    with open(full, 'w') as f:
        f.write(text)
    os.chmod(full, mode)


def _rpm(root, name, version, release, provides, install, files):
    """Write the spec of one test rpm into the root and build it there (rpmbuild of Debian's rpm)."""
    spec = '/tmp/specs/%s-%s-%s.spec' % (name, version, release)
    _write(root, spec, _RPM_SPEC.format(name=name, version=version, release=release,
                                        provides='\n'.join(provides), install='\n'.join(install),
                                        files='\n'.join(files)))
    base.chroot(root, 'rpmbuild', '-bb', '--quiet', '--define', '_topdir /tmp/rpmbuild', spec)
    return '/tmp/rpmbuild/RPMS/x86_64/%s-%s-%s.x86_64.rpm' % (name, version, release)


def _rhel_kernel(root, uname, core_name):
    """kernel.spec's split: <core_name> owns /lib/modules/<uname>/build, kernel-devel /usr/src/kernels/<uname>."""
    version, rest = uname.split('-', 1)
    release = rest[:-len('.x86_64')]
    src = '/usr/src/kernels/%s' % uname
    core = _rpm(root, core_name, version, release, ['Provides: installonlypkg(kernel)'], [
        'mkdir -p %%{buildroot}/lib/modules/%s' % uname,
        'ln -s %s %%{buildroot}/lib/modules/%s/build' % (src, uname),
        'ln -s build %%{buildroot}/lib/modules/%s/source' % uname,
    ], ['/lib/modules/%s' % uname])
    devel = _rpm(root, 'kernel-devel', version, release, [
        'Provides: kernel-devel-uname-r = %s' % uname,
        'Provides: kernel-devel-x86_64 = %s-%s' % (version, release),
        'Provides: installonlypkg(kernel)',
    ], [
        'mkdir -p %%{buildroot}%s/include/generated' % src,
        "echo 'KERNELRELEASE = %s' > %%{buildroot}%s/Makefile" % (uname, src),
        "echo '#define UTS_RELEASE \"%s\"' > %%{buildroot}%s/include/generated/utsrelease.h" % (uname, src),
    ], [src])
    return core, devel


def core_of(root, uname, core_name):
    """The path (in the root) of the kernel package built for ``uname`` by _rhel_kernel."""
    version, rest = uname.split('-', 1)
    return '/tmp/rpmbuild/RPMS/x86_64/%s-%s-%s' % (core_name, version, rest[:-len('.x86_64')]) + '.x86_64.rpm'


def _suse_kernel(root, uname):
    """kernel-binary.spec.in: kernel-default-devel owns the build link and /usr/src/linux-<ver>-obj/<arch>/<flavour>."""
    kernelrelease = uname[:-len('-default')]          # %version-%source_rel
    version, source_rel = kernelrelease.split('-', 1)
    release = source_rel + '.1'                        # the rebuild counter uname does not show
    obj = '/usr/src/linux-%s-obj/x86_64/default' % kernelrelease
    core = _rpm(root, 'kernel-default', version, release, [
        'Provides: kernel-default = %s-%s' % (version, source_rel),
        'Provides: multiversion(kernel)',
    ], ['mkdir -p %%{buildroot}/lib/modules/%s' % uname,
        "echo 'CONFIG_BPF=y' > %%{buildroot}/lib/modules/%s/config" % uname],
        ['%%dir /lib/modules/%s' % uname, '/lib/modules/%s/config' % uname])
    devel = _rpm(root, 'kernel-default-devel', version, release, [
        'Provides: kernel-default-devel = %s-%s' % (version, source_rel),
        'Provides: multiversion(kernel)',
    ], [
        'mkdir -p %%{buildroot}%s %%{buildroot}/lib/modules/%s' % (obj, uname),
        "echo 'KERNELRELEASE = %s' > %%{buildroot}%s/Makefile" % (uname, obj),
        'ln -s %s %%{buildroot}/lib/modules/%s/build' % (obj, uname),
    ], ['/usr/src/linux-%s-obj' % kernelrelease, '/lib/modules/%s/build' % uname])
    return core, devel


def _deb(root, name, version, arch, depends, files, links):
    """Build one .deb with dpkg-deb in the root; ``files`` {path: text}, ``links`` {path: target}."""
    tree = '/tmp/debs/%s' % name
    for path, text in files.items():
        _write(root, tree + path, text)
    control = ['Package: %s' % name, 'Version: %s' % version, 'Architecture: %s' % arch,
               'Maintainer: pixie_ops.preflight tests <dev@pixie-ops.invalid>', 'Section: devel', 'Priority: optional',
               'Description: test stand-in for Ubuntu\'s %s (file layout of the real package)' % name]
    if depends:
        control.insert(3, 'Depends: %s' % depends)
    _write(root, tree + '/DEBIAN/control', '\n'.join(control) + '\n')
    for path, target in links.items():
        full = os.path.join(root, (tree + path).lstrip('/'))
        if not os.path.isdir(os.path.dirname(full)):
            os.makedirs(os.path.dirname(full))
        os.symlink(target, full)
    out = '%s/%s_%s_%s.deb' % (REPOS + '/ubuntu2204', name, version, arch)
    base.chroot(root, 'dpkg-deb', '--root-owner-group', '--build', tree, out)


def _ubuntu_hwe_kernel(root, uname):
    """linux-headers-<uname> (the build link, /usr/src/linux-headers-<uname>) and linux-hwe-6.5-headers-<abi>."""
    abi = uname[:-len('-generic')]                      # 6.5.0-35
    upload = abi.split('-')[1]
    version = '%s.%s~22.04.1' % (abi, upload)           # 6.5.0-35.35~22.04.1
    common = 'linux-hwe-6.5-headers-%s' % abi
    _deb(root, common, version, 'all', None, {'/usr/src/%s/Makefile' % common: 'VERSION = 6\n'}, {})
    _deb(root, 'linux-headers-%s' % uname, version, 'amd64', '%s, libc6 (>= 2.34)' % common,
         {'/usr/src/linux-headers-%s/Makefile' % uname: 'KERNELRELEASE = %s\n' % uname,
          '/usr/src/linux-headers-%s/.config' % uname: 'CONFIG_BPF=y\n'},
         {'/lib/modules/%s/build' % uname: '/usr/src/linux-headers-%s' % uname})


def _build_layer(lower):
    final = layer_path()
    parent = os.path.dirname(final)
    for stale in [p for p in os.listdir(parent) if p.startswith('.%s.build-' % LAYER)]:
        base.safe_rmtree(os.path.join(parent, stale))
    base.safe_rmtree(final)
    work = tempfile.mkdtemp(prefix='.%s.build-' % LAYER, dir=parent)
    started = time.time()
    log('building the %s layer in %s' % (LAYER, work))
    upper, scratch, merged = (os.path.join(work, d) for d in ('layer', 'work', 'root'))
    for d in (upper, scratch, merged):
        os.makedirs(d)
    try:
        base.run(['mount', '-t', 'overlay', 'overlay', '-o',
                  'lowerdir=%s,upperdir=%s,workdir=%s' % (lower, upper, scratch), merged])
        base.mount_system_dirs(merged)
        base.chroot(merged, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', *TOOLS)
        base.chroot(merged, 'apt-get', 'clean')
        # Like RHEL and SLES, not like Debian's rpm (~/.rpmdb): one system database, shared by dnf, yum and zypper.
        _write(merged, '/etc/rpm/macros', '%_dbpath /var/lib/rpm\n')
        base.chroot(merged, 'mkdir', '-p', '/var/lib/rpm')
        base.chroot(merged, 'rpm', '--initdb')
        for name in ('rhel9', 'amzn2023', 'amzn2', 'sles15', 'ubuntu2204'):
            os.makedirs(os.path.join(merged, (REPOS + '/' + name).lstrip('/')))
        os.makedirs(os.path.join(merged, KERNEL_RPMS.lstrip('/')))
        for name, core_name in (('rhel9', 'kernel-core'), ('amzn2023', 'kernel'), ('amzn2', 'kernel')):
            current, newer, _absent = KERNELS[name]
            for uname in (current, newer):
                core, devel = _rhel_kernel(merged, uname, core_name)
                base.chroot(merged, 'cp', devel, '%s/%s/' % (REPOS, name))
            base.chroot(merged, 'cp', core_of(merged, current, core_name), '%s/%s.rpm' % (KERNEL_RPMS, current))
        current, newer, _absent = KERNELS['sles15']
        for uname in (current, newer):
            core, devel = _suse_kernel(merged, uname)
            base.chroot(merged, 'cp', devel, '%s/sles15/' % REPOS)
            if uname == current:
                base.chroot(merged, 'cp', core, '%s/%s.rpm' % (KERNEL_RPMS, current))
        for name in ('rhel9', 'amzn2023', 'amzn2', 'sles15'):
            base.chroot(merged, 'createrepo_c', '-q', '%s/%s' % (REPOS, name))
        current, newer, _absent = KERNELS['ubuntu2204']
        for uname in (current, newer):
            _ubuntu_hwe_kernel(merged, uname)
        base.chroot(merged, 'sh', '-c', 'cd %s/ubuntu2204 && apt-ftparchive packages . > Packages && '
                    'apt-ftparchive release . > Release' % REPOS)
        base.chroot(merged, 'rm', '-rf', '/tmp/specs', '/tmp/rpmbuild', '/tmp/debs')
        info = {'format': LAYER_FORMAT, 'base': base_stamp(), 'kernels': KERNELS,
                'built_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                'build_seconds': round(time.time() - started, 1)}
        _write(merged, base.NODE_INFO.replace('node.json', 'layer.json'), json.dumps(info, indent=1))
        left = base.unmount_all(work)
        if left:
            raise base.HarnessError('could not unmount %s' % ', '.join(left))
        os.rename(upper, final)
        base.safe_rmtree(work)
        log('built the %s layer in %.0f s' % (LAYER, time.time() - started))
    except BaseException:
        try:
            base.safe_rmtree(work)
        except base.HarnessError as exc:
            log(str(exc))
        raise


class PackageNode(base.Node):
    """One running node of another distribution family."""

    def __init__(self, name, root, info):   # pylint: disable=super-init-not-called
        self.suite = BASE_SUITE
        self.name = name
        self.root = os.path.realpath(root)
        self.port = None
        self.info = info
        self.proc = None
        self.manager, self.repo_id, self.repo_name = MANAGERS[name]
        self.release, self.newer_release, self.absent_release = KERNELS[name]
        self.version_id = None

    def headers_package(self, release=None):
        """What the role must install for ``release`` (default: the node's kernel): name or zypper capability."""
        release = release or self.release
        if self.manager == 'apt':
            return 'linux-headers-%s' % release
        if self.manager == 'zypper':
            return 'kernel-default-devel = %s' % release[:-len('-default')]
        return 'kernel-devel-%s' % release

    def installed(self):
        """The packages installed on the node: rpm NEVRAs (rpm-based nodes) or dpkg name=version (apt)."""
        if self.manager == 'apt':
            out = self.chroot_cmd('dpkg-query', '-W', '-f=${Package}=${Version} ${Status}\n')
            return sorted(line.split()[0] for line in out.stdout.splitlines() if line.endswith('install ok installed'))
        out = self.chroot_cmd('rpm', '-qa', '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n')
        return sorted(out.stdout.split())

    def break_repository(self):
        """Point the node's package manager at a loopback port nothing listens on (an unreachable repository)."""
        if self.manager == 'apt':
            _write(self.root, '/etc/apt/sources.list', 'deb [trusted=yes] %s ./\n' % CLOSED_PORT_URL)
            stamp = os.path.join(self.root, 'var/lib/apt/periodic/update-success-stamp')
            if os.path.exists(stamp):
                os.remove(stamp)       # lists "never refreshed" (apt takes the lists' mtime without the stamp)
            os.utime(os.path.join(self.root, 'var/lib/apt/lists'), (0, 0))
        elif self.manager in ('dnf', 'yum'):
            _write(self.root, '/etc/yum.repos.d/%s.repo' % self.name, _yum_repo(self, CLOSED_PORT_URL))
        elif self.manager == 'zypper':
            _write(self.root, '/etc/zypp/repos.d/%s.repo' % self.repo_id, _zypper_repo(self, CLOSED_PORT_URL))


def _yum_repo(node, url):
    return '[%s]\nname=%s\nbaseurl=%s\nenabled=1\ngpgcheck=0\n' % (node.repo_id, node.repo_name, url)


def _zypper_repo(node, url):
    return ('[%s]\nname=%s\nenabled=1\nautorefresh=1\nbaseurl=%s\ntype=rpm-md\ngpgcheck=0\n'
            % (node.repo_id, node.repo_name, url))


def prepare_node(node):
    """Turn the node's overlay into the distribution ``node.name``: os-release, package manager, repository."""
    root = node.root
    _write(root, '/etc/os-release', OS_RELEASE[node.name])
    repo_url = 'file://%s/%s' % (REPOS, node.name)
    if node.manager in ('dnf', 'yum'):
        _write(root, '/etc/yum.repos.d/%s.repo' % node.name, _yum_repo(node, repo_url))
        _write(root, '/etc/dnf/vars/releasever', node.info_version + '\n')
        if node.manager == 'yum':
            # Amazon Linux 2: yum and no dnf (here yum is dnf's yum-compatible command line, as on RHEL 8+).
            os.remove(os.path.join(root, 'usr/bin/dnf'))
            os.symlink('dnf-3', os.path.join(root, 'usr/bin/yum'))
    elif node.manager == 'zypper':
        _write(root, '/etc/zypp/repos.d/%s.repo' % node.repo_id, _zypper_repo(node, repo_url))
        # As SLES ships zypp.conf: kernel packages are installed side by side, never replaced.
        _write(root, '/etc/zypp/zypp.conf', '[main]\nmultiversion = provides:multiversion(kernel)\n')
    elif node.manager == 'apt':
        _write(root, '/etc/apt/sources.list', 'deb [trusted=yes] file:%s ./\n' % (REPOS + '/ubuntu2204'))
        lists = os.path.join(root, 'var/lib/apt/lists')
        for entry in os.listdir(lists):
            if entry not in ('lock', 'partial', 'auxfiles'):
                os.remove(os.path.join(lists, entry))
        base.chroot(root, 'apt-get', 'update', '-q')
    else:   # Fedora CoreOS: an ostree deployment (read-only /usr), whatever binaries it carries
        _write(root, '/run/ostree-booted', '')
    # The node's kernel is installed, as on the real system (its build link dangles until the headers come).
    if node.manager in ('dnf', 'yum', 'zypper'):
        base.chroot(root, 'rpm', '-i', '--nodeps', '--quiet', '%s/%s.rpm' % (KERNEL_RPMS, node.release))


class PackageNodes(base.Nodes):
    """Start the nodes named in ``names`` (default: all of NODES); ``stop()`` undoes everything."""

    def __init__(self, names=NODES):
        super(PackageNodes, self).__init__(suites=())
        self.names = list(names)

    def _roots(self):
        lower = build_layer()
        return [(name, lower) for name in self.names]

    def _start_node(self, suite, lower, pubkey):
        name = suite     # the key _roots gave: the node's name
        merged, rundir = self._mount_node(name, lower, pubkey)
        node = PackageNode(name, merged, base.read_node_info(merged))
        node.info_version = OS_RELEASE[name].split('VERSION_ID=')[1].split('\n')[0].strip('"')
        node.version_id = node.info_version
        prepare_node(node)
        return self._launch(node, rundir)

    def inventory_data(self):
        hosts = {}
        for n in self.nodes:
            hosts[n.name] = {
                'ansible_host': '127.0.0.1',
                'ansible_port': n.port,
                'ansible_user': base.USER,
                'ansible_ssh_private_key_file': self.key,
                'ansible_ssh_common_args': '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
                'ansible_python_interpreter': '/usr/bin/python3',
                'pixie_test_release': n.release,
                'pixie_test_absent_release': n.absent_release or n.release,
                'pixie_test_newer_release': n.newer_release or n.release,
            }
        return {'all': {'children': {'package_nodes': {'hosts': hosts}}}}


def main(argv):
    if len(argv) < 2 or argv[1] not in ('build', 'up'):
        sys.stderr.write(__doc__)
        return 2
    why = base.missing_requirements()
    if why:
        sys.stderr.write(why + '\n')
        return 1
    signal.signal(signal.SIGTERM, base.raise_exit)
    started = time.time()
    if argv[1] == 'build':
        lower = build_layer()
        print('layer ready in %.1f s: %s' % (time.time() - started, lower))
        return 0
    with PackageNodes(argv[2:] or NODES) as nodes:
        print('nodes up in %.1f s' % nodes.setup_seconds)
        print('inventory: %s' % nodes.inventory)
        for n in nodes.nodes:
            print('%s: ssh -p %d -i %s %s@127.0.0.1 (%s, kernel %s)' % (
                n.name, n.port, nodes.key, base.USER, n.manager, n.release))
        sys.stdout.flush()
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
