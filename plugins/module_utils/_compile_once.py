# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""On a node, this collection's module_utils are compiled once per run, not twice.

A module reaches a node as an AnsiballZ payload: a zip of Python sources, which the node's Python
imports with ``zipimport``. ``zipimport`` compiles each source twice: once while the import system
makes the module's spec (it asks for the module's file name, and ``get_filename`` compiles the
module to find it), and again to run it (CPython issue 141276; every Python 3 this collection runs
on does it). Compiling the module_utils a check imports is most of what a node run costs beyond
``ansible -m ping``, so the second compile is worth saving.

Importing this module puts a finder first on ``sys.meta_path``. It imports the other modules of
this package from the payload with one compile each: the same source, file name, code and module
attributes as ``zipimport`` gives them. It acts only when this module itself came from a zip (a
node run; on the controller, in a checkout or under ``ansible-test`` it does nothing), only for the
plain modules of this package, and only for a file the archive holds as source: anything else is
left to ``zipimport``. Every module of this collection imports it before its other module_utils.
Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys
import zipimport
from importlib.machinery import ModuleSpec

PACKAGE = __name__.rpartition('.')[0]


class _SourceLoader:
    """Runs one module of the payload from its source, compiled once."""

    def __init__(self, importer, path, source):
        self._importer = importer
        self._path = path
        self._source = source

    def create_module(self, spec):  # pylint: disable=unused-argument
        return None  # the default module object

    def exec_module(self, module):
        source, self._source = self._source, None
        # What zipimport does with the source, once.
        exec(compile(source, self._path, 'exec', dont_inherit=True), module.__dict__)  # pylint: disable=exec-used

    def get_source(self, fullname):
        """For tracebacks (``linecache``), as ``zipimport`` gives it."""
        return self._importer.get_source(fullname)


class CompileOnceFinder:
    """Finds the modules of this package in the payload for ``_SourceLoader``."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):  # pylint: disable=unused-argument
        package, name = fullname.rpartition('.')[::2]
        if package != PACKAGE:
            return None
        for entry in path or ():
            # The zipimporter the import system made for this package's directory in the payload.
            importer = sys.path_importer_cache.get(entry)
            if not isinstance(importer, zipimport.zipimporter):
                continue
            try:
                if importer.is_package(fullname):
                    return None
                filename = importer.archive + '/' + importer.prefix + name + '.py'
                source = importer.get_data(filename)
            except (zipimport.ZipImportError, OSError):
                return None  # not in the archive, or not as source: zipimport says so, its own way
            spec = ModuleSpec(fullname, _SourceLoader(importer, filename, source), origin=filename)
            spec.has_location = True  # __file__, as zipimport's spec has it
            return spec
        return None


def install():
    """Puts the finder first, once, when this module came from a zip (a node run)."""
    if isinstance(globals().get('__loader__'), zipimport.zipimporter) and \
            not any(isinstance(finder, CompileOnceFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, CompileOnceFinder())


install()
