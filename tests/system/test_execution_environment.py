# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment: `ansible-builder create` turns execution-environment.yml into a
build context, and the requirements the image would get are the collection's.

There is no container runtime here, so the image is not built. Instead the test runs the
build's two dependency steps itself, with the same commands the Containerfile runs: the
galaxy stage's `ansible-galaxy collection install -r requirements.yml` (from the context)
and the builder stage's `introspect.py introspect` (the script ansible-builder put into the
context) over the installed collections.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile

import pytest
import yaml
from collection_build import BIN, ROOT, build_collection, tarball_name
from conftest import ansible_env
from packaging.requirements import Requirement


def requirement_lines(path) -> list[str]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """A project laid out like this repository after `make build`, and its build context."""
    project = tmp_path_factory.mktemp("ee-project")
    shutil.copy(ROOT / "execution-environment.yml", project)
    build_collection(project / "build" / "dist")
    completed = subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "--context", "context",
         "--output-filename", "Containerfile"],
        cwd=project, capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return project / "context"


def test_definition_is_builder_v3_and_pins_the_tested_core():
    definition = yaml.safe_load((ROOT / "execution-environment.yml").read_text(encoding="utf-8"))
    assert definition["version"] == 3
    dev_pins = {Requirement(line).name: str(Requirement(line).specifier) for line in requirement_lines(ROOT / "requirements-dev.txt")
                if not line.startswith("-")}
    core = Requirement(definition["dependencies"]["ansible_core"]["package_pip"])
    assert (core.name, str(core.specifier)) == ("ansible-core", dev_pins["ansible-core"])
    # The galaxy requirement names the tarball `make build` writes for the current version.
    assert definition["dependencies"]["galaxy"]["collections"] == [{"name": f"collections/{tarball_name()}", "type": "file"}]


def test_collection_declares_its_ee_requirements_in_step_with_requirements_txt():
    declaration = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
    assert declaration["dependencies"] == {"python": "meta/ee-requirements.txt", "system": "meta/ee-bindep.txt"}
    ee = {Requirement(line).name: Requirement(line) for line in requirement_lines(ROOT / "meta" / "ee-requirements.txt")}
    controller = {Requirement(line).name: Requirement(line) for line in requirement_lines(ROOT / "requirements.txt")}
    assert set(ee) == set(controller)
    for name, requirement in controller.items():
        assert ee[name].specifier == requirement.specifier, f"{name}: EE pins {ee[name].specifier}, requirements.txt {requirement.specifier}"
    assert "kerberos" in ee["pywinrm"].extras
    for line in requirement_lines(ROOT / "meta" / "ee-bindep.txt"):
        # bindep: a package name, then optionally one bracketed list of profiles/platforms.
        assert Requirement(line.split(" [", 1)[0]).name and (" [" not in line or line.endswith("]")), line


def test_build_context_has_the_containerfile_and_the_collection(context):
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core==' in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "/output/scripts/introspect.py introspect" in containerfile
    assert "/output/scripts/install-from-bindep" in containerfile
    for script in ("introspect.py", "assemble", "install-from-bindep", "check_ansible"):
        assert (context / "_build" / "scripts" / script).is_file()

    shipped = context / "_build" / "collections" / tarball_name()
    assert shipped.is_file()
    with tarfile.open(shipped) as archive:
        names = set(archive.getnames())
    assert {"meta/execution-environment.yml", "meta/ee-requirements.txt", "meta/ee-bindep.txt"} <= names


def test_image_would_get_the_collection_and_its_requirements(context, tmp_path):
    build = context / "_build"
    share = tmp_path / "usr-share-ansible"  # stands in for /usr/share/ansible in the image
    galaxy = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "-r", "requirements.yml", "--collections-path", str(share / "collections")],
        cwd=build, env=ansible_env(share / "collections", ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1"),
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert galaxy.returncode == 0, galaxy.stdout + galaxy.stderr
    installed = share / "collections" / "ansible_collections" / "licensing" / "windows"
    assert (installed / "roles" / "license_audit" / "meta" / "argument_specs.yml").is_file()

    out = tmp_path / "src"
    introspect = subprocess.run(
        [str(BIN / "python"), str(build / "scripts" / "introspect.py"), "introspect",
         f"--write-bindep={out / 'bindep.txt'}", f"--write-pip={out / 'requirements.txt'}", str(share / "collections")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert introspect.returncode == 0, introspect.stdout + introspect.stderr

    def from_collection(path):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert all(line.endswith("  # from collection licensing.windows") for line in lines if line), lines
        return [line.split("  #", 1)[0] for line in lines if line]

    assert from_collection(out / "requirements.txt") == requirement_lines(ROOT / "meta" / "ee-requirements.txt")
    assert from_collection(out / "bindep.txt") == requirement_lines(ROOT / "meta" / "ee-bindep.txt")
