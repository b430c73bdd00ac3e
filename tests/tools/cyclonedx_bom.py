"""Write a CycloneDX 1.6 JSON BOM for an OCI artifact with cyclonedx-python-lib (a real SBOM
producer), for tests/it/sbom_real_tools.rs.

usage: cyclonedx_bom.py NAME MANIFEST_DIGEST LICENCE_EXPRESSION LAYER_DIGEST...

The root (metadata.component) is the model, named by a pkg:oci purl of the manifest digest and
carrying that digest as a hash; each layer is a file component carrying its descriptor digest.
"""
import sys

from cyclonedx.model import HashAlgorithm, HashType
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.license import LicenseExpression
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL


def hash_of(digest):
    algorithm, hex_value = digest.split(":", 1)
    alg = {"sha256": HashAlgorithm.SHA_256, "sha512": HashAlgorithm.SHA_512}[algorithm]
    return HashType(alg=alg, content=hex_value)


def main(name, manifest, licence, *layers):
    bom = Bom()
    bom.metadata.component = Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        name=name,
        bom_ref="artifact",
        purl=PackageURL(type="oci", name=name, version=manifest),
        hashes=[hash_of(manifest)],
        licenses=[LicenseExpression(licence)],
    )
    files = [
        Component(type=ComponentType.FILE, name=f"layer-{i}", bom_ref=f"layer-{i}",
                  hashes=[hash_of(layer)])
        for i, layer in enumerate(layers)
    ]
    for f in files:
        bom.components.add(f)
    bom.register_dependency(bom.metadata.component, files)
    sys.stdout.write(JsonV1Dot6(bom).output_as_string(indent=2))


if __name__ == "__main__":
    main(*sys.argv[1:])
