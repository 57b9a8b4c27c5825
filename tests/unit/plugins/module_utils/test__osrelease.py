# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import gzip
import json
import os

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _osrelease as osrelease

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'os-release')

# Rules from os-release(5): quoting, escapes, comments, blank and garbage lines.
CASES = [
    ('ID=ubuntu\nVERSION_ID="22.04"\n', {'ID': 'ubuntu', 'VERSION_ID': '22.04'}),
    ("NAME='Fedora Linux'\n", {'NAME': 'Fedora Linux'}),
    ('PRETTY_NAME="Quote \\"me\\" \\$HOME \\\\ \\`x\\`"\n', {'PRETTY_NAME': 'Quote "me" $HOME \\ `x`'}),
    ('X="back\\slash kept"\n', {'X': 'back\\slash kept'}),   # \s is not an escape in double quotes
    ("Y='no \\$escape'\n", {'Y': 'no \\$escape'}),             # nothing is an escape in single quotes
    ('# comment\n\n   \nID=debian\n#ID=ubuntu\n', {'ID': 'debian'}),
    ('garbage line\nID=arch\n=novalue\n1BAD=x\n', {'ID': 'arch'}),
    ('ID=rhel\r\nVERSION_ID="9.3"\r\n', {'ID': 'rhel', 'VERSION_ID': '9.3'}),
    ('EMPTY=\nEMPTY2=""\n', {'EMPTY': '', 'EMPTY2': ''}),
    ('ID=first\nID=second\n', {'ID': 'second'}),
    ('ID=ubuntu # trailing comment\n', {'ID': 'ubuntu'}),
    ('UNTERMINATED="abc\n', {'UNTERMINATED': 'abc'}),
    ('', {}),
]


@pytest.mark.parametrize('text, expected', CASES)
def test_parse_os_release(text, expected):
    assert osrelease.parse_os_release(text) == expected


def _fixture_files():
    # Awkward but legal os-release texts (tests/fixtures/os-release/SOURCE.md); the CRLF one is
    # gzipped because the repository's line-ending check rejects CR in text files.
    return sorted(glob.glob(os.path.join(FIXTURES, '*.os-release')) +
                  glob.glob(os.path.join(FIXTURES, '*.os-release.gz')))


@pytest.mark.parametrize('path', _fixture_files(), ids=os.path.basename)
def test_parse_os_release_fixtures(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as handle:
        text = handle.read().decode('utf-8')
    with open(path.split('.os-release')[0] + '.expected.json') as handle:
        expected = json.load(handle)
    assert osrelease.parse_os_release(text) == expected


def test_distribution_defaults_and_like():
    assert osrelease.distribution({}) == {
        'id': 'linux', 'version_id': None, 'name': 'Linux', 'like': [], 'pretty_name': None,
        'version': None, 'version_source': None, 'build_id': None}
    dist = osrelease.distribution({'ID': 'Rocky', 'ID_LIKE': 'rhel centos fedora', 'VERSION_ID': '9.3'})
    assert dist['id'] == 'rocky' and dist['like'] == ['rhel', 'centos', 'fedora']


@pytest.mark.parametrize('ident, key', [
    ('ubuntu', 'ubuntu'), ('rocky', 'rhel'), ('almalinux', 'rhel'), ('centos', 'rhel'), ('ol', 'rhel'),
    ('amzn', None), ('fedora', None), ('flatcar', None),
])
def test_tested_key(ident, key):
    tested = {'ubuntu': '18.04', 'debian': '10', 'rhel': '8', 'cos': '73'}
    assert osrelease.tested_key({'id': ident}, tested) == key


def test_read_os_release_falls_back_and_follows_links_inside_root(tmp_path):
    root = str(tmp_path)
    os.makedirs(os.path.join(root, 'usr/lib'))
    os.makedirs(os.path.join(root, 'etc'))
    with open(os.path.join(root, 'usr/lib/os-release'), 'w') as handle:
        handle.write('ID=flatcar\nVERSION_ID=3815.2.0\n')
    assert osrelease.read_os_release(root) == ('/usr/lib/os-release', {'ID': 'flatcar', 'VERSION_ID': '3815.2.0'})
    # An absolute link, as on many systems, must be read inside the root, not from this machine.
    os.symlink('/usr/lib/os-release', os.path.join(root, 'etc/os-release'))
    assert osrelease.read_os_release(root)[0] == '/etc/os-release'
    assert osrelease.read_os_release(root)[1]['ID'] == 'flatcar'


def test_read_os_release_missing(tmp_path):
    assert osrelease.read_os_release(str(tmp_path)) == (None, None)
