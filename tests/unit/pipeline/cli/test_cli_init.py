"""`vtx init`: the definition and the schema draft it writes, what it prints, and what it refuses."""

from pathlib import Path

import pytest
import yaml
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

pytestmark = pytest.mark.unit

COLOURS = ["red", "blue", "green"]
ROWS = ["age,colour,name,bought"] + [
    f"{'NA' if i % 5 == 0 else 20 + (i * 7) % 50},{COLOURS[i % 3]},person {i},{'yes' if i % 3 else 'no'}"
    for i in range(60)
]


@pytest.fixture
def folders(tmp_path: Path):
    data, modules = tmp_path / "shop", tmp_path / "modules"
    data.mkdir()
    modules.mkdir()
    (data / "Shop Visits.csv").write_text("\n".join(ROWS) + "\n")
    return data, modules


def init(vtx, data: Path, modules: Path, *args: str):
    return vtx("init", "--data", str(data), "--set", f"modules.package_dir={modules}", *args)


def test_init_writes_the_definition_and_a_schema_draft_and_prints_the_next_command(vtx, folders):
    data, modules = folders

    done = init(vtx, data, modules, "--label", "bought")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:6] == [
        "  bought: the label, 2 classes, in this order: no, yes",
        "  age: numeric, numbers, 20% missing",
        "  colour: categorical, text with 3 values, never missing",
        "  name: ignored, text with 60 different values in 60 rows: free text or an id, not a category",
        f"Wrote {modules / 'dataset.yaml'} (dataset 'shop-visits') and a schema draft,",
    ]
    assert done.stdout.splitlines()[-1] == f"Next: vtx run --data {data}"
    definition = yaml.safe_load((modules / "dataset.yaml").read_text())
    assert definition == {
        "name": "shop-visits",
        "label": "bought",
        "features": {"numeric": ["age"], "categorical": ["colour"], "ignored": ["name"]},
        "slices": ["colour"],
        "split_key": None,
        "classes": ["no", "yes"],
    }
    draft = (modules / "schema.pbtxt").read_text()
    assert draft.startswith("# DRAFT of the reviewed schema of dataset 'shop-visits'")
    assert "#     age: 21 to 69, present in 80% of rows" in draft
    schema = text_format.Parse(draft, schema_pb2.Schema())
    by_name = {feature.name: feature for feature in schema.feature}
    assert by_name["age"].type == schema_pb2.INT and not by_name["age"].HasField("domain")
    assert by_name["colour"].distribution_constraints.min_domain_mass == pytest.approx(0.95)
    assert {d.name: list(d.value) for d in schema.string_domain} == {
        "bought": ["no", "yes"],
        "colour": ["blue", "green", "red"],
    }


def test_init_refuses_to_replace_a_definition_without_force(vtx, folders):
    data, modules = folders
    (modules / "dataset.yaml").write_text("name: kept\n")

    refused = init(vtx, data, modules, "--label", "bought")
    forced = init(vtx, data, modules, "--label", "bought", "--force", "--name", "shop", "--split-key", "name")

    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"Error: {modules / 'dataset.yaml'} already exist; pass --force to replace them (git keeps the old ones)"
    ]
    assert forced.returncode == 0, forced.stderr
    definition = yaml.safe_load((modules / "dataset.yaml").read_text())
    assert (definition["name"], definition["split_key"]) == ("shop", "name")


def test_a_label_that_is_not_a_column_is_one_line_listing_the_header(vtx, folders):
    data, modules = folders

    done = init(vtx, data, modules, "--label", "Bought")

    assert done.returncode == 2
    assert done.stderr.splitlines() == ["Error: no column 'Bought' in the data; its header: age, colour, name, bought"]
    assert not (modules / "dataset.yaml").exists()
