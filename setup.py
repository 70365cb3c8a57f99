"""Maps the design card's top-level folders onto the ``motcua.*`` import names.

The folders stay as the design card lists them (``core/``, ``lookup/`` ...) while the
installed names say whose they are (``motcua.core``, ``motcua.lookup`` ...).
"""
from setuptools import find_packages, setup

FOLDERS = {
    "core": "motcua.core",
    "lookup": "motcua.lookup",
    "kiosk": "motcua.kiosk",
    "sms": "motcua.sms",
    "conformance": "motcua.conformance",
}

packages: list[str] = []
package_dir: dict[str, str] = {}
for folder, name in FOLDERS.items():
    package_dir[name] = folder
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(folder)]

setup(packages=packages, package_dir=package_dir)
